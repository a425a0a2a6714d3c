"""The database helpers: id arrays as one literal, advisory locks, queueing a task after the commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, F, Func, Q, Value

logger = logging.getLogger(__name__)

# The array types ``among`` writes: a cast the caller names is one of these, never text from elsewhere.
ARRAY_CASTS = frozenset({"bigint", "int", "text"})


def array_literal(values: Iterable[Any], *, cast: str = "bigint") -> str:
    """A PostgreSQL array literal in the order given, ``{1,2,3}`` or ``{"a","b"}`` (text quoted, backslashes and
    quotes escaped; ``None`` is NULL)."""
    values = list(values)
    if not values:
        return "{}"
    if None in values:
        if cast == "text":
            items = ("NULL" if v is None else '"' + _array_escape(str(v)) + '"' for v in values)
        else:
            items = ("NULL" if v is None else str(int(v)) for v in values)
        return "{" + ",".join(items) + "}"
    if cast != "text":
        return "{" + ",".join(map(str, map(int, values))) + "}"
    # Text: the values joined by NUL (which PostgreSQL text cannot hold), escaped in one pass over the whole
    # string, then the NULs turned into '","': tens of milliseconds fewer than per value on 50,000 values.
    body = "\x00".join(map(str, values))
    if body.count("\x00") != len(values) - 1:  # a value holds NUL itself: let the database refuse it as before
        return "{" + ",".join('"' + _array_escape(str(v)) + '"' for v in values) + "}"
    return '{"' + _array_escape(body).replace("\x00", '","') + '"}'


def _array_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class _AnyOfArray(Func):
    """``field = ANY('{…}'::type[])``: one parameter, where ``__in`` writes one placeholder per value and a list
    parameter (``ARRAY[1,2,…]``) makes the server parse each value as a constant."""

    arg_joiner = " = ANY("
    output_field = BooleanField()

    def __init__(self, field: str, literal: str, cast: str) -> None:
        if cast not in ARRAY_CASTS:
            raise ValueError(f"unsupported array type {cast!r}")
        super().__init__(F(field), Value(literal), template=f"%(expressions)s::{cast}[])")


def among(field: str, values: Iterable[Any], *, cast: str = "bigint") -> Q:
    """``Q`` for ``field = ANY(<values as one array literal>)``; ``cast`` is the array's element type."""
    return Q(_AnyOfArray(field, array_literal(values, cast=cast), cast))


def pk_among(pks: Iterable[int], *, field: str = "pk") -> Q:
    """``field = ANY('{…}'::bigint[])`` for the ids ``pks`` (the primary key unless another id field)."""
    return among(field, pks, cast="bigint")


@contextmanager
def advisory_lock(namespace: int, key: int) -> Iterator[None]:
    """Hold a PostgreSQL session lock on (namespace, key) for the block.

    A process that dies loses the lock with its connection, after the server has rolled back its transaction:
    a second runner waits here until the first has finished or is gone.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [namespace, key])
    try:
        yield
    finally:
        with suppress(DatabaseError), connection.cursor() as cursor:  # a lost connection has freed it already
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])


def advisory_xact_lock(key: int) -> None:
    """Wait for, then hold until the transaction ends, the lock ``key``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def enqueue(task: Any, *args: Any, on_failure: Callable[[], object] | None = None) -> bool:
    """Send a Celery task now; False when the broker is down. That is not raised (its errors vary by transport:
    kombu, redis, socket): the caller's rows say what is still to do and a periodic job catches up;
    ``on_failure`` says so in the caller's words."""
    try:
        task.delay(*args)
    except Exception:
        logger.info("could not queue %s%r", getattr(task, "name", task), args, exc_info=True)
        if on_failure is not None:
            on_failure()
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, on_failure: Callable[[], object] | None = None) -> None:
    """Send a Celery task once the current transaction commits (never for a rolled-back change)."""
    transaction.on_commit(lambda: enqueue(task, *args, on_failure=on_failure))
