"""Killing a process mid-transaction, for the fault tests of docs/SECURITY.md §Faults (tests/*/test_killed_worker.py).

A child process (a management command, a Celery worker) works on the test database, so the tests that use
these helpers are ``django_db(transaction=True)``: what they seed is committed and the child sees it. Before
the child starts, the test holds an ACCESS EXCLUSIVE lock on a table the child writes late in its transaction
(``TableLock``); once the child's backend waits for that lock it has written part of its work, uncommitted,
and the test kills the child with SIGKILL. When the lock is released the backend finds its client gone and
rolls the transaction back. No sleep synchronises anything: every wait polls the database with a timeout.

The child is a management command (``manage``) or a real Celery worker (``worker``, settings in
tests/worker_settings.py) that takes the tasks the test sends (``celery_sends_to``) from kombu's filesystem
transport in a folder of the test's own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
# The application_name of the children's connections: how the tests find their backends.
CHILD = "killed-worker-test"
# Generous for a loaded two-core machine; each poll returns as soon as its condition holds.
TIMEOUT = 60.0

T = TypeVar("T")


def poll(condition: Callable[[], T], *, what: str, timeout: float = TIMEOUT, log: Path | None = None) -> T:
    """Call ``condition`` until it returns something true, and return that; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")
        time.sleep(0.05)


def database_url() -> str:
    """The test database as a DATABASE_URL for a child: over TCP, or the Unix socket of dev.py's PostgreSQL."""
    db = connection.settings_dict
    host = str(db["HOST"] or db["OPTIONS"].get("host", ""))
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    name = quote(db["NAME"], safe="")
    if host.startswith("/"):  # django-environ reads a socket directory from ?host=
        return f"postgres://{user}{password}@{port}/{name}?host={quote(host, safe='')}&application_name={CHILD}"
    return f"postgres://{user}{password}@{host}{port}/{name}?application_name={CHILD}"


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(), **extra}


@contextmanager
def started(argv: list[str], *, log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """Run ``argv`` (its output in ``log``) in a process group of its own; killed, with its children, on exit."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env or child_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:  # not reaped yet, so the group is still the one it leads
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=TIMEOUT)


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def filesystem_broker_options(folder: Path) -> dict[str, Any]:
    """Kombu's filesystem transport in ``folder``: what the test sends and the worker it starts reads."""
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }


def worker(folder: Path) -> tuple[list[str], dict[str, str]]:
    """A real Celery worker on the test database (one prefork process) reading the queue in ``folder``."""
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1"]
    argv += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO", f"--hostname={CHILD}@%h"]
    return argv, child_env(DJANGO_SETTINGS_MODULE="tests.worker_settings", TEST_CELERY_QUEUE=str(folder))


@contextmanager
def celery_sends_to(folder: Path) -> Iterator[None]:
    """The test process's Celery app sends tasks to ``folder`` (for a worker) instead of running them eagerly."""
    from config.celery_app import app

    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    conf = app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.broker_transport_options, app._pool)
    conf.task_always_eager = False
    conf.broker_url = "filesystem://"
    conf.broker_transport_options = filesystem_broker_options(folder)
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        conf.task_always_eager, conf.broker_url, conf.broker_transport_options, app._pool = saved
        app.amqp._producer_pool = None


def _query(sql: str, params: list[Any] | None = None) -> list[tuple]:
    """A query on the test's own connection: autocommit, so each sees the server's activity afresh."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def child_backends() -> list[int]:
    return [pid for (pid,) in _query("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [CHILD])]


class TableLock:
    """An ACCESS EXCLUSIVE lock on a table, held by a connection of its own until ``release()``.

    On exit it is released, and the children's backends are awaited: a backend that waited for the lock
    carries on, finds its client killed and ends, rolling its transaction back.
    """

    def __init__(self, table: str) -> None:
        self.table = table
        # As the owner: the application role may not take an ACCESS EXCLUSIVE lock on a history table. (Imported
        # here: tests/worker_settings.py imports this module before Django's apps are loaded.)
        from tests.database_roles import owner_connection_params

        self.connection = connection.get_new_connection(owner_connection_params())  # not autocommit
        with self.connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')

    def waiter(self, *, log: Path | None = None) -> int:
        """Wait until a child's backend waits for the lock; its pid."""

        def waiting() -> int | None:
            rows = _query(
                "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'relation' AND l.relation = %s::regclass AND NOT l.granted "
                "AND a.application_name = %s AND a.wait_event_type = 'Lock'",
                [self.table, CHILD],
            )
            return rows[0][0] if rows else None

        return poll(waiting, what=f"a child to wait for the lock on {self.table}", log=log)

    def release(self) -> None:
        self.connection.rollback()

    def __enter__(self) -> TableLock:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.release()
        finally:
            self.connection.close()
        poll(lambda: not child_backends(), what="the killed children's backends to end")


def tables_written(pid: int) -> set[str]:
    """The tables a backend's open transaction has written (it holds ROW EXCLUSIVE on them)."""
    rows = _query(
        "SELECT relation::regclass::text FROM pg_locks WHERE pid = %s AND locktype = 'relation' "
        "AND mode = 'RowExclusiveLock' AND granted",
        [pid],
    )
    return {name for (name,) in rows}


def advisory_lock_free(key: int) -> bool:
    """Nobody holds the advisory lock ``key`` (taken and released at once on the test's connection)."""
    (free,) = _query("SELECT pg_try_advisory_lock(%s)", [key])[0]
    if free:
        _query("SELECT pg_advisory_unlock(%s)", [key])
    return free
