"""The national case: every page and API read timed on a database the size of all Dutch
municipalities, plus `audit verify` and the memory of an export at that size.

It builds the case through a bulk path: the rows the services would write, inserted with COPY
on PostgreSQL (executemany on SQLite), with every audit record hashed by the real chaining code
(`lifecycle.domain.audit.chain`), one chain per municipality, heads set to their last record.
By default that is 342 municipalities, 10,000 networks (one municipality has 1,000 of them),
500,000 people, 100,000 organisations and 10,000,000 audit records; `--scale 0.1` builds a
tenth of everything for a quick look.

Then, through the Flask test client (server time only, no network), it times each list,
detail, filter and history page and API route as the big municipality's lead and auditor,
and prints p50 and p95 beside the target (p95 < 100 ms). A route whose cost grows with the
total data rather than with the page shows here first. Last, `audit verify` in records per
second over the whole database, and the peak memory of a JSON Lines export of the big
municipality's chain (tracemalloc), beside the size of that chain.

It prints figures and asserts nothing. Run (the database's tables are replaced):

    .venv/bin/python -m bench.scale --postgresql postgresql://postgres@127.0.0.1:5432/scale
    .venv/bin/python -m bench.scale --sqlite /tmp/scale.sqlite3 --audit-records 1000000
    .venv/bin/python -m bench.scale --postgresql URL --scale 0.1 --samples 20
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"
ROLES = ("lead", "reviewer", "auditor", "admin")
STAGES = ("orientation", "small_core", "expansion", "maintenance", "paused")
ACTIONS = ("network.updated", "network.stage_changed", "member.created", "member.step_taken",
           "checklist_item.evidence_submitted", "checklist_item.approved", "organisation.created",
           "meeting.logged", "signal.recorded")
MEMBER_STATES = ("active", "active", "active", "candidate", "intake_held", "invited", "inactive")
TARGET_P95_MS = 100.0


# --- the bulk path ------------------------------------------------------------------------

class BulkWriter:
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite, one commit per table."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"

    def write(self, table: str, columns: tuple[str, ...], rows) -> int:
        connection = self.engine.raw_connection()
        count = 0
        try:
            cursor = connection.cursor()
            names = ", ".join(f'"{c}"' for c in columns)
            if self.postgresql:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                marks = ", ".join("?" for _ in columns)
                statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                batch = []
                for row in rows:
                    batch.append(tuple(_sqlite_value(v) for v in row))
                    if len(batch) == 10_000:
                        cursor.executemany(statement, batch)
                        count += len(batch)
                        batch.clear()
                cursor.executemany(statement, batch)
                count += len(batch)
            connection.commit()
        finally:
            connection.close()
        return count

    def execute(self, *statements: str) -> None:
        with self.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)


def _sqlite_value(value):
    # The formats SQLAlchemy's SQLite types store, so the app reads these rows as its own.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def build(engine, counts: dict[str, int], definition, vocabularies) -> dict[str, int]:
    """Write the national case; return the ids the timing needs."""
    from lifecycle.domain import audit as audit_domain
    from lifecycle.domain.audit import AuditDraft
    from lifecycle.services.accounts import password_hasher

    writer = BulkWriter(engine)
    started = datetime(2024, 1, 1, 8, 0)
    municipalities = counts["municipalities"]
    writer.write("municipality", ("id", "slug", "name", "workflow_name", "created_at"), (
        (m, f"gemeente-{m}", f"Gemeente {m}", definition.name, started)
        for m in range(1, municipalities + 1)))

    def user_id(municipality: int, role: str) -> int:
        return (municipality - 1) * len(ROLES) + ROLES.index(role) + 1

    password_hash = password_hasher.hash(PASSWORD)
    writer.write("user_account", ("id", "municipality_id", "email", "name", "password_hash",
                                  "active", "created_at", "session_generation"), (
        (user_id(m, role), m, f"{role}@gemeente-{m}.example.nl", f"{role.title()} {m}",
         password_hash, True, started, 0)
        for m in range(1, municipalities + 1) for role in ROLES))
    writer.write("user_role", ("user_id", "role"), (
        (user_id(m, role), role) for m in range(1, municipalities + 1) for role in ROLES))

    # One municipality has `big_networks` networks; the others share the rest in turn.
    network_owner = [1] * counts["big_networks"]
    rest = counts["networks"] - counts["big_networks"]
    network_owner += [2 + n % max(1, municipalities - 1) for n in range(rest)]
    networks_of: dict[int, list[int]] = {}
    for network_id, municipality in enumerate(network_owner, start=1):
        networks_of.setdefault(municipality, []).append(network_id)
    writer.write("network", (
        "id", "municipality_id", "name", "goal", "form", "form_justification", "level", "roles",
        "stage", "paused_from", "lead_id", "workflow_name", "workflow_version", "created_at",
        "updated_at", "version"), (
        (network_id, municipality, f"Netwerk {network_id}",
         "Spanningen vroeg zien en samen dempen.", "structural",
         "Een vast netwerk past bij een opgave die jaren duurt.", "group",
         json.dumps(["signaling"]), STAGES[network_id % len(STAGES)],
         "expansion" if STAGES[network_id % len(STAGES)] == "paused" else None,
         user_id(municipality, "lead"), definition.name, definition.version,
         started + timedelta(minutes=network_id), started + timedelta(minutes=network_id), 1)
        for network_id, municipality in enumerate(network_owner, start=1)))

    organisation_types = [t.id for t in vocabularies.organisation_types]
    per_network = max(1, counts["organisations"] // counts["networks"])
    writer.write("organisation", (
        "id", "network_id", "municipality_id", "name", "type", "communities", "influence",
        "involvement", "created_at", "updated_at", "version"), (
        (o, (o - 1) // per_network + 1, network_owner[(o - 1) // per_network],
         f"Organisatie {o}", organisation_types[o % len(organisation_types)],
         json.dumps([f"gemeenschap {o % 7}"]), ("high", "low")[o % 2], ("low", "high")[o % 3 % 2],
         started, started, 1)
        for o in range(1, per_network * counts["networks"] + 1)))

    sectors = [s.id for s in vocabularies.person_sectors] or [None]
    ages = vocabularies.ids(vocabularies.age_bands)
    genders = vocabularies.ids(vocabularies.genders)
    types = vocabularies.ids(vocabularies.member_types)
    people_per_network = max(1, counts["people"] // counts["networks"])
    writer.write("member", (
        "id", "network_id", "municipality_id", "organisation_id", "name", "sector", "district",
        "age_band", "gender", "formal", "member_type", "known_to_municipality", "status",
        "status_since", "created_at", "updated_at", "version"), (
        (p, network, network_owner[network - 1],
         (network - 1) * per_network + 1 + p % per_network, f"Persoon {p}",
         sectors[p % len(sectors)], f"Wijk {p % 9}", ages[p % len(ages)],
         genders[p % len(genders)], p % 3 == 0, types[p % len(types)], p % 4 == 0,
         MEMBER_STATES[p % len(MEMBER_STATES)], started, started, started, 1)
        for p in range(1, people_per_network * counts["networks"] + 1)
        for network in ((p - 1) // people_per_network + 1,)))

    # The audit trail: each municipality's share in proportion to its networks.
    records = counts["audit_records"]
    chain_rows = []

    def audit_rows():
        for municipality in range(1, municipalities + 1):
            own = networks_of.get(municipality, [])
            share = max(1, records * len(own) // counts["networks"]) if own else 1
            prev, seq = audit_domain.GENESIS_HASH, 0
            moment = started
            actor = user_id(municipality, "lead")
            for n in range(share):
                seq += 1
                moment += timedelta(seconds=37)
                network = own[n % len(own)] if own else None
                chained = audit_domain.chain(AuditDraft(
                    municipality_id=municipality, actor_id=actor, object_type="network",
                    object_id=str(network), network_id=network, action=ACTIONS[n % len(ACTIONS)],
                    origin="192.0.2.10", before={"version": n}, after={"version": n + 1}),
                    seq=seq, prev_hash=prev, now=moment.replace(tzinfo=timezone.utc))
                prev = chained.hash
                values = chained.__dict__
                yield (municipality, *(
                    json.dumps(values[c]) if c in ("before", "after") and values[c] is not None
                    else values[c] for c in RECORD_COLUMNS))
            chain_rows.append((municipality, seq, prev))

    # The columns of a chained record are those of `audit_record` (the services write them so).
    probe = audit_domain.chain(AuditDraft(1, 1, "network", "1", "network.updated"),
                               seq=1, prev_hash=audit_domain.GENESIS_HASH, now=started)
    RECORD_COLUMNS = tuple(probe.__dict__)
    writer.write("audit_chain", ("id", "municipality_id", "last_seq", "last_hash"), (
        (1000 + m, m, 0, audit_domain.GENESIS_HASH) for m in range(1, municipalities + 1)))

    def with_chain_ids():
        for municipality, *values in audit_rows():
            yield (1000 + municipality, *values)

    written = writer.write("audit_record", ("chain_id", *RECORD_COLUMNS), with_chain_ids())
    writer.execute(*(f"UPDATE audit_chain SET last_seq = {seq}, last_hash = '{last}' "
                     f"WHERE municipality_id = {municipality}"
                     for municipality, seq, last in chain_rows))
    if writer.postgresql:
        for table in ("municipality", "user_account", "network", "organisation", "member",
                      "audit_chain"):
            writer.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
    writer.execute("ANALYZE")
    middle = networks_of[1][len(networks_of[1]) // 2]  # a network of the big municipality
    return {"network": middle, "member": (middle - 1) * people_per_network + 1,
            "audit_records": written}


# --- timing -------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def time_routes(app, ids: dict[str, int], samples: int) -> None:
    from lifecycle.extensions import db
    from lifecycle.models import User
    from lifecycle.services.accounts import create_token
    from lifecycle.services.uow import write_transaction

    network, member = ids["network"], ids["member"]
    with app.app_context():
        lead = db.session.scalars(db.select(User).filter_by(email="lead@gemeente-1.example.nl")).one()
        auditor = db.session.scalars(
            db.select(User).filter_by(email="auditor@gemeente-1.example.nl")).one()
        with write_transaction():
            tokens = {"lead": create_token(lead, label="bench"),
                      "auditor": create_token(auditor, label="bench")}
        emails = {"lead": lead.email, "auditor": auditor.email}

    clients = {}
    for who, email in emails.items():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"logging in as the {who} failed: {response.status_code}")
        clients[who] = client

    pages = [
        ("lead", "/dashboard"), ("lead", "/netwerken"), ("lead", "/netwerken?stage=expansion"),
        ("lead", f"/netwerken/{network}"), ("lead", f"/netwerken/{network}/personen"),
        ("lead", f"/netwerken/{network}/personen/{member}"),
        ("lead", f"/netwerken/{network}/organisaties"),
        ("lead", f"/netwerken/{network}/kandidaten"), ("lead", f"/netwerken/{network}/profiel"),
        ("lead", f"/netwerken/{network}/bijeenkomsten"), ("lead", f"/netwerken/{network}/signalen"),
        ("lead", f"/netwerken/{network}/uitwisseling"), ("lead", f"/netwerken/{network}/dossier"),
        ("lead", f"/netwerken/{network}/geschiedenis"), ("lead", "/overzicht"),
        ("auditor", "/audit"), ("auditor", "/audit?action=network.stage_changed"),
        ("auditor", f"/audit?network={network}"),
        ("auditor", "/audit?date_from=2024-01-02&date_to=2024-01-03"),
    ]
    api = [
        ("lead", "/api/v1/dashboard"), ("lead", "/api/v1/attention"),
        ("lead", "/api/v1/networks"), ("lead", "/api/v1/networks?stage=expansion"),
        ("lead", f"/api/v1/networks/{network}"), ("lead", f"/api/v1/networks/{network}/checklists"),
        ("lead", f"/api/v1/networks/{network}/members"),
        ("lead", f"/api/v1/networks/{network}/members?status=active"),
        ("lead", f"/api/v1/networks/{network}/members/{member}"),
        ("lead", f"/api/v1/networks/{network}/organisations"),
        ("lead", f"/api/v1/networks/{network}/composition"),
        ("lead", f"/api/v1/networks/{network}/history"),
        ("auditor", "/api/v1/audit"), ("auditor", "/api/v1/audit?action=network.stage_changed"),
        ("auditor", f"/api/v1/audit?network={network}"),
        ("auditor", "/api/v1/audit?from=2024-01-02&to=2024-01-03"),
    ]
    print(f"\n  {'route':<58} {'p50':>8} {'p95':>8}  target p95 < {TARGET_P95_MS:.0f} ms")
    for kind, routes in (("page", pages), ("api", api)):
        for who, path in routes:
            headers = {"Authorization": f"Bearer {tokens[who]}"} if kind == "api" else {}
            client = clients[who] if kind == "page" else app.test_client()
            statuses, times = set(), []
            for n in range(samples + 2):
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                elapsed = (time.perf_counter() - start) * 1000
                statuses.add(response.status_code)
                if n >= 2:  # the first two warm the caches
                    times.append(elapsed)
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            verdict = "ok" if p95 < TARGET_P95_MS else "OVER"
            status = "" if statuses == {200} else f"  status {sorted(statuses)}"
            print(f"  {who + ' ' + path:<58} {p50:7.1f}ms {p95:7.1f}ms  {verdict}{status}")


def time_verify_and_export(app, ids: dict[str, int]) -> None:
    from lifecycle.extensions import db
    from lifecycle.services.audit import verify_audit
    from lifecycle.services.audit_evidence import ExportFilters, prepare_audit_export
    from lifecycle.services.uow import write_transaction

    with app.app_context():
        start = time.perf_counter()
        reports = verify_audit()
        elapsed = time.perf_counter() - start
        total = sum(report.result.count for report in reports)
        broken = [r.municipality_id for r in reports if not r.result.ok]
        print(f"\n  audit verify: {total:,} records in {elapsed:.1f} s = {total / elapsed:,.0f} "
              f"records/s (target ≥ 200,000/s); broken chains: {broken or 'none'}")

        tracemalloc.start()
        start = time.perf_counter()
        with write_transaction():
            export = prepare_audit_export(municipality_id=1, all_chains=False,
                                          filters=ExportFilters(), fmt="jsonl", actor_id=None,
                                          origin=None)
        lines = 0
        with open(os.devnull, "w", encoding="utf-8") as sink:
            for line in export.lines:
                sink.write(line)
                lines += 1
        elapsed = time.perf_counter() - start
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.session.commit()
        print(f"  export of the big municipality's chain (JSON Lines, {lines:,} lines): "
              f"{elapsed:.1f} s, peak {peak / 2**20:.1f} MiB (tracemalloc)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgresql", metavar="URL", help="build on this database (replaced)")
    where.add_argument("--sqlite", metavar="PATH", help="build in this SQLite file (replaced)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count")
    parser.add_argument("--municipalities", type=int, default=342)
    parser.add_argument("--networks", type=int, default=10_000)
    parser.add_argument("--big-networks", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--audit-records", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=30, help="timed requests per route")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from lifecycle import create_app
    from lifecycle.config import normalise_database_url
    from lifecycle.extensions import db
    from lifecycle.services.workflows import catalogue, latest_workflow

    if args.postgresql:
        url = normalise_database_url(args.postgresql)
    else:
        path = Path(args.sqlite or Path(tempfile.mkdtemp()) / "scale.sqlite3")
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    counts = {name: max(1, int(getattr(args, name) * args.scale)) for name in (
        "municipalities", "networks", "big_networks", "people", "organisations",
        "audit_records")}
    counts["municipalities"] = max(2, counts["municipalities"])
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "MFA_REQUIRED": False, "WTF_CSRF_ENABLED": False,
                      "AUDIT_SIGNING_KEY": str(Path(tempfile.mkdtemp()) / "key"),
                      "AUDIT_CHECKPOINT_DIR": str(Path(tempfile.mkdtemp()) / "checkpoints")})
    print("The national case on " + ("PostgreSQL" if args.postgresql else f"SQLite ({url})")
          + ": " + ", ".join(f"{name.replace('_', ' ')} {value:,}"
                             for name, value in counts.items()))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        start = time.perf_counter()
        ids = build(db.engine, counts, latest_workflow("network-lifecycle"),
                    catalogue().vocabularies)
        print(f"  built in {time.perf_counter() - start:.0f} s "
              f"({ids['audit_records']:,} audit records hashed by the real chaining code)")
    time_routes(app, ids, args.samples)
    time_verify_and_export(app, ids)


if __name__ == "__main__":
    main()
