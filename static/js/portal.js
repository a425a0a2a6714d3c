// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("[data-nav-toggle]");
  const nav = document.getElementById("main-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});

// Households: reveal one masked value in place (the server logs it); add a member row to the formset.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-reveal]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) { form.submit(); return; }
      const data = await response.json();
      const target = form.parentElement.querySelector("[data-reveal-target]");
      if (target) { target.textContent = data.value; target.classList.add("revealed"); }
      form.remove();
    });
  });
  document.querySelectorAll("[data-formset]").forEach((fieldset) => {
    const prefix = fieldset.dataset.formset;
    const add = fieldset.querySelector("[data-formset-add]");
    const template = fieldset.querySelector("template[data-formset-empty]");
    const list = fieldset.querySelector("[data-formset-list]");
    const total = fieldset.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    if (!add || !template || !list || !total) return;
    add.addEventListener("click", () => {
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replaceAll("__prefix__", String(index));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const first = list.lastElementChild.querySelector("input, select");
      if (first) first.focus();
    });
  });
});
