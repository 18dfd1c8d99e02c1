"""Benchmark the lifecycle engine and the audit hash chain (domain only, no database).

Prints figures; asserts nothing. Run: `python -m bench.engine [--rounds N]`.
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
from datetime import date, datetime, timezone
from pathlib import Path

from lifecycle.domain.audit import GENESIS_HASH, AuditDraft, chain, verify_chain
from lifecycle.domain.engine import LifecycleEngine
from lifecycle.domain.gates import NetworkFacts
from lifecycle.domain.workflow import load_workflows

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"


def _timed(label: str, rounds: int, action) -> None:
    start = time.perf_counter()
    for _ in range(rounds):
        action()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed / rounds * 1e6:9.1f} µs/op  ({rounds} ops)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()

    definition = next(iter(load_workflows(WORKFLOWS).values()))
    engine = LifecycleEngine(definition)
    # Facts that satisfy every automatic item of the start_core gate (orientation, mandate).
    facts = NetworkFacts("structural", "A justification of sufficient length.", ("policy",),
                         organisations_mapped=6, boards_approached=4, intakes_held=6,
                         mandate_valid_until=date(2099, 12, 31), today=date(2026, 12, 1))
    approved = {item_id: "approved" for item_id in definition.items}
    now = datetime.now(timezone.utc)

    _timed("load + validate workflow file", 50, lambda: load_workflows(WORKFLOWS))
    _timed("options() from orientation, nothing signed", args.rounds,
           lambda: engine.options("orientation", None, {}, facts))
    _timed("fire start_core, gate satisfied", args.rounds,
           lambda: engine.fire(stage="orientation", paused_from=None, trigger_id="start_core",
                               statuses=approved, facts=facts, reason=None, actor_id=1, now=now))

    tracemalloc.start()
    records = []
    prev = GENESIS_HASH
    start = time.perf_counter()
    for seq in range(1, args.records + 1):
        record = chain(AuditDraft(1, 7, "network", "42", "network.updated", network_id=42,
                                  origin="127.0.0.1", before={"name": "A"}, after={"name": "B"}),
                       seq=seq, prev_hash=prev, now=now)
        records.append(record)
        prev = record.hash
    elapsed = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'chain ' + str(args.records) + ' audit records':<44} {elapsed / args.records * 1e6:9.1f} µs/op"
          f"  (peak {peak / 2**20:.1f} MiB incl. the list)")
    start = time.perf_counter()
    result = verify_chain(records)
    elapsed = time.perf_counter() - start
    print(f"{'verify ' + str(result.count) + ' audit records':<44} {elapsed / args.records * 1e6:9.1f} µs/op"
          f"  (ok={result.ok})")


if __name__ == "__main__":
    main()
