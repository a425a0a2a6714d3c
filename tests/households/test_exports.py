"""Case export (个案输出): print page, PDF, and the filtered list as xlsx (masked, injection-safe, logged)."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AccessEvent
from households.exports import xlsx_safe
from households.models import Household, Member

pytestmark = pytest.mark.django_db


def test_print_page_is_masked_and_logged(client_for, personas, homes):
    member = homes.v1a.members.first()
    response = client_for(personas.village_cadre).get(reverse("households:print", args=[homes.v1a.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert member.id_number not in html
    assert member.phone not in html
    assert "print.css" in html
    assert "data-print" in html
    event = AccessEvent.objects.get(action="export")
    assert (event.detail["format"], event.target_label) == ("print", homes.v1a.number)


def test_pdf_is_a_pdf_with_the_cjk_font_and_logged(client_for, personas, homes):
    response = client_for(personas.town_cadre).get(reverse("households:pdf", args=[homes.v1a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"STSong-Light" in response.content
    assert AccessEvent.objects.get(action="export").detail["format"] == "pdf"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("王德明", "王德明"),
        (5, 5),
    ],
)
def test_formula_triggers_are_written_as_text(value, written):
    assert xlsx_safe(value) == written


def _export(client, **data):
    response = client.post(reverse("households:export"), data)
    assert response.status_code == 200, response.status_code
    return response


def _cells(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_export_is_masked_safe_and_logged(client_for, personas, homes):
    Household.objects.filter(pk=homes.v1a.pk).update(address="=cmd|' /C calc'!A0")
    Member.objects.filter(household=homes.v1a, role="husband").update(name="@evil")
    member = homes.v1b.members.first()
    client = client_for(personas.county_staff)
    response = _export(client, status="active")
    raw = response.content
    # masked in the bytes of the workbook, not only in what openpyxl shows
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        xml = b"".join(archive.read(name) for name in archive.namelist())
    assert member.id_number.encode() not in xml
    assert member.phone.encode() not in xml
    rows = _cells(raw)
    assert len(rows) == 1 + 6  # header + two members in each of three households of county C
    addresses = {row[6] for row in rows[1:]}
    assert "'=cmd|' /C calc'!A0" in addresses
    assert "'@evil" in {row[12] for row in rows[1:]}
    assert b"<f>" not in xml  # no formula anywhere
    event = AccessEvent.objects.get(action="export")
    assert event.detail == {"format": "xlsx", "rows": 3, "full_values": False, "filters": {"status": "active"}}


def test_full_values_are_exported_only_on_request_and_logged(client_for, personas, homes):
    member = homes.v1b.members.first()
    response = _export(client_for(personas.county_staff), full_values="on")
    assert member.id_number in {row[16] for row in _cells(response.content)}
    assert AccessEvent.objects.get(action="export").detail["full_values"] is True


def test_export_respects_filters_and_search(client_for, personas, area, homes):
    client = client_for(personas.county_staff)
    location = client.post(reverse("households:search"), {"q": homes.v1b.number})["Location"]
    token = location.split("s=")[1]
    rows = _cells(_export(client, s=token).content)
    assert {row[0] for row in rows[1:]} == {homes.v1b.number}
    rows = _cells(_export(client, town=area.T1.pk).content)
    assert {row[0] for row in rows[1:]} == {homes.v1a.number, homes.v1b.number}


@pytest.mark.parametrize("persona", ["town_cadre", "village_cadre", "leader", "no_area"])
def test_only_county_staff_export_lists(client_for, personas, homes, persona):
    response = client_for(getattr(personas, persona)).post(reverse("households:export"), {})
    assert response.status_code == 403
    assert not AccessEvent.objects.filter(action="export").exists()


def test_export_stays_inside_the_area(client_for, personas, homes):
    rows = _cells(_export(client_for(personas.other_county_staff)).content)
    assert {row[0] for row in rows[1:]} == {homes.v3a.number}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pdf_members_table_keeps_role_sex_and_age_on_one_line(client_for, personas, area, monkeypatch, language):
    """The members table's narrow columns fit their widest cell ("87", "103", "性别", "Grandchild") on one line,
    Latin words are not cut ("Semi-disabled"), and the table still fits the page's 180 mm."""
    import reportlab.platypus
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from tests.factories import HouseholdFactory, MemberFactory

    tables: list = []

    class RecordingTable(reportlab.platypus.Table):
        def __init__(self, data, *args, **kwargs):
            super().__init__(data, *args, **kwargs)
            tables.append((data, kwargs.get("colWidths")))

    monkeypatch.setattr(reportlab.platypus, "Table", RecordingTable)
    household = HouseholdFactory(village=area.V1a)
    today = timezone.localdate()
    MemberFactory(household=household, birth_date=today - timedelta(days=int(87.5 * 365.25)), self_care="semi")
    MemberFactory(
        household=household, role=Member.Role.GRANDCHILD, birth_date=today - timedelta(days=int(103.5 * 365.25))
    )
    client = client_for(personas.county_staff)
    client.post(reverse("set_language"), {"language": language})

    assert client.get(reverse("households:pdf", args=[household.pk])).status_code == 200

    members = [(data, widths) for data, widths in tables if widths and len(data[0]) == 9]
    assert len(members) == 1
    data, widths = members[0]
    assert sum(widths) <= 180 * mm + 0.01
    texts = [[cell.getPlainText() for cell in row] for row in data]
    assert [row[3] for row in texts[1:]] == ["87", "103"]
    for row in data:
        for column in (1, 2, 3):  # role, sex, age: one line
            _width, height = row[column].wrap(widths[column] - 12, 1000)
            assert height <= row[column].style.leading + 0.1, (row[column].getPlainText(), widths[column])
        for word in row[7].getPlainText().split():  # self-care: each Latin word whole ("Semi-disabled")
            if word.isascii():
                assert stringWidth(word, "STSong-Light", 8) <= widths[7] - 12, word
