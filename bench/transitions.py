"""Durable stage changes per second: the service layer beside a raw floor and SpiffWorkflow.

Each figure is measured in the same run, on the same kind of database, at the same synchronous
setting, one transaction per advance:

- **Voelspriet**: `advance_network` in its own app context and write transaction, as a request
  does it. A network in expansion goes back to the small core (`regroup`) and forward again
  (`expand`, whose gate is checked against the signed-off checklists and the composition).
  The script also counts the SQL statements of one stage change: those of its write
  transaction, and those of the whole request (which first loads the acting user, as
  Flask-Login does), each averaged over an ungated `regroup` and a gated `expand`.
- **raw floor**: the same writes and nothing else: a compare-and-set UPDATE of the stage and an
  INSERT of an audit row chained with sha256, through `sqlite3` or `psycopg`.
- **SpiffWorkflow** (from `requirements-bench.txt`): the lifecycle as BPMN user tasks
  (orientation, small core, expansion, maintenance); per advance it loads the serialised
  workflow, completes the ready task, runs the engine, writes the serialised state back and
  appends a chained audit row.

It prints figures and asserts nothing. Run:

    .venv/bin/pip install -r requirements-bench.txt
    .venv/bin/python -m bench.transitions [--advances 300] [--synchronous FULL|NORMAL]
        [--postgresql URL]   # also on PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/bench
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIFECYCLE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="lifecycle-definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="lifecycle" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="orientation"><bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="small_core"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="expansion"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="maintenance"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="orientation"/>
    <bpmn:sequenceFlow id="f1" sourceRef="orientation" targetRef="small_core"/>
    <bpmn:sequenceFlow id="f2" sourceRef="small_core" targetRef="expansion"/>
    <bpmn:sequenceFlow id="f3" sourceRef="expansion" targetRef="maintenance"/>
    <bpmn:sequenceFlow id="f4" sourceRef="maintenance" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def chained(prev_hash: str, payload: dict) -> str:
    return hashlib.sha256((prev_hash + json.dumps(payload, sort_keys=True)).encode()).hexdigest()


# --- the floor and the peer, on a DB-API connection -----------------------------------------

class Store:
    """The two tables both baselines write: one state row per case, a chained audit table."""

    def __init__(self, connect, placeholder: str, begin: str):
        self.connection = connect()
        self.p = placeholder
        self.begin = begin
        cursor = self.connection.cursor()
        for statement in ("DROP TABLE IF EXISTS bench_case", "DROP TABLE IF EXISTS bench_audit",
                          "CREATE TABLE bench_case (id INTEGER PRIMARY KEY, stage TEXT NOT NULL,"
                          " state TEXT, version INTEGER NOT NULL)",
                          "CREATE TABLE bench_audit (seq INTEGER PRIMARY KEY, case_id INTEGER,"
                          " action TEXT, hash TEXT NOT NULL)"):
            cursor.execute(statement)
        self.connection.commit()
        self.seq, self.head = 0, "0" * 64

    def transaction(self, work) -> None:
        cursor = self.connection.cursor()
        if self.begin:  # sqlite3 in autocommit mode: the transaction is ours to open and end
            cursor.execute(self.begin)
            work(cursor)
            cursor.execute("COMMIT")
        else:
            work(cursor)
            self.connection.commit()

    def append_audit(self, cursor, case_id: int, action: str) -> None:
        self.seq += 1
        self.head = chained(self.head, {"seq": self.seq, "case": case_id, "action": action})
        cursor.execute(f"INSERT INTO bench_audit (seq, case_id, action, hash) VALUES "
                       f"({self.p}, {self.p}, {self.p}, {self.p})",
                       (self.seq, case_id, action, self.head))


def raw_floor(store: Store, advances: int) -> float:
    p = store.p
    store.transaction(lambda c: c.execute(
        f"INSERT INTO bench_case (id, stage, version) VALUES (1, 'expansion', 0)"))
    stages = ("small_core", "expansion")
    start = time.perf_counter()
    for n in range(advances):
        source, dest = stages[(n + 1) % 2], stages[n % 2]

        def work(cursor, source=source, dest=dest):
            cursor.execute(f"UPDATE bench_case SET stage = {p}, version = version + 1 "
                           f"WHERE id = 1 AND stage = {p}", (dest, source))
            assert cursor.rowcount == 1
            store.append_audit(cursor, 1, f"{source}->{dest}")
        store.transaction(work)
    return advances / (time.perf_counter() - start)


def spiff(store: Store, advances: int) -> float:
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_str(LIFECYCLE_BPMN.encode())
    spec = parser.get_spec("lifecycle")
    serializer = BpmnWorkflowSerializer()
    p = store.p
    case_ids = iter(range(1, 10**9))

    def new_case(cursor) -> int:
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        case_id = next(case_ids)
        cursor.execute(f"INSERT INTO bench_case (id, stage, state, version) VALUES "
                       f"({p}, 'orientation', {p}, 0)",
                       (case_id, serializer.serialize_json(workflow)))
        return case_id

    holder = {}
    store.transaction(lambda c: holder.update(case=new_case(c)))
    start = time.perf_counter()
    for _ in range(advances):
        def work(cursor):
            case_id = holder["case"]
            cursor.execute(f"SELECT state FROM bench_case WHERE id = {p}", (case_id,))
            workflow = serializer.deserialize_json(cursor.fetchone()[0])
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            source = task.task_spec.name
            task.run()
            workflow.do_engine_steps()
            following = workflow.get_next_task(state=TaskState.READY, manual=True)
            dest = following.task_spec.name if following else "done"
            cursor.execute(f"UPDATE bench_case SET stage = {p}, state = {p}, "
                           f"version = version + 1 WHERE id = {p} AND stage = {p}",
                           (dest, serializer.serialize_json(workflow), case_id, source))
            assert cursor.rowcount == 1
            store.append_audit(cursor, case_id, f"{source}->{dest}")
            if following is None or following.task_spec.name == "maintenance":
                holder["case"] = new_case(cursor)  # walked to maintenance: the next network
        store.transaction(work)
    return advances / (time.perf_counter() - start)


# --- Voelspriet ----------------------------------------------------------------------------

def voelspriet(url: str, synchronous: str, advances: int) -> tuple[float, dict[str, float]]:
    """Advances per second through the services, and SQL statements per stage change (of the
    write transaction, and of the whole request)."""
    from flask_migrate import upgrade
    from sqlalchemy import event

    from lifecycle import create_app
    from lifecycle.extensions import db
    from lifecycle.models import User
    from lifecycle.services.accounts import create_user
    from lifecycle.services.checklists import approve_item, submit_evidence
    from lifecycle.services.lifecycle import advance_network
    from lifecycle.services.networks import create_network
    from lifecycle.services.uow import write_transaction
    from lifecycle.services.workflows import workflow_of
    from tests.builders import example_details, satisfy_auto_items

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "SQLITE_SYNCHRONOUS": synchronous, "TESTING": True})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        with write_transaction():
            lead = create_user(email="lead@bench.example.nl", name="Lead", roles=["lead"],
                               municipality_name="Bench", password="bench-password-1")
            reviewer = create_user(email="reviewer@bench.example.nl", name="Reviewer",
                                   roles=["reviewer"], municipality_name="Bench",
                                   password="bench-password-1")
        with write_transaction():
            network = create_network(lead, {
                "name": "Benchnetwerk", "goal": "Spanningen vroeg zien en samen dempen.",
                "form": "structural", "level": "group", "roles": ["signaling"],
                "form_justification": "Een vast netwerk past bij een opgave die jaren duurt."})
        lead_id, reviewer_id, network_id = lead.id, reviewer.id, network.id
        definition = workflow_of(network)
        for trigger, checklists in (("start_core", ("orientation", "mandate", "church_state")),
                                    ("expand", ("core_functioning", "diversity"))):
            satisfy_auto_items(network_id, db.session.get(User, lead_id), checklists)
            for checklist_id in checklists:
                for item in definition.checklist(checklist_id).items:
                    if not item.needs_signoff:
                        continue
                    with write_transaction():
                        submit_evidence(db.session.get(User, lead_id), network_id, item.id,
                                        "Besproken en vastgelegd.",
                                        details=example_details(item.records))
                    with write_transaction():
                        approve_item(db.session.get(User, reviewer_id), network_id, item.id,
                                     "Akkoord.")
            with write_transaction():
                advance_network(db.session.get(User, lead_id), network_id, trigger)
        engine = db.engine

    statements = {"request": 0, "write": 0}
    phase = ["request"]

    def count(_conn, _cursor, statement, *_args, **_kwargs):
        statements["request"] += 1
        if phase[0] == "write":
            statements["write"] += 1
        if "--show-sql" in sys.argv:
            print(f"   SQL ({phase[0]}):", " ".join(statement.split())[:140])

    def advance(n: int) -> None:
        with app.app_context():
            phase[0] = "request"
            user = db.session.get(User, lead_id)  # as Flask-Login loads a request's user
            phase[0] = "write"
            with write_transaction():
                if n % 2 == 0:
                    advance_network(user, network_id, "regroup", "Even terug naar de kern.")
                else:
                    advance_network(user, network_id, "expand")

    advance(0), advance(1)  # warm the caches
    event.listen(engine, "before_cursor_execute", count)
    advance(2), advance(3)
    event.remove(engine, "before_cursor_execute", count)
    per_change = {name: total / 2 for name, total in statements.items()}
    start = time.perf_counter()
    for n in range(4, 4 + advances):
        advance(n)
    rate = advances / (time.perf_counter() - start)
    with app.app_context():
        db.engine.dispose()
    return rate, per_change


def print_statements(statements: dict[str, float]) -> None:
    print(f"  SQL statements per stage change: {statements['write']:.1f} in its write "
          f"transaction, {statements['request']:.1f} in the whole request")


def print_row(label: str, rate: float, floor: float, peer: float) -> None:
    print(f"  {label:<34} {rate:10.0f}/s  {rate / floor:8.1%} of the floor  "
          f"{rate / peer:6.2f}× SpiffWorkflow")


def main() -> None:
    from bench.options import bench_parser

    parser = bench_parser(__doc__)
    parser.add_argument("--advances", type=int, default=300)
    parser.add_argument("--show-sql", action="store_true",
                        help="print the SQL of two stage changes (regroup, expand)")
    parser.add_argument("--synchronous", default="FULL", choices=("FULL", "NORMAL"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        def connect_sqlite(name: str):
            def connect():
                connection = sqlite3.connect(Path(folder) / name, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(f"PRAGMA synchronous={args.synchronous}")
                return connection
            return connect

        print(f"SQLite, synchronous={args.synchronous}, {args.advances} advances each")
        floor = raw_floor(Store(connect_sqlite("floor.sqlite3"), "?", "BEGIN IMMEDIATE"),
                          args.advances)
        peer = spiff(Store(connect_sqlite("spiff.sqlite3"), "?", "BEGIN IMMEDIATE"),
                     args.advances)
        ours, statements = voelspriet(f"sqlite:///{Path(folder) / 'app.sqlite3'}",
                                      args.synchronous, args.advances)
        print_row("raw floor (sqlite3)", floor, floor, peer)
        print_row("SpiffWorkflow 3.2 (BPMN, sqlite3)", peer, floor, peer)
        print_row("Voelspriet advance_network", ours, floor, peer)
        print_statements(statements)

    if args.postgresql:
        import psycopg

        from lifecycle.config import normalise_database_url

        def connect_pg():
            return psycopg.connect(args.postgresql)

        print(f"\nPostgreSQL ({args.postgresql}), {args.advances} advances each")
        floor = raw_floor(Store(connect_pg, "%s", ""), args.advances)
        peer = spiff(Store(connect_pg, "%s", ""), args.advances)
        ours, statements = voelspriet(normalise_database_url(args.postgresql), "FULL",
                                      args.advances)
        print_row("raw floor (psycopg)", floor, floor, peer)
        print_row("SpiffWorkflow 3.2 (BPMN, psycopg)", peer, floor, peer)
        print_row("Voelspriet advance_network", ours, floor, peer)
        print_statements(statements)


if __name__ == "__main__":
    main()
