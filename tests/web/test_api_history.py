"""API tests: a network's history and the municipality-wide audit log, paged and verifiable."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta

import pytest

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
# What the README says each hash covers; recomputed here with nothing but the standard library.
HASHED_FIELDS = ("seq", "occurred_at", "municipality_id", "actor_id", "object_type",
                 "object_id", "network_id", "action", "result", "origin", "before", "after")


def walk(client, url):
    """Follow `next` links from `url`; return every item and the number of pages."""
    items, pages = [], 0
    while url is not None:
        page = client.get(url).get_json()
        items.extend(page["items"])
        url = page["next"]
        pages += 1
    return items, pages


def recomputed_hash(record: dict) -> str:
    values = {field: record[field] for field in HASHED_FIELDS if field != "actor_id"}
    values["actor_id"] = record["actor"]["id"] if record["actor"] else None
    if record["trace_id"] is not None:  # hashed when present, as the README says
        values["trace_id"] = record["trace_id"]
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{record['prev_hash']}\n{canonical}".encode("utf-8")).hexdigest()


@pytest.fixture
def busy_network(make_user, make_network, api):
    """A network with a handful of audited changes, made through the API."""
    lead = make_user("lead", name="Lotte Lead")
    network = make_network(lead)
    as_lead = api(lead)
    for n in range(3):
        as_lead.edit(f"/api/v1/networks/{network.id}", json={"goal": f"Doel versie {n}."})
    as_lead.post(f"/api/v1/networks/{network.id}/items/mandate.sponsor_named/submit",
                 json={"evidence": "Wethouder benoemd."})
    return lead, network


def test_a_networks_history_is_in_sequence_order_and_pages_walk_it_exactly_once(
        busy_network, make_user, api):
    lead, network = busy_network
    client = api(make_user("reviewer"))
    everything = client.get(f"/api/v1/networks/{network.id}/history?limit=200").get_json()
    assert everything["next"] is None
    assert [r["action"] for r in everything["items"]] == [
        "network.created", "network.updated", "network.updated", "network.updated",
        "item.evidence_submitted"]
    assert {r["network_id"] for r in everything["items"]} == {network.id}
    paged, pages = walk(client, f"/api/v1/networks/{network.id}/history?limit=2")
    assert paged == everything["items"]
    assert pages == 3
    seqs = [r["seq"] for r in paged]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_an_audit_record_has_its_full_shape_and_a_hash_anyone_can_recompute(busy_network,
                                                                            make_user, api):
    lead, network = busy_network
    records, _pages = walk(api(make_user("auditor")), "/api/v1/audit?limit=3")
    created = next(r for r in records if r["action"] == "network.created")
    assert created["actor"] == {"id": lead.id, "name": "Lotte Lead"}
    assert created["municipality_id"] == lead.municipality_id
    assert (created["object_type"], created["object_id"]) == ("network", str(network.id))
    assert created["result"] == "ok"
    assert created["before"] is None and created["after"]["stage"] == "orientation"
    updated = next(r for r in records if r["action"] == "network.updated")
    assert updated["origin"] == "127.0.0.1"  # the API passes the client's address
    assert updated["before"] == {"goal": created["after"]["goal"]}
    for record in records:
        assert ISO_UTC.fullmatch(record["occurred_at"])
        assert recomputed_hash(record) == record["hash"]
    assert [r["prev_hash"] for r in records[1:]] == [r["hash"] for r in records[:-1]]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))


@pytest.mark.parametrize("roles", [("lead",), ("reviewer",)])
def test_the_audit_log_is_for_auditors_and_admins_only(busy_network, make_user, api, problem,
                                                       roles):
    problem(api(make_user(*roles)).get("/api/v1/audit"), 403, "forbidden")
    assert api(make_user("admin")).get("/api/v1/audit").status_code == 200


def test_the_audit_log_shows_only_the_own_municipality(busy_network, make_user, make_network,
                                                       api):
    lead, network = busy_network
    make_network(make_user("lead", municipality="Venlo"))
    records, _pages = walk(api(make_user("auditor", municipality="Venlo")), "/api/v1/audit")
    assert records and network.id not in {r["network_id"] for r in records}
    assert {r["municipality_id"] for r in records} == {records[0]["municipality_id"]}
    assert records[0]["municipality_id"] != lead.municipality_id


def test_the_audit_log_filters_and_its_next_links_keep_the_filters(busy_network, make_user,
                                                                   make_network, api):
    lead, network = busy_network
    make_network(lead, name="Tweede netwerk")
    auditor = api(make_user("auditor"))
    updates, pages = walk(auditor, f"/api/v1/audit?action=network.updated&network={network.id}"
                                   f"&actor={lead.id}&result=ok&limit=1")
    assert pages == 3
    assert [(r["action"], r["network_id"], r["actor"]["id"]) for r in updates] == [
        ("network.updated", network.id, lead.id)] * 3
    today = date.today()
    span = f"from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=1))}"
    assert len(walk(auditor, f"/api/v1/audit?{span}")[0]) == len(walk(auditor, "/api/v1/audit")[0])
    future = (today + timedelta(days=2)).isoformat()
    assert auditor.get(f"/api/v1/audit?from={future}").get_json()["items"] == []


@pytest.mark.parametrize("query, errors", [
    ("from=2024-13-01", {"from": "not_a_date"}),
    ("to=yesterday", {"to": "not_a_date"}),
    ("from=20240101", {"from": "not_a_date"}),
    ("network=abc", {"network": "not_an_integer"}),
    ("network=2147483648", {"network": "out_of_range"}),
    ("actor=-3", {"actor": "out_of_range"}),
    ("result=maybe", {"result": "invalid_choice"}),
    ("action=DROP%20TABLE", {"action": "invalid"}),
    ("after=9223372036854775808", {"after": "out_of_range"}),
    ("limit=1000", {"limit": "out_of_range"}),
])
def test_malformed_audit_filters_answer_422_naming_each(make_user, api, problem, query, errors):
    body = problem(api(make_user("auditor")).get(f"/api/v1/audit?{query}"), 422,
                   "validation-failed")
    assert body["errors"] == errors


def test_a_date_range_that_ends_before_it_starts_answers_422(make_user, api, problem):
    response = api(make_user("auditor")).get("/api/v1/audit?from=2024-05-02&to=2024-05-01")
    problem(response, 422, "validation-failed")


@pytest.mark.parametrize("query, field", [("from=0001-01-01", "from"),
                                          ("to=9999-12-31", "to")])
def test_dates_at_the_edge_of_the_calendar_answer_422_not_an_overflow(make_user, api, problem,
                                                                     query, field):
    body = problem(api(make_user("auditor")).get(f"/api/v1/audit?{query}"), 422,
                   "validation-failed")
    assert field in body["errors"]


def test_history_paging_refuses_an_after_beyond_the_sequence_range(busy_network, make_user,
                                                                   api, problem):
    _lead, network = busy_network
    client = api(make_user("reviewer"))
    problem(client.get(f"/api/v1/networks/{network.id}/history?after=99999999999999999999"),
            422, "validation-failed")
    last = client.get(f"/api/v1/networks/{network.id}/history?after=9223372036854775807")
    assert last.get_json() == {"items": [], "next": None}
