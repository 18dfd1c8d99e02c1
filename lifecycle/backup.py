"""Backup and restore of the database and the instance's secret key, while the app runs.

A backup is one tar file (mode 0600: it holds the secret key) with three members:

- `manifest.json`: the format, the kind of database, the migration revision, the moment;
- `database.sqlite3` (SQLite's online backup API: a consistent copy while writers go on) or
  `database.pgdump` (`pg_dump --format=custom`, which reads one consistent snapshot);
- `secret_key`: the instance's key file, when there is one (not when SECRET_KEY comes from the
  environment: that one lives with the rest of the environment).

Restoring refuses a database that holds data unless forced. SQLite is restored with the same
backup API into the target file; PostgreSQL with `pg_restore --clean --if-exists
--single-transaction`, so a failed restore leaves the database as it was. The caller verifies
the audit trail afterwards.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, Engine

FORMAT = "voelspriet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_KEY_MEMBER = "secret_key"
DUMP_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the operator."""


@dataclass(frozen=True)
class Manifest:
    database: str  # sqlite | postgresql
    revision: str | None
    created_at: str
    has_secret_key: bool


def _kind(engine: Engine) -> str:
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError(_("An in-memory SQLite database cannot be backed up."))
    return url.database


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump and pg_restore, with the password in the environment, not argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(_("%(tool)s is not installed (on Debian: apt-get install "
                            "postgresql-client).", tool=name))
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        problem = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(_("%(tool)s failed: %(problem)s", tool=Path(command[0]).name,
                            problem=problem[-1] if problem else result.returncode))


def _revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    archive.addfile(info, io.BytesIO(data))


def make_backup(engine: Engine, instance_path: str, target: str) -> Manifest:
    """Write a consistent backup of the database (and the secret key file) to `target`."""
    target_path = Path(target)
    if target_path.is_dir():
        raise BackupError(_("%(path)s is a folder; give the name of the backup file to write.",
                            path=target))
    kind = _kind(engine)
    key_file = Path(instance_path) / "secret_key"
    manifest = Manifest(database=kind, revision=_revision(engine),
                        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        has_secret_key=key_file.exists())
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_path.parent) as work:
        dump = Path(work) / DUMP_MEMBERS[kind]
        if kind == "sqlite":
            source = sqlite3.connect(_sqlite_path(engine.url))
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)  # one step: a consistent snapshot, writers carry on
            finally:
                copy.close()
                source.close()
        else:
            url, env = _libpq(engine.url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={dump}", f"--dbname={url}"], env)
        partial = Path(work) / "backup.tar"
        with tarfile.open(partial, "w") as archive:
            described = {"format": FORMAT, "version": FORMAT_VERSION, **manifest.__dict__}
            _add_bytes(archive, MANIFEST, json.dumps(described, indent=2).encode())
            archive.add(dump, arcname=dump.name, filter=_private)
            if manifest.has_secret_key:
                archive.add(key_file, arcname=SECRET_KEY_MEMBER, filter=_private)
        os.chmod(partial, 0o600)
        os.replace(partial, target_path)  # a half-written backup never carries the name
    return manifest


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode = 0o600
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        data = json.loads(archive.extractfile(MANIFEST).read())
        if data.pop("format", None) != FORMAT or data.pop("version", None) != FORMAT_VERSION:
            raise ValueError
        return Manifest(**data)
    except (KeyError, AttributeError, ValueError, TypeError):
        raise BackupError(_("This file is not a Voelspriet backup.")) from None


def database_has_data(engine: Engine) -> bool:
    """Does the database hold any user or audit record (an empty schema does not count)?"""
    from .models import AuditRecord, User

    tables = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        for model in (User, AuditRecord):
            if model.__tablename__ in tables and connection.execute(
                    select(func.count()).select_from(model)).scalar():
                return True
    return False


def restore_backup(engine: Engine, instance_path: str, source: str, *, force: bool) -> Manifest:
    """Replace the database (and a missing or, with `force`, a different secret key file)."""
    try:
        archive = tarfile.open(source, "r")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(_("Cannot read %(path)s: %(problem)s", path=source,
                            problem=exc)) from None
    with archive, tempfile.TemporaryDirectory() as work:
        manifest = read_manifest(archive)
        kind = _kind(engine)
        if manifest.database != kind:
            raise BackupError(_("This is a backup of a %(backup)s database; the app uses "
                                "%(database)s.", backup=manifest.database, database=kind))
        if not force and database_has_data(engine):
            raise BackupError(_("The database already holds data. Restoring replaces all of "
                                "it; give --force if that is what you want."))
        member = DUMP_MEMBERS[kind]
        try:
            archive.extract(member, work, filter="data")
        except KeyError:
            raise BackupError(_("The backup has no %(member)s.", member=member)) from None
        dump = Path(work) / member
        engine.dispose()  # no connection of ours may hold a lock while the data is replaced
        if kind == "sqlite":
            backup_copy = sqlite3.connect(dump)
            target = sqlite3.connect(_sqlite_path(engine.url))
            try:
                backup_copy.backup(target)
            finally:
                target.close()
                backup_copy.close()
        else:
            url, env = _libpq(engine.url)
            _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                  "--no-privileges", "--single-transaction", "--exit-on-error",
                  f"--dbname={url}", str(dump)], env)
        if manifest.has_secret_key:
            _restore_secret_key(archive, Path(instance_path), force=force)
    return manifest


def _restore_secret_key(archive: tarfile.TarFile, instance: Path, *, force: bool) -> None:
    key = archive.extractfile(SECRET_KEY_MEMBER).read()
    path = instance / "secret_key"
    if path.exists() and (path.read_bytes() == key or not force):
        return
    instance.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".new"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    os.replace(path.with_suffix(".new"), path)
