"""The roster's sample county, for the tests of the roster import's history."""

from tests.roster.conftest import sample_county  # noqa: F401 (a fixture)
