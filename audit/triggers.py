"""pgtrigger's ignore check without a subtransaction per row.

Every row trigger that pgtrigger installs (pghistory's history triggers among them) first asks
``_pgtrigger_should_ignore(TG_NAME)``. pgtrigger's version reads the ``pgtrigger.ignore`` setting inside a
plpgsql ``BEGIN … EXCEPTION`` block, because ``current_setting`` raises when the setting was never set: so
every tracked row written — a form's save, a roster's 50,000 members — opens and closes a subtransaction,
most of the cost of a bulk insert whose triggers are ignored.

The version below asks ``current_setting(name, missing_ok => true)`` instead, which returns NULL rather
than raising, as a SQL function the trigger's expression can inline. Its answers are the same for every
value pgtrigger and this project set (unset, empty, or an array literal of trigger names).

pgtrigger writes its version again whenever it installs a trigger (in migrations), so this one is written
after every ``migrate`` (``post_migrate``, see ``audit.apps``). ``manage.py pgtrigger install`` would put
pgtrigger's back until the next migrate: correct, only slower.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

IGNORE_CHECK_SQL = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT coalesce(trigger_name = ANY (nullif(current_setting('pgtrigger.ignore', true), '')::text[]), false)
$$
"""


def trigger_ignore_check_install(*, using: str = "default", **_: Any) -> None:
    """Write the ignore check above (a ``post_migrate`` receiver; idempotent)."""
    with connections[using].cursor() as cursor:
        cursor.execute(IGNORE_CHECK_SQL)
