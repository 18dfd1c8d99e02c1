"""Command-line administration: users, tokens, demo data, audit verification, backup, restore,
privacy, and the lifecycle tick.

Each command parses its input, makes one service call (inside `write_transaction()` when it
writes) and prints the outcome. Misuse and refused requests print one clear line on stderr and
exit with code 2; `audit verify` exits with 1 when a chain is broken, so a script can tell a
damaged audit trail from a mistyped command. Command help texts stay English (operator
documentation); everything a command prints goes through Flask-Babel.
"""
from __future__ import annotations

import functools
import json
import os
import sys
from datetime import datetime
from typing import Any, Callable, Iterable, NoReturn, Sequence

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from .domain.audit import ChainHeadMismatch
from .domain.errors import DomainError, NotFound, ValidationFailed
from .domain.findings import Finding
from .domain.permissions import ROLES
from .extensions import db
from .models import Municipality, User
from .services.accounts import (
    MIN_PASSWORD_LENGTH, create_token, create_user, find_user_by_email, list_tokens, list_users,
    revoke_token,
)
from .services.audit import verify_audit
from .services.second_factor import reset_second_factor
from .services.uow import write_transaction
from .services.users import set_active, set_user_roles_as_operator

# Written into the audit trail's "origin" for changes made here, where there is no IP address.
CLI_ORIGIN = "cli"
DEFAULT_LOGIN_URL = "http://127.0.0.1:5000/"

MISUSE = 2
CHAIN_BROKEN = 1

users_cli = AppGroup("users", help="Create and list users, and set their roles.")
tokens_cli = AppGroup("tokens", help="Create, list and revoke personal API tokens.")
audit_cli = AppGroup("audit", help="Check the tamper-evident audit trail.")


def fail(message: str) -> NoReturn:
    """Print one line on stderr and stop with the misuse exit code."""
    click.echo(_("Error: %(message)s", message=message), err=True)
    raise SystemExit(MISUSE)


def said(text: str) -> str:
    """A domain finding in the operator's language (its values translated too); other text as
    it is."""
    if not isinstance(text, Finding):
        return str(text)
    return _(text.template, **{name: said(value) if isinstance(value, Finding) else value
                               for name, value in text.values.items()})


def _validation_message(exc: ValidationFailed) -> str:
    """Say in the operator's words which input was wrong (the domain's text is English only)."""
    messages = {
        ("email", "invalid"): lambda: _("This is not a valid e-mail address."),
        ("email", "taken"): lambda: _("A user with this e-mail address exists already."),
        ("name", "required"): lambda: _("Give the user's name with --name."),
        ("municipality", "required"): lambda: _(
            "Give the municipality's name with --municipality."),
        ("role", "invalid"): lambda: _("Roles must be one or more of: %(roles)s.",
                                       roles=", ".join(ROLES)),
        ("password", "too_short"): lambda: _(
            "A password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
        ("date_from", "invalid"): lambda: _("The date of --from is out of range."),
        ("date_to", "invalid"): lambda: _("The date of --to is out of range."),
        ("date_from", "after_date_to"): lambda: _("The date of --from is after the date of "
                                                  "--to."),
    }
    known = [messages[key]() for key in exc.errors.items() if key in messages]
    return " ".join(known) if known else exc.message


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn refused requests and an unprepared database into a message and exit code 2, and a
    damaged chain head that stops a write into BROKEN and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ValidationFailed as exc:
            db.session.rollback()
            fail(_validation_message(exc))
        except DomainError as exc:
            db.session.rollback()
            fail(exc.message)
        except ChainHeadMismatch as exc:
            db.session.rollback()
            click.echo("BROKEN: " + said(exc.args[0]))
            raise SystemExit(CHAIN_BROKEN)
        except (OperationalError, ProgrammingError) as exc:
            db.session.rollback()
            problem = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            fail(_("The database is not ready (%(problem)s). Create or upgrade it first with: "
                   "flask --app wsgi db upgrade", problem=problem))

    return wrapper


def _user_by_email(email: str) -> User:
    try:
        return find_user_by_email(email)
    except NotFound:
        fail(_("There is no user with the e-mail address %(email)s.", email=email))


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def echo_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print rows as plain aligned columns, easy to read and to grep."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    for line in [list(map(str, headers)), ["-" * w for w in widths], *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())


def read_password() -> str:
    """Ask twice, hidden, at a terminal; otherwise take the first line of standard input."""
    stdin = sys.stdin
    if stdin is None:  # started with standard input closed
        fail(_("Give the password on standard input, on one line."))
    if stdin.isatty():
        return click.prompt(_("Password"), hide_input=True,
                            confirmation_prompt=_("Repeat the password"))
    line = stdin.readline()
    if not line:
        fail(_("Give the password on standard input, on one line."))
    # Only the line ending goes: spaces may be part of a pass phrase.
    return line.rstrip("\r\n")


def _roles_text(user: User) -> str:
    return ", ".join(sorted(user.roles))


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The user's full name.")
@click.option("--municipality", "municipality_name", required=True,
              help="The municipality the user belongs to (created if new).")
@click.option("--role", "roles", required=True, multiple=True, type=click.Choice(ROLES),
              help="A role; repeat the option for several.")
@reports_errors
def create_user_command(email: str, name: str, municipality_name: str,
                        roles: tuple[str, ...]) -> None:
    """Create a user; the password is read from standard input."""
    password = read_password()
    with write_transaction():
        user = create_user(email=email, name=name, municipality_name=municipality_name,
                           roles=list(roles), password=password, origin=CLI_ORIGIN)
    click.echo(_("Created user %(id)d: %(email)s, municipality %(municipality)s, "
                 "roles %(roles)s.", id=user.id, email=user.email,
                 municipality=user.municipality.name, roles=_roles_text(user)))


@users_cli.command("roles")
@click.argument("email")
@click.option("--role", "roles", required=True, multiple=True, type=click.Choice(ROLES),
              help="A role; repeat the option for several. Replaces the current roles.")
@reports_errors
def set_roles_command(email: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles."""
    user = _user_by_email(email)
    with write_transaction():
        user = set_user_roles_as_operator(user.id, list(roles), origin=CLI_ORIGIN)
    click.echo(_("Roles of %(email)s are now: %(roles)s.", email=user.email,
                 roles=_roles_text(user)))


@users_cli.command("deactivate")
@click.argument("email")
@reports_errors
def deactivate_user_command(email: str) -> None:
    """Deactivate a user: they are logged out at once and cannot log in or use their tokens."""
    user = _user_by_email(email)
    with write_transaction():
        set_active(user.id, False, by=None, origin=CLI_ORIGIN)
    click.echo(_("%(email)s is deactivated and logged out everywhere.", email=user.email))


@users_cli.command("activate")
@click.argument("email")
@reports_errors
def activate_user_command(email: str) -> None:
    """Reactivate a deactivated user."""
    user = _user_by_email(email)
    with write_transaction():
        set_active(user.id, True, by=None, origin=CLI_ORIGIN)
    click.echo(_("%(email)s is active again.", email=user.email))


@users_cli.command("reset-mfa")
@click.argument("email")
@reports_errors
def reset_mfa_command(email: str) -> None:
    """Reset a user's two-factor login; they set it up again at their next login."""
    user = _user_by_email(email)
    with write_transaction():
        reset_second_factor(user.id, by=None, origin=CLI_ORIGIN)
    click.echo(_("Two-factor login of %(email)s is reset; they set it up again at their next "
                 "login.", email=user.email))


@users_cli.command("list")
@click.option("--municipality", "municipality_name", default=None,
              help="Only the users of this municipality.")
@reports_errors
def list_users_command(municipality_name: str | None) -> None:
    """List users with their municipality and roles."""
    try:
        users = list_users(municipality_name)
    except NotFound:
        fail(_("There is no municipality called %(name)s.", name=municipality_name))
    if not users:
        click.echo(_("No users yet."))
        return
    echo_table(
        [_("id"), _("e-mail"), _("name"), _("municipality"), _("roles"), _("active"),
         _("two-factor")],
        [(u.id, u.email, u.name, u.municipality.name, _roles_text(u),
          _("yes") if u.is_active else _("no"), _("yes") if u.has_second_factor else _("no"))
         for u in users],
    )


@tokens_cli.command("create")
@click.argument("email")
@click.option("--label", default=None, help="What the token is for (at most 100 characters).")
@reports_errors
def create_token_command(email: str, label: str | None) -> None:
    """Make a personal API token for a user and print it once."""
    user = _user_by_email(email)
    with write_transaction():
        token = create_token(user, label=label, origin=CLI_ORIGIN)
    # Only the token on stdout, so `token=$(flask --app wsgi tokens create ...)` just works.
    click.echo(token)
    click.echo(_("Keep this token safe: it is shown only now and cannot be shown again. "
                 "Use it as: Authorization: Bearer <token>"), err=True)


@tokens_cli.command("list")
@click.argument("email")
@reports_errors
def list_tokens_command(email: str) -> None:
    """List a user's tokens (their prefix only: the tokens themselves are not stored)."""
    tokens = list_tokens(_user_by_email(email))
    if not tokens:
        click.echo(_("%(email)s has no tokens.", email=email))
        return
    echo_table([_("id"), _("prefix"), _("label"), _("created"), _("revoked")],
               [(t.id, t.prefix, t.label or "-", _moment(t.created_at), _moment(t.revoked_at))
                for t in tokens])


@tokens_cli.command("revoke")
@click.argument("email")
@click.argument("token_id", type=int)
@reports_errors
def revoke_token_command(email: str, token_id: int) -> None:
    """Revoke one of a user's tokens (see `tokens list` for the id)."""
    user = _user_by_email(email)
    try:
        with write_transaction():
            row = revoke_token(user, token_id, origin=CLI_ORIGIN)
    except NotFound:
        fail(_("%(email)s has no token with id %(id)d.", email=email, id=token_id))
    click.echo(_("Token %(id)d (%(prefix)s...) is revoked since %(moment)s.", id=row.id,
                 prefix=row.prefix, moment=_moment(row.revoked_at)))


def _chain_names(municipality_ids: set[int | None]) -> dict[int | None, str]:
    ids = {i for i in municipality_ids if i is not None}
    names: dict[int | None, str] = {None: _("system")}
    if ids:
        names.update(db.session.execute(
            select(Municipality.id, Municipality.name).where(Municipality.id.in_(ids))).all())
    return names


def _public_keys(paths: Sequence[str]) -> list:
    from .services.audit_evidence import EvidenceError, default_public_keys, read_public_keys

    try:
        return read_public_keys(paths) if paths else default_public_keys()
    except EvidenceError as exc:
        fail(said(exc.finding))


def _verify_export_file(path: str, public_keys: list) -> None:
    """`audit verify --file`: check an export offline; the database is never touched."""
    from .domain.audit_evidence import verify_export

    try:
        with open(path, encoding="utf-8") as handle:
            report = verify_export(handle, public_keys)
    except (OSError, UnicodeDecodeError) as exc:
        fail(_("Cannot read %(path)s: %(problem)s", path=path,
               problem=getattr(exc, "strerror", None) or str(exc)))
    if not report.is_export:
        fail(_("%(path)s is not an audit trail export (%(problem)s).", path=path,
               problem=said(report.problems[-1])))
    if not report.ok:
        for problem in report.problems:
            click.echo("BROKEN: " + said(problem))
        raise SystemExit(CHAIN_BROKEN)
    click.echo("OK: " + _("%(records)s in %(chains)s", records=_records(report.records),
                          chains=ngettext("%(num)d chain", "%(num)d chains", report.chains)))
    if report.checkpoints:
        click.echo("  " + (_("%(num)d signed checkpoints checked.", num=report.checkpoints)
                           if public_keys else
                           _("%(num)d checkpoints match, signatures not checked (no public key)."
                             , num=report.checkpoints)))


@audit_cli.command("verify")
@click.option("--file", "export_file", type=click.Path(dir_okay=False),
              help="Check a JSON Lines export offline instead of the database.")
@click.option("--public-key", "public_key_paths", multiple=True, type=click.Path(dir_okay=False),
              help="Public key(s) that signed the checkpoints (default: AUDIT_SIGNING_KEY.pub).")
@reports_errors
def verify_audit_command(export_file: str | None = None,
                         public_key_paths: Sequence[str] = ()) -> None:
    """Walk every hash chain against its head and every signed checkpoint; exit 1 on a break."""
    keys = _public_keys(public_key_paths)
    if export_file is not None:
        _verify_export_file(export_file, keys)
        return
    from .services.audit_evidence import EvidenceError, load_checkpoints

    try:
        checkpoints = load_checkpoints(keys or None)
    except EvidenceError as exc:
        fail(said(exc.finding))
    if checkpoints.by_chain and not keys:
        fail(_("There are checkpoints in %(path)s, but no public key to check them with. Give "
               "it with --public-key.", path=current_app.config["AUDIT_CHECKPOINT_DIR"]))
    try:
        reports = verify_audit({chain: checkpoints.marks(chain)
                                for chain in checkpoints.by_chain})
    except (OperationalError, ProgrammingError):
        raise
    except Exception as exc:  # a row the database can no longer even decode is a broken trail
        db.session.rollback()
        click.echo("BROKEN: " + _("the audit trail cannot be read: %(problem)s",
                                  problem=str(exc).splitlines()[0] if str(exc) else repr(exc)))
        raise SystemExit(CHAIN_BROKEN)
    names = _chain_names({report.municipality_id for report in reports})
    broken = [report for report in reports if not report.result.ok]
    for problem in checkpoints.bad:
        click.echo("BROKEN: " + _("checkpoint %(where)s", where=said(problem)))
    if broken or checkpoints.bad:
        for report in broken:
            click.echo("BROKEN: " + _(
                "%(chain)s: first broken sequence number %(seq)d: %(problem)s",
                chain=names.get(report.municipality_id, report.municipality_id),
                seq=report.result.broken_seq, problem=said(report.result.problem)))
        click.echo(ngettext("%(broken)d of %(num)d chain is broken.",
                            "%(broken)d of %(num)d chains are broken.", len(reports),
                            broken=len(broken)))
        raise SystemExit(CHAIN_BROKEN)
    total = sum(report.result.count for report in reports)
    click.echo("OK: " + _("%(records)s in %(chains)s", records=_records(total),
                          chains=ngettext("%(num)d chain", "%(num)d chains", len(reports))))
    for report in reports:
        click.echo("  " + _("%(chain)s: %(records)s",
                            chain=names.get(report.municipality_id, report.municipality_id),
                            records=_records(report.result.count)))
    marks = sum(len(lines) for lines in checkpoints.by_chain.values())
    if marks:
        click.echo("  " + _("%(num)d signed checkpoints hold.", num=marks))


@audit_cli.command("keygen")
@click.option("--output", type=click.Path(dir_okay=False),
              help="Where to write the private key (default: AUDIT_SIGNING_KEY).")
@reports_errors
def keygen_command(output: str | None) -> None:
    """Make the Ed25519 key that signs checkpoints (mode 0600) and print its public key."""
    from pathlib import Path

    from .services.audit_evidence import EvidenceError, make_signing_key

    path = Path(output or current_app.config["AUDIT_SIGNING_KEY"])
    try:
        public_path, public = make_signing_key(path)
    except EvidenceError as exc:
        fail(said(exc.finding))
    except OSError as exc:
        fail(_("Cannot write %(path)s: %(problem)s", path=path, problem=exc.strerror or exc))
    click.echo(_("Private key written to %(path)s (mode 0600). Keep it off the database host.",
                 path=path), err=True)
    click.echo(_("Public key written to %(path)s; give it to the auditors:", path=public_path),
               err=True)
    click.echo(public.decode("ascii"), nl=False)


@audit_cli.command("checkpoint")
@reports_errors
def checkpoint_command() -> None:
    """Sign every chain's current head and append it to the checkpoint files (run from cron)."""
    from .services.audit_evidence import EvidenceError, checkpoint_dir, write_checkpoints
    from .services.security_events import flush_refusal_windows

    try:
        with write_transaction():
            flush_refusal_windows()  # repeated refusals are counted before the head is signed
        lines = write_checkpoints()
    except EvidenceError as exc:
        fail(said(exc.finding))
    except OSError as exc:
        fail(_("Cannot write the checkpoint: %(problem)s", problem=exc.strerror or exc))
    finally:
        db.session.rollback()
    names = _chain_names({line["municipality_id"] for line in lines})
    for line in lines:
        click.echo(_("%(chain)s: signed up to %(seq)d", chain=names.get(
            line["municipality_id"], line["municipality_id"]), seq=line["seq"]))
    click.echo(_("Written to %(path)s.", path=checkpoint_dir()), err=True)


def _export_filters(network: int | None, actor: int | None, action: str | None,
                    date_from: datetime | None, date_to: datetime | None):
    from .services.audit_evidence import ExportFilters

    for name, value in (("--network", network), ("--actor", actor)):
        if value is not None and not 1 <= value <= 2**31 - 1:
            fail(_("%(option)s needs a positive number.", option=name))
    if action is not None and not action.strip():
        fail(_("--action needs the name of an action, such as item.approved."))
    return ExportFilters(network_id=network, actor_id=actor, action=action,
                         date_from=date_from.date() if date_from else None,
                         date_to=date_to.date() if date_to else None)


@audit_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), required=True)
@click.option("--log", "kind", type=click.Choice(["audit", "processing"]), default="audit",
              show_default=True, help="The audit trail or the processing log.")
@click.option("--network", type=int)
@click.option("--actor", type=int, help="A user id.")
@click.option("--action", help="An action, such as item.approved (processing log: its name).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]),
              help="Up to and including this day (Dutch time).")
@click.option("--output", type=click.Path(dir_okay=False), required=True)
@reports_errors
def export_command(fmt: str, kind: str, network: int | None, actor: int | None,
                   action: str | None, date_from: datetime | None, date_to: datetime | None,
                   output: str) -> None:
    """Export the audit trail (every chain) or the processing log, streamed to a file."""
    from .services.audit_evidence import (EvidenceError, prepare_audit_export,
                                          prepare_processing_export)

    filters = _export_filters(network, actor, action, date_from, date_to)
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        fail(_("Cannot write %(path)s: %(problem)s", path=output, problem=exc.strerror or exc))
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        try:
            with write_transaction():
                if kind == "audit":
                    export = prepare_audit_export(
                        municipality_id=None, all_chains=True, filters=filters, fmt=fmt,
                        actor_id=None, origin=CLI_ORIGIN, public_keys=_public_keys(()) or None)
                else:
                    export = prepare_processing_export(
                        municipality_id=None, all_chains=True, filters=filters, fmt=fmt,
                        actor_id=None, origin=CLI_ORIGIN)
        except EvidenceError as exc:
            fail(said(exc.finding))
        for line in export.lines:
            handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    db.session.rollback()
    click.echo(_("%(records)s written to %(path)s.", records=_records(export.count),
                 path=output), err=True)


def _verify_after_restore() -> None:
    """`audit verify`, run in the restored database; any break ends the command with exit 1."""
    verify_audit_command.callback()


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@reports_errors
def backup_command(path: str) -> None:
    """Write a consistent backup of the database and the secret key file to PATH."""
    from flask import current_app

    from .backup import BackupError, make_backup

    db.session.remove()
    try:
        manifest = make_backup(db.engine, current_app.instance_path, path)
    except BackupError as exc:
        fail(str(exc))
    click.echo(_("Backup of the %(database)s database written to %(path)s.",
                 database=manifest.database, path=path))
    if not manifest.has_secret_key:
        click.echo(_("The secret key comes from the environment (SECRET_KEY) and is not in "
                     "the backup: keep it safe with the rest of the configuration."), err=True)


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--force", is_flag=True,
              help="Replace a database that already holds data.")
@reports_errors
def restore_command(path: str, force: bool) -> None:
    """Restore a backup made by `backup`, then verify the audit trail (exit 1 if broken)."""
    from flask import current_app

    from .backup import BackupError, restore_backup

    db.session.remove()
    try:
        manifest = restore_backup(db.engine, current_app.instance_path, path, force=force)
    except BackupError as exc:
        fail(str(exc))
    click.echo(_("Restored the backup of %(moment)s.", moment=manifest.created_at))
    _verify_after_restore()


def _records(count: int) -> str:
    return ngettext("%(num)d record", "%(num)d records", count)


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True,
              help="Load only into a database without users; otherwise just show the accounts.")
@click.option("--url", default=DEFAULT_LOGIN_URL, show_default=True,
              help="Where the app runs, printed as the place to log in.")
@reports_errors
def demo_command(if_empty: bool, url: str) -> None:
    """Load realistic demo data for two municipalities into a fresh database."""
    from .demo import DEMO_ACCOUNTS, DEMO_PASSWORD, database_has_users, demo_accounts_present, \
        load_demo

    if database_has_users():
        if not if_empty:
            fail(_("The database already has users, so no demo data was loaded. Use a fresh "
                   "database: set DATABASE_URL to a new one (or remove the SQLite file in the "
                   "instance folder), run flask --app wsgi db upgrade, then this command."))
        if not demo_accounts_present():
            click.echo(_("The database already has users of its own; no demo data was loaded."))
            return
        click.echo(_("The demo data is already loaded."))
    else:
        summary = load_demo()
        click.echo(_("Demo data loaded: %(municipalities)d municipalities, %(users)d users, "
                     "%(networks)d networks, %(records)d audit records.", **summary))
    click.echo()
    echo_table([_("e-mail"), _("roles"), _("municipality"), _("name")],
               [(a.email, ", ".join(a.roles), a.municipality, a.name) for a in DEMO_ACCOUNTS])
    click.echo()
    click.echo(_("Every demo account has the password: %(password)s", password=DEMO_PASSWORD))
    click.echo(_("Log in at %(url)s", url=url))


privacy_cli = AppGroup("privacy", help="Personal data: purge what has expired, export a person.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say what would be erased.")
@reports_errors
def purge_command(dry_run: bool) -> None:
    """Erase the personal data whose retention period has ended (safe to run from cron)."""
    from .services.privacy import expired_members, purge_expired

    if dry_run:
        checked, expired = expired_members()
        click.echo(ngettext("%(num)d person would be erased (of %(checked)d checked).",
                            "%(num)d people would be erased (of %(checked)d checked).",
                            len(expired), checked=checked))
        return
    with write_transaction():
        report = purge_expired(origin=CLI_ORIGIN)
    click.echo(ngettext("%(num)d person erased (of %(checked)d checked).",
                        "%(num)d people erased (of %(checked)d checked).", report.erased,
                        checked=report.checked))
    for member_id in report.member_ids:
        click.echo("  " + _("person %(id)d", id=member_id))


@privacy_cli.command("export")
@click.argument("person_id", type=int)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the JSON to this file (mode 0600) instead of standard output.")
@reports_errors
def export_command(person_id: int, output: str | None) -> None:
    """Write everything kept about one person, and its processing log, as JSON."""
    from .services.privacy import export_member

    try:
        with write_transaction():
            export = export_member(person_id)
    except NotFound:
        fail(_("There is no person with id %(id)d.", id=person_id))
    text = json.dumps(export, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(_("Written to %(path)s.", path=output), err=True)


lifecycle_cli = AppGroup("lifecycle", help="Keep networks alive: timers and notifications.")


@lifecycle_cli.command("tick")
@reports_errors
def tick_command() -> None:
    """Evaluate every due date once; record what became overdue and send its notifications.

    Safe to run from cron at any frequency: each notification has a unique key and is claimed
    before it is sent, so repeated or simultaneous ticks never send one twice. Exit code 1 when
    some notification could not be sent (the next tick tries it again).
    """
    from .services.notifications import run_tick

    report = run_tick()
    click.echo(_("%(overdue)d overdue, %(new)d new; %(sent)d notifications sent, %(failed)d "
                 "failed, %(skipped)d taken by another tick.", overdue=report.overdue,
                 new=report.new, sent=report.sent, failed=report.failed,
                 skipped=report.skipped))
    if report.failed:
        raise SystemExit(1)


def register_cli(app: Flask) -> None:
    """Add the administration commands to `flask --app wsgi ...`."""
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(lifecycle_cli)
