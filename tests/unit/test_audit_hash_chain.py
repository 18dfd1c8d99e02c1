"""The audit hash chain: the documented canonical form, and every kind of tampering caught."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle.domain.audit import (
    GENESIS_HASH, HASHED_FIELDS, AuditDraft, canonical_json, chain, compute_hash,
    format_timestamp, verify_chain,
)

START = datetime(2024, 3, 1, 8, 0, 0)


def approval_draft(n: int) -> AuditDraft:
    return AuditDraft(
        municipality_id=3, actor_id=7, object_type="checklist_item",
        object_id=f"12:mandate.item_{n}", network_id=12, action="item.approved",
        origin="192.0.2.10", before={"status": "submitted"},
        after={"status": "approved", "signoff_id": n},
    )


def build_chain(length: int = 5) -> list:
    records, prev_hash = [], GENESIS_HASH
    for n in range(1, length + 1):
        record = chain(approval_draft(n), seq=n, prev_hash=prev_hash,
                       now=START + timedelta(minutes=n))
        records.append(record)
        prev_hash = record.hash
    return records


def test_a_known_record_has_exactly_the_documented_canonical_text_and_hash():
    amsterdam_afternoon = datetime(2024, 3, 1, 13, 5, 9, 1234, tzinfo=ZoneInfo("Europe/Amsterdam"))
    prev_hash = "ab" * 32
    draft = AuditDraft(
        municipality_id=3, actor_id=7, object_type="checklist_item",
        object_id="12:mandate.sponsor_named", network_id=12, action="item.approved",
        result="ok", origin="192.0.2.10", before={"status": "submitted"},
        after={"status": "approved", "comment": "Akkoord, wethouder Ünal"},
    )

    record = chain(draft, seq=5, prev_hash=prev_hash, now=amsterdam_afternoon)

    expected_text = (
        '{"action":"item.approved","actor_id":7,'
        '"after":{"comment":"Akkoord, wethouder Ünal","status":"approved"},'
        '"before":{"status":"submitted"},"municipality_id":3,"network_id":12,'
        '"object_id":"12:mandate.sponsor_named","object_type":"checklist_item",'
        '"occurred_at":"2024-03-01T12:05:09.001234Z","origin":"192.0.2.10","result":"ok",'
        '"seq":5}'
    )
    assert canonical_json(record) == expected_text
    expected_hash = hashlib.sha256(
        (prev_hash + "\n" + expected_text).encode("utf-8")).hexdigest()
    assert record.hash == expected_hash
    assert record.prev_hash == prev_hash
    assert record.occurred_at == datetime(2024, 3, 1, 12, 5, 9, 1234)


def test_missing_values_are_written_as_null_and_ids_as_text():
    draft = AuditDraft(municipality_id=None, actor_id=None, object_type="session",
                       object_id=None, action="auth.login", result="refused",
                       after={"reason": "unknown_account"})

    record = chain(draft, seq=1, prev_hash=GENESIS_HASH, now=datetime(2024, 1, 2, 3, 4, 5))

    assert canonical_json(record) == (
        '{"action":"auth.login","actor_id":null,"after":{"reason":"unknown_account"},'
        '"before":null,"municipality_id":null,"network_id":null,"object_id":null,'
        '"object_type":"session","occurred_at":"2024-01-02T03:04:05.000000Z","origin":null,'
        '"result":"refused","seq":1}'
    )
    assert record.hash == hashlib.sha256(
        ("0" * 64 + "\n" + canonical_json(record)).encode("utf-8")).hexdigest()


def test_an_integer_object_id_is_stored_as_text():
    draft = replace(approval_draft(1), object_id=12)

    assert chain(draft, seq=1, prev_hash=GENESIS_HASH, now=START).object_id == "12"


def test_timestamps_are_written_in_utc_with_microseconds():
    assert format_timestamp(datetime(2024, 7, 1, 0, 0, 0, 5)) == "2024-07-01T00:00:00.000005Z"
    summer = datetime(2024, 7, 1, 2, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert format_timestamp(summer) == "2024-07-01T00:00:00.000000Z"
    assert format_timestamp(datetime(2024, 7, 1, 0, 0, tzinfo=timezone.utc)) \
        == "2024-07-01T00:00:00.000000Z"


def test_a_chain_round_trips_through_verify():
    records = build_chain(5)

    result = verify_chain(records)

    assert result.ok and result.count == 5 and result.broken_seq is None
    assert records[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(records, records[1:]))


def test_an_empty_chain_verifies():
    result = verify_chain([])

    assert result.ok and result.count == 0


TAMPERED_VALUES = {
    "occurred_at": lambda r: r.occurred_at + timedelta(microseconds=1),
    "municipality_id": lambda r: 4,
    "actor_id": lambda r: 8,
    "object_type": lambda r: "network",
    "object_id": lambda r: "12:mandate.item_x",
    "network_id": lambda r: 13,
    "action": lambda r: "item.rejected",
    "result": lambda r: "refused",
    "origin": lambda r: "198.51.100.7",
    "before": lambda r: {"status": "open"},
    "after": lambda r: {**r.after, "status": "rejected"},
}


def test_every_hashed_field_but_seq_has_a_tampering_case():
    assert set(TAMPERED_VALUES) == set(HASHED_FIELDS) - {"seq"}


@pytest.mark.parametrize("field_name", sorted(TAMPERED_VALUES))
def test_changing_any_hashed_field_is_caught_at_that_record(field_name):
    records = build_chain(5)
    records[2] = replace(records[2], **{field_name: TAMPERED_VALUES[field_name](records[2])})

    result = verify_chain(records)

    assert not result.ok
    assert result.broken_seq == 3 and result.count == 2
    assert "hash does not match" in result.problem


def test_changing_a_stored_hash_is_caught_at_that_record():
    records = build_chain(5)
    records[3] = replace(records[3], hash="f" * 64)

    result = verify_chain(records)

    assert (result.ok, result.broken_seq) == (False, 4)


def test_changing_a_sequence_number_is_caught_as_a_gap():
    records = build_chain(5)
    records[2] = replace(records[2], seq=30)

    result = verify_chain(records)

    assert (result.ok, result.broken_seq) == (False, 3)
    assert "expected 3, found 30" in result.problem


def test_a_missing_record_is_caught_as_a_gap_at_its_sequence_number():
    records = build_chain(5)
    del records[2]

    result = verify_chain(records)

    assert (result.ok, result.broken_seq, result.count) == (False, 3, 2)
    assert "expected 3, found 4" in result.problem


def test_reordered_records_are_caught_where_the_order_breaks():
    records = build_chain(5)
    records[1], records[2] = records[2], records[1]

    result = verify_chain(records)

    assert (result.ok, result.broken_seq) == (False, 2)


def test_reordered_and_renumbered_records_break_the_links():
    records = build_chain(5)
    second, third = records[1], records[2]
    records[1], records[2] = replace(third, seq=2), replace(second, seq=3)

    result = verify_chain(records)

    assert (result.ok, result.broken_seq) == (False, 2)


def test_a_record_rechained_onto_a_wrong_previous_hash_is_caught_at_that_record():
    records = build_chain(5)
    forged = replace(records[2], prev_hash="1" * 64)
    records[2] = replace(forged, hash=compute_hash(forged.prev_hash, forged))

    result = verify_chain(records)

    assert (result.ok, result.broken_seq) == (False, 3)
    assert "prev_hash" in result.problem


def test_a_fully_rewritten_tail_is_only_consistent_if_every_later_hash_is_rewritten_too():
    records = build_chain(5)
    rewritten = replace(records[2], after={"status": "rejected"})
    records[2] = replace(rewritten, hash=compute_hash(rewritten.prev_hash, rewritten))

    result = verify_chain(records)

    assert (result.ok, result.broken_seq) == (False, 4)
    assert "prev_hash" in result.problem


# --- the canonical text is the README's recipe, whatever the values -----------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=8)
OPTIONAL_TEXT = st.none() | st.text(max_size=40)
RECORDS = st.builds(
    SimpleNamespace, seq=st.integers(1, 2**63 - 1),
    occurred_at=st.datetimes(timezones=st.none() | st.just(timezone.utc)),
    municipality_id=st.none() | st.integers(), actor_id=st.none() | st.integers(),
    object_type=st.text(max_size=40), object_id=OPTIONAL_TEXT,
    network_id=st.none() | st.integers(), action=st.text(max_size=60),
    result=st.sampled_from(["ok", "refused"]), origin=OPTIONAL_TEXT,
    before=st.none() | st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4),
    after=st.none() | st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4),
    trace_id=OPTIONAL_TEXT)


def readme_recipe(record) -> str:
    """The canonical text exactly as the README tells an auditor to build it."""
    values = {name: getattr(record, name) for name in HASHED_FIELDS}
    moment = values["occurred_at"]
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    values["occurred_at"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if record.trace_id is not None:
        values["trace_id"] = record.trace_id
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@given(RECORDS)
def test_the_canonical_text_is_the_documented_json_for_any_values(record):
    assert canonical_json(record) == readme_recipe(record)
    assert compute_hash("ab" * 32, record) == hashlib.sha256(
        ("ab" * 32 + "\n" + readme_recipe(record)).encode("utf-8")).hexdigest()


@given(RECORDS)
def test_verify_accepts_what_the_writer_hashed_for_any_values(record):
    record.seq, record.prev_hash = 1, GENESIS_HASH
    record.hash = compute_hash(GENESIS_HASH, record)

    assert verify_chain([record]).ok
