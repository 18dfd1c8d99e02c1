"""Two app processes fire the same trigger at the same network at the same moment: one wins.

This is how production runs: several gunicorn workers, perhaps on several hosts, and one
database, with nothing shared in memory. Each process builds its own app with `create_app`
against the test database and fires `start_core` at an agreed instant; the row lock (PostgreSQL)
or the write lock (SQLite) lets exactly one of them change the stage.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.test_concurrent_writes import START_CORE_GATE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIRE = """
import json, sys, time
from lifecycle import create_app
from lifecycle.domain.errors import DomainError
from lifecycle.extensions import db
from lifecycle.models import User
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.uow import write_transaction

url, lead_id, network_id, at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "two-processes"})
with app.app_context():
    user = db.session.get(User, lead_id)
    db.session.commit()
    time.sleep(max(0.0, at - time.time()))
    try:
        with write_transaction():
            stage = advance_network(user, network_id, "start_core").stage
        print(json.dumps({"won": True, "stage": stage}))
    except DomainError as exc:
        print(json.dumps({"won": False, "status": exc.status, "code": exc.code}))
"""


def test_two_processes_firing_at_once_change_the_stage_exactly_once(
        app, make_network, lead, reviewer, sign_off, fresh_network, stage_changes):
    network = make_network(lead)
    sign_off(network, lead, reviewer, *START_CORE_GATE)
    from lifecycle.extensions import db

    lead_id, network_id = lead.id, network.id
    db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    # Far enough ahead that both processes have imported the app and loaded the user.
    at = time.time() + 8
    processes = [subprocess.Popen(
        [sys.executable, "-c", FIRE, url, str(lead_id), str(network_id), str(at)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    db.session.rollback()  # a read snapshot from before the processes wrote would not see them

    assert sorted(o["won"] for o in outcomes) == [False, True], outcomes
    loser = next(o for o in outcomes if not o["won"])
    assert loser["status"] == 409, loser
    assert fresh_network(network_id).stage == "small_core"
    assert [(c.from_stage, c.to_stage) for c in stage_changes(network_id)] == [
        ("orientation", "small_core")]
