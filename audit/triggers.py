"""pgtrigger's ignore check without a subtransaction per row.

Every row trigger that pgtrigger installs (pghistory's history triggers among them) first asks
``_pgtrigger_should_ignore(TG_NAME)``. pgtrigger's version reads the ``pgtrigger.ignore`` setting inside a
plpgsql ``BEGIN … EXCEPTION`` block, because ``current_setting`` raises when the setting was never set: so
every tracked row written — a form's save, a roster's 50,000 members — opens and closes a subtransaction,
most of the cost of a bulk insert whose triggers are ignored.

The version below asks ``current_setting(name, missing_ok => true)`` instead, which returns NULL rather
than raising, as a SQL function the trigger's expression can inline. Its answers are the same for every
value pgtrigger and this project set (unset, empty, or an array literal of trigger names).

It also refuses to ignore the audit trail's own triggers (issue 12): pghistory's history triggers and the
append-only ``Protect`` triggers (the access events', and pghistory's on every event table). The setting is a
session variable any database role may set, so pgtrigger's own check would let the application write a
member without history (``SET LOCAL pgtrigger.ignore='{pgtrigger_update_update_…}'``) or delete audit rows
(``pgtrigger.ignore("audit.AccessEvent:append_only")``). Their names are taken from pgtrigger's registry and
written into the function; the setting is honoured only for triggers that are neither.

pgtrigger writes its version again whenever it installs a trigger (in migrations), so this one is written
after every ``migrate`` (``post_migrate``, see ``audit.apps``) and by ``manage.py grant_app_role``.
``manage.py pgtrigger install`` would put pgtrigger's back until then: run ``grant_app_role`` after it.
"""

from __future__ import annotations

from typing import Any

import pghistory.trigger
import pgtrigger
from django.db import connections

IGNORE_CHECK_SQL = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        trigger_name = ANY (nullif(current_setting('pgtrigger.ignore', true), '')::text[])
        AND NOT trigger_name = ANY (%s::name[]),
        false
    )
$$
"""


def trigger_names_never_ignored() -> list[str]:
    """The database names of every history trigger and every ``Protect`` trigger pgtrigger knows."""
    return sorted(
        trigger.get_pgid(model)
        for model, trigger in pgtrigger.registered()
        if isinstance(trigger, pghistory.trigger.Event | pgtrigger.Protect)
    )


def trigger_ignore_check_install(*, using: str = "default", **_: Any) -> None:
    """Write the ignore check above (a ``post_migrate`` receiver; idempotent)."""
    names = trigger_names_never_ignored()
    with connections[using].cursor() as cursor:
        # The names are written into the function (DDL takes no parameters): quoted as one literal.
        literal = "{" + ",".join(f'"{name}"' for name in names) + "}"
        cursor.execute(IGNORE_CHECK_SQL.replace("%s", "'" + literal.replace("'", "''") + "'"))
