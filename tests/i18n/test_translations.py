"""Every user-visible string has a Simplified Chinese translation; zh-hans is the default."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def po_entries(text: str):
    """(msgid, msgstr-or-first-plural, flags) for each entry of a .po file; enough parsing for a check."""
    for block in text.split("\n\n"):
        lines = [ln for ln in block.strip().splitlines() if ln and not ln.startswith("#~")]
        flags = " ".join(ln for ln in lines if ln.startswith("#,"))
        current, fields = None, {}
        for ln in lines:
            m = re.match(r'^(msgid|msgid_plural|msgstr|msgstr\[0\])\s+"(.*)"$', ln)
            if m:
                current = m.group(1)
                fields[current] = m.group(2)
            elif ln.startswith('"') and current:
                fields[current] += ln[1:-1]
        if fields.get("msgid"):
            yield fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]", "")), flags


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = list(po_entries(PO.read_text(encoding="utf-8")))
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _ in entries if not msgstr]
    fuzzy = [msgid for msgid, _, flags in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.django_db
def test_chinese_is_the_default_and_english_is_available(personas, client_for):
    client = client_for(personas.county_staff)
    # An English-language browser still gets Chinese until the user switches.
    html = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html
    assert "工作台" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("portal:home")).content.decode()
    assert 'lang="en"' in html
    assert "Dashboard" in html


def test_compiled_catalogue_holds_every_translation():
    """A stale .mo (someone forgot compilemessages) would show English on screen."""
    import gettext

    with PO.with_suffix(".mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    msgids = {key[0] if isinstance(key, tuple) else key for key in catalog}
    missing = [
        msgid
        for msgid, _, _ in po_entries(PO.read_text(encoding="utf-8"))
        if msgid not in msgids and not any(m.endswith("\x04" + msgid) for m in msgids)
    ]
    assert missing == []
