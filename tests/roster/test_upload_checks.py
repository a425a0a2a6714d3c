"""The roster import refuses, through the one upload checker (core.xlsx), a macro workbook whatever its VBA part
is called."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from households.models import Household
from tests.core.xlsx_build import with_renamed_vba_project
from tests.roster.conftest import sample_bytes

pytestmark = pytest.mark.django_db


def test_a_roster_with_a_renamed_vba_project_is_refused_and_nothing_is_written(sample_county, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(with_renamed_vba_project(sample_bytes("roster_couples"), part="xl/printerSettings1.bin"))
    out = io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_roster", str(path), "--county", "630103", "--json", stdout=out, stderr=io.StringIO())

    assert exit_info.value.code == 2
    assert "macros" in json.loads(out.getvalue())["errors"][0]["message"]
    assert Household.objects.count() == 0
