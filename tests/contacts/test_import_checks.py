"""The people-who-serve import checks an upload with the one upload checker (core.xlsx): macros by content, the
compression ratio, formulas. Each refusal is a message on the form, in the user's language, and nothing changes."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from contacts.models import ServicePerson
from tests.core.xlsx_build import plain_workbook, with_renamed_vba_project, zip_edit

pytestmark = pytest.mark.django_db

HEADER = ["id", "name", "phone", "role_type", "unit", "region_code", "login", "active", "note"]


def _rows(area) -> list[list[object]]:
    return [HEADER, [None, "新志愿者", "13700000002", "volunteer", "", area.V1b.code, None, 1, ""]]


def _post(client, data: bytes):
    upload = io.BytesIO(data)
    upload.name = "people.xlsx"
    return client.post(reverse("contacts:person_import"), {"file": upload})


def _refused(response) -> str:
    assert response.status_code == 200
    assert not ServicePerson.objects.filter(name="新志愿者").exists()
    return " ".join(response.context["form"].errors["file"])


def test_the_plain_workbook_of_these_tests_is_imported(personas, client_for, area):
    response = _post(client_for(personas.county_staff), plain_workbook(_rows(area)))
    assert response.status_code == 302
    assert ServicePerson.objects.get(name="新志愿者").region == area.V1b


def test_a_renamed_vba_project_is_refused(personas, client_for, area):
    data = with_renamed_vba_project(plain_workbook(_rows(area)), part="xl/media/image1.png")
    assert "宏" in _refused(_post(client_for(personas.county_staff), data))


def test_a_part_inflating_beyond_the_ratio_is_refused(personas, client_for, area):
    data = zip_edit(plain_workbook(_rows(area)), add={"xl/media/padding.bin": b"\x00" * (5 * 2**20)})
    assert len(data) < 2**20  # under the upload cap and, uncompressed, under the total cap: only the ratio holds
    assert "解压" in _refused(_post(client_for(personas.county_staff), data))


def test_an_encrypted_workbook_is_refused_with_advice(personas, client_for):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le")
    assert "密码" in _refused(_post(client_for(personas.county_staff), data))


def test_a_formula_is_refused(personas, client_for, area):
    rows = _rows(area)
    rows[1][2] = '=CONCATENATE("137","00000002")'
    assert "公式" in _refused(_post(client_for(personas.county_staff), plain_workbook(rows)))
