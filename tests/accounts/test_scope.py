"""The area scope mechanism itself: visible_to and the gatekeeper, for every persona."""

import pytest
from django.http import Http404

from accounts.models import User
from regions.models import Region
from regions.scope import get_visible_or_404

pytestmark = pytest.mark.django_db


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_county_staff_sees_the_whole_county_and_nothing_of_the_sibling(area, personas):
    visible = Region.objects.visible_to(personas.county_staff)
    assert codes(visible) == sorted(
        [area.C.code, area.T1.code, area.V1a.code, area.V1b.code, area.T2.code, area.V2a.code]
    )


def test_town_cadre_sees_only_the_town_subtree(area, personas):
    assert codes(Region.objects.visible_to(personas.town_cadre)) == sorted([area.T1.code, area.V1a.code, area.V1b.code])


def test_village_cadre_sees_only_the_village(area, personas):
    assert codes(Region.objects.visible_to(personas.village_cadre)) == [area.V1a.code]


@pytest.mark.parametrize("persona", ["no_area", "deactivated"])
def test_fail_closed_for_users_without_area_or_inactive(personas, persona):
    user = getattr(personas, persona)
    assert not Region.objects.visible_to(user).exists()
    assert not User.objects.visible_to(user).exists()


def test_anonymous_sees_nothing(area):
    from django.contrib.auth.models import AnonymousUser

    assert not Region.objects.visible_to(AnonymousUser()).exists()


def test_sibling_prefix_is_not_a_subtree(area, personas):
    """Path prefixes end with '/', so town 630101001 never matches 6301010010…-like siblings by accident."""
    assert all(p.endswith("/") for p in Region.objects.values_list("path", flat=True))
    assert not Region.objects.visible_to(personas.town_cadre).filter(pk=area.T2.pk).exists()


def test_gatekeeper_answers_404_outside_the_area(area, personas):
    with pytest.raises(Http404):
        get_visible_or_404(Region, personas.town_cadre, pk=area.T2.pk)
    assert get_visible_or_404(Region, personas.town_cadre, pk=area.V1a.pk) == area.V1a


def test_gatekeeper_answers_404_for_garbage_ids(personas):
    with pytest.raises(Http404):
        get_visible_or_404(Region, personas.county_staff, pk="not-a-number")


def test_users_visible_by_their_region(area, personas):
    visible = set(User.objects.visible_to(personas.town_cadre).values_list("username", flat=True))
    assert visible == {"t1_cadre", "v1a_cadre"}
