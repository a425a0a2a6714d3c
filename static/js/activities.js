// The attendance picker: a household's box ticks (or unticks) all its living members.
document.querySelectorAll("[data-whole]").forEach(function (box) {
  box.addEventListener("change", function () {
    box.closest("[data-household]").querySelectorAll("input[name=member]").forEach(function (m) {
      m.checked = box.checked;
    });
  });
});
