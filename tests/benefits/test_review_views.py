"""The annual review's pages: each level's workbench, the forms, the proofs (real type by the first bytes, served
only to a reviewer of the area and logged), the public notice (no ID number, no cause) and the scope matrix."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from benefits.models import ReviewCase, ReviewProof, ReviewStep
from tests.benefits.review_fixtures import case, cycle, family

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def place(area):
    h, w = family(area.V1a, number="630101-00077", husband="赵大山", wife="钱小红")
    c = cycle(area.C, THIS_YEAR - 1)  # every deadline passed: overdue
    k = case(c, h)
    proof = ReviewProof.objects.create(
        case=k, kind="death", file=SimpleUploadedFile("scan.pdf", PDF), original_name="死亡证明.pdf"
    )
    return {"cycle": c, "case": k, "proof": proof, "husband": h, "wife": w, "village": area.V1a}


def test_workbench_per_level_counts_and_overdue_in_red(client_for, personas, place):
    response = client_for(personas.village_cadre).get(reverse("benefits:review:workbench", args=[place["cycle"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-case="{place["case"].pk}"' in html
    assert 'class="overdue"' in html
    assert 'data-overdue="1"' in html
    assert 'name="cases"' in html  # the village may act at its own stage
    town = client_for(personas.town_cadre).get(reverse("benefits:review:workbench", args=[place["cycle"].pk]))
    assert f'data-case="{place["case"].pk}"' not in town.content.decode()  # the town's stage is empty
    assert 'data-stage="village" data-count="1"' in town.content.decode()
    other = client_for(personas.other_town_cadre).get(reverse("benefits:review:workbench", args=[place["cycle"].pk]))
    assert 'data-stage="village" data-count="0"' in other.content.decode()


def test_workbench_in_english_by_cookie(client_for, personas, place):
    client = client_for(personas.county_staff)
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("benefits:review:workbench", args=[place["cycle"].pk]) + "?stage=village"
    ).content.decode()
    assert "days overdue" in html
    assert "Village review" in html


def test_decide_through_the_page(client_for, personas, place):
    k = place["case"]
    client = client_for(personas.village_cadre)
    client.cookies["django_language"] = "en"
    bad = client.post(reverse("benefits:review:decide", args=[k.pk]), {"action": "refuse", "opinion": ""})
    assert bad.status_code == 400
    assert "Say why the case is refused" in bad.content.decode()
    ok = client.post(reverse("benefits:review:decide", args=[k.pk]), {"action": "confirm", "opinion": "入户"})
    assert ok.status_code == 302
    k.refresh_from_db()
    assert k.stage == "town"
    town = client_for(personas.town_cadre)
    back = town.post(reverse("benefits:review:decide", args=[k.pk]), {"action": "return", "opinion": "缺申报表"})
    assert back.status_code == 302
    k.refresh_from_db()
    assert (k.stage, k.returned_reason) == ("village", "缺申报表")
    assert ReviewStep.objects.filter(case=k).count() == 2


def test_bulk_confirm_through_the_page(client_for, personas, place):
    client = client_for(personas.village_cadre)
    url = reverse("benefits:review:bulk_confirm", args=[place["cycle"].pk])
    assert client.post(url, {"cases": [place["case"].pk], "opinion": "同意"}).status_code == 302
    place["case"].refresh_from_db()
    assert place["case"].stage == "town"


def test_application_with_proofs_and_a_renamed_exe_refused(client_for, personas, place):
    client = client_for(personas.village_cadre)
    client.cookies["django_language"] = "en"
    url = reverse("benefits:review:apply", args=[place["cycle"].pk])
    page = client.get(url, {"number": "630101-00077"})
    assert page.status_code == 200
    assert "钱小红" in page.content.decode()
    data = {"number": "630101-00077", "member": place["wife"].pk, "scheme": "death"}
    refused = client.post(url, {**data, "death": SimpleUploadedFile("证明.pdf", EXE, content_type="application/pdf")})
    assert refused.status_code == 400
    assert "is not a PDF, JPEG or PNG scan" in refused.content.decode()
    assert not ReviewCase.objects.filter(member=place["wife"]).exists()  # nothing written
    done = client.post(
        url,
        {
            **data,
            "death": SimpleUploadedFile("证明.png", PNG, content_type="image/png"),
            "application": SimpleUploadedFile("申报表.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert done.status_code == 302
    k = ReviewCase.objects.get(member=place["wife"])
    assert (k.kind, k.stage) == ("new", "village")
    names = sorted(p.file.name.rsplit(".", 1)[-1] for p in k.proofs.all())
    assert names == ["pdf", "png"]


def test_proof_upload_by_real_type_and_size(client_for, personas, place, settings, monkeypatch):
    from benefits.review import services

    client = client_for(personas.village_cadre)
    client.cookies["django_language"] = "en"
    url = reverse("benefits:review:proof_add", args=[place["case"].pk])
    exe = client.post(url, {"kind": "other", "file": SimpleUploadedFile("scan.jpg", EXE)})
    assert exe.status_code == 400
    assert "is not a PDF, JPEG or PNG scan" in exe.content.decode()
    monkeypatch.setattr(services, "PROOF_MAX_BYTES", 10)
    big = client.post(url, {"kind": "other", "file": SimpleUploadedFile("scan.pdf", PDF)})
    assert big.status_code == 400
    assert "larger than" in big.content.decode()
    assert place["case"].proofs.count() == 1


def test_proof_served_logged_and_out_of_area_404(client_for, personas, place):
    proof = place["proof"]
    url = reverse("benefits:review:proof", args=[proof.pk])
    response = client_for(personas.town_cadre).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    event = AccessEvent.objects.get(actor=personas.town_cadre, target_type="benefits.reviewproof")
    assert (event.target_id, event.target_label) == (str(proof.pk), "630101-00077")
    assert client_for(personas.other_town_cadre).get(url).status_code == 404
    assert client_for(personas.other_county_staff).get(url).status_code == 404
    assert client_for(personas.leader).get(url).status_code == 403
    assert not AccessEvent.objects.filter(actor=personas.other_town_cadre, target_type="benefits.reviewproof").exists()


def test_case_page_is_logged(client_for, personas, place):
    response = client_for(personas.county_staff).get(reverse("benefits:review:case", args=[place["case"].pk]))
    assert response.status_code == 200
    assert AccessEvent.objects.filter(actor=personas.county_staff, target_type="benefits.reviewcase").exists()
    assert place["husband"].id_number not in response.content.decode()


def test_notice_has_names_and_amount_but_no_id_number_and_no_cause(client_for, personas, place):
    k = place["case"]
    ReviewCase.objects.filter(pk=k.pk).update(stage="done", outcome="confirmed", decided_on=date(THIS_YEAR - 1, 3, 30))
    c = place["cycle"]
    c.notice_from = date(THIS_YEAR - 1, 4, 5)
    c.save()
    for lang, cause_words in (("zh-hans", ["死亡", "伤残", "残疾", "特扶"]), ("en", ["death", "deceased", "disab"])):
        client = client_for(personas.village_cadre)
        client.cookies["django_language"] = lang
        response = client.get(reverse("benefits:review:notice", args=[c.pk, place["village"].pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "赵大山" in html
        assert "钱小红" not in html  # not confirmed
        assert "590.00" in html  # the 2022 national standard of the notice's month (April)
        assert place["husband"].id_number not in html
        assert place["wife"].id_number not in html
        sheet = html[html.index("data-notice") :]
        assert not [w for w in cause_words if w.lower() in sheet.lower()], lang
    assert str(THIS_YEAR - 1) in html
    assert f"{THIS_YEAR - 1}-04-05" in html
    assert f"{THIS_YEAR - 1}-04-14" in html
    pdf = client.get(reverse("benefits:review:notice_pdf", args=[c.pk, place["village"].pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert (
        AccessEvent.objects.filter(actor=personas.village_cadre, action="export", target_label="东关社区").count() == 3
    )


def test_open_and_notice_date_pages(client_for, personas, area):
    staff = client_for(personas.county_staff)
    assert staff.get(reverse("benefits:review:home")).status_code == 200
    response = staff.post(reverse("benefits:review:open"), {"year": THIS_YEAR})
    assert response.status_code == 302
    cycle_ = area.C.review_cycles.get()
    assert (
        staff.post(
            reverse("benefits:review:notice_date", args=[cycle_.pk]), {"notice_from": f"{THIS_YEAR}-04-05"}
        ).status_code
        == 302
    )
    cycle_.refresh_from_db()
    assert cycle_.notice_from == date(THIS_YEAR, 4, 5)
    assert client_for(personas.town_cadre).post(reverse("benefits:review:open"), {"year": THIS_YEAR}).status_code == 403
    assert client_for(personas.leader).get(reverse("benefits:review:home")).status_code == 403


def test_leaver_page(client_for, personas, place):
    client = client_for(personas.village_cadre)
    url = reverse("benefits:review:leaver", args=[place["cycle"].pk])
    data = {"number": "630101-00077", "member": place["husband"].pk, "scheme": "death", "reason": "moved_out"}
    assert client.post(url, data).status_code == 302
    place["case"].refresh_from_db()
    assert (place["case"].kind, place["case"].leave_reason) == ("leaver", "moved_out")
    assert client.post(reverse("benefits:review:withdraw", args=[place["case"].pk])).status_code == 302
    place["case"].refresh_from_db()
    assert place["case"].kind == "recheck"


# ------------------------------------------------------------------------------------------ the scope matrix

ID_URLS = [
    ("benefits:review:workbench", "cycle", {}),
    ("benefits:review:notice_date", "cycle", {"notice_from": "2025-04-01"}),
    ("benefits:review:apply", "cycle", {"number": "630101-00077"}),
    ("benefits:review:leaver", "cycle", {"number": "630101-00077"}),
    ("benefits:review:bulk_confirm", "cycle", {"cases": "0"}),
    ("benefits:review:notice", "notice", {}),
    ("benefits:review:notice_pdf", "notice", {}),
    ("benefits:review:case", "case", {}),
    ("benefits:review:decide", "case", {"action": "confirm"}),
    ("benefits:review:proof_add", "case", {"kind": "other"}),
    ("benefits:review:withdraw", "case", {}),
    ("benefits:review:proof", "proof", {}),
]
# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
MATRIX_URLS = {name for name, _, _ in ID_URLS}


def _args(place, target):
    if target == "notice":
        return [place["cycle"].pk, place["village"].pk]
    return [place[target].pk]


def _snapshot():
    return (
        list(ReviewCase.objects.order_by("pk").values_list()),
        ReviewStep.objects.count(),
        ReviewProof.objects.count(),
        AccessEvent.objects.exclude(action__in=["login", "logout"]).count(),
    )


@pytest.mark.parametrize(("url_name", "target", "data"), ID_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outside_the_county_404_and_nothing_changes(client_for, personas, place, url_name, target, data, method):
    before = _snapshot()
    client = client_for(personas.other_county_staff)
    response = getattr(client, method)(reverse(url_name, args=_args(place, target)), data)
    assert response.status_code in (404, 405)
    if response.status_code == 405:  # a GET-only or POST-only view: the other method is refused before anything
        other = "post" if method == "get" else "get"
        assert getattr(client, other)(reverse(url_name, args=_args(place, target)), data).status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize(("url_name", "target", "data"), [u for u in ID_URLS if u[1] in ("case", "proof")])
def test_case_urls_of_another_town_404(client_for, personas, place, url_name, target, data):
    before = _snapshot()
    client = client_for(personas.other_town_cadre)
    method = "get" if url_name in ("benefits:review:case", "benefits:review:proof") else "post"
    assert getattr(client, method)(reverse(url_name, args=_args(place, target)), data).status_code == 404
    assert _snapshot() == before
