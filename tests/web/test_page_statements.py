"""What a page asks the database: the same number of statements however many rows it shows, and
what several services of one page need, loaded once (counted with a SQLAlchemy event listener,
never timed).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from lifecycle.extensions import db
from lifecycle.services.meetings import create_meeting
from tests.web.test_maintenance_pages import TODAY, _write, world  # noqa: F401 (a fixture)


@contextmanager
def statements():
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def statements_of(client, url: str) -> list[str]:
    client.get(url)  # the first request of a session may write it; count the next
    with statements() as seen:
        assert client.get(url).status_code == 200
    return list(seen)


def test_the_meetings_page_asks_as_much_for_four_meetings_as_for_one(world):  # noqa: F811
    lead, client = world.users["lead"], world.client("lead")
    url = world.url("/bijeenkomsten")
    with_one = statements_of(client, url)
    for days in (1, 2, 3):
        _write(create_meeting, lead, world.network_id, {
            "held_on": TODAY - timedelta(days=days), "form": "core",
            "attendee_ids": world.member_ids[:2], "topics": ["liveability"],
            "agreements": [{"text": "Terugkoppelen.", "owner_member_id": world.member_ids[1],
                            "due_on": TODAY + timedelta(days=7)}]})
    with_four = statements_of(client, url)
    assert len(with_four) == len(with_one)
    assert sum(s.startswith("INSERT INTO processing_log") for s in with_four) == 1


def test_the_network_page_loads_its_network_and_its_facts_once(world):  # noqa: F811
    seen = statements_of(world.client("lead"), world.url(""))
    assert sum(s.startswith("SELECT network.id") for s in seen) == 1
    assert sum(s.startswith("SELECT organisation.network_id, count(*)") for s in seen) == 2
