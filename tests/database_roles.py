"""The tests' application code runs as the application database role (issue 12, audit/database_roles.py).

The test database is created and migrated by DATABASE_URL's role, the owner (``migrate`` grants the
application role its privileges on the way). Then the default connection's user becomes the application role
(``DATABASE_APP_USER`` / ``DATABASE_APP_PASSWORD``, created here when missing), so every test, the live server
thread and the children of tests/killing.py read and write as the web process and the workers do.

Only test machinery acts as the owner (``as_owner``): the flush after a transactional test (a TRUNCATE of
every table, which the application role may not do) and what a test names explicitly (a table lock, a backup).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from django.test import TransactionTestCase

from audit.database_roles import app_role_create, app_role_grant

APP_PASSWORD = os.environ.get("DATABASE_APP_PASSWORD", "portal_app")

_owner: dict[str, Any] = {}
_flush = TransactionTestCase._fixture_teardown


def _become(user: str, password: str) -> None:
    connection = connections["default"]
    connection.close()
    connection.settings_dict["USER"] = user
    connection.settings_dict["PASSWORD"] = password


def _credentials() -> tuple[str, str]:
    settings_dict = connections["default"].settings_dict
    return settings_dict["USER"], settings_dict["PASSWORD"]


@contextmanager
def as_owner() -> Iterator[None]:
    """The default connection as the owner inside the block (outside any transaction of the test's)."""
    before = _credentials()
    _become(_owner["USER"], _owner["PASSWORD"])
    try:
        yield
    finally:
        _become(*before)


def owner_connection_params() -> dict[str, Any]:
    """The default connection's parameters with the owner's credentials (a connection of a test's own)."""
    params = connections["default"].get_connection_params()
    params["user"] = _owner["USER"]
    params["password"] = _owner["PASSWORD"]
    if not params["password"]:
        del params["password"]
    return params


def _flush_as_owner(self: TransactionTestCase) -> None:
    with as_owner():
        _flush(self)


def app_role_become() -> None:
    """After the test database exists: make sure of the role and its grants, then connect as it."""
    role = settings.DATABASE_APP_ROLE
    _owner["USER"], _owner["PASSWORD"] = _credentials()
    app_role_create(role=role, password=APP_PASSWORD)
    app_role_grant(role=role)
    TransactionTestCase._fixture_teardown = _flush_as_owner  # type: ignore[method-assign]
    _become(role, APP_PASSWORD)


def owner_become() -> None:
    """At the end of the session: the test databases are dropped by the owner."""
    TransactionTestCase._fixture_teardown = _flush  # type: ignore[method-assign]
    if _owner:
        _become(_owner["USER"], _owner["PASSWORD"])
