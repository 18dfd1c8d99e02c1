"""schemathesis walks the whole API contract, as four kinds of user, and finds nothing wrong.

The contract is read from the app itself (`schemathesis.openapi.from_wsgi`, no server), then
schemathesis's own engine runs every phase the command line runs: the examples in the contract,
coverage of the boundaries (and of methods a route does not allow), random fuzzing, and stateful
sequences that follow the contract's links from "create a network" to reading it, its checklists
and its steps. Every check is on: no server error, status codes, content types, response schemas
and headers as documented, data outside the schema refused, data inside it accepted, required
headers, authentication.

It runs once for each of: the lead of a network, a reviewer, an auditor (all of municipality A,
which holds networks with evidence to sign off) and a user of municipality B with every role.
The seed is fixed and the number of examples bounded, so a run takes a predictable time. The
figures of each run are printed at the end of the test session.

Two checks get a wider set of answers than their defaults, each for a reason of the contract
rather than to hide a fault:
- `positive_data_acceptance`: 412 is the correct answer to an If-Match the schema allows but
  that names a version no longer current; 422 to input that breaks a rule no JSON Schema can
  state, on the operations listed in `RULES_BEYOND_THE_SCHEMA`, each with its rule.
- `missing_required_header`: 428 is the documented answer to an edit without If-Match.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

SEED = 20261201
MAX_EXAMPLES = 12
STATEFUL_STEPS = 8

# Operations where schema-valid input can still break a rule no JSON Schema can state.
RULES_BEYOND_THE_SCHEMA = {
    "create_network": "lead_id must be an active project lead of your municipality",
    "update_network": "lead_id must be an active project lead of your municipality",
    "fire_transition": "some steps of the workflow need a reason",
    "audit_log": "a period must not end before it starts",
    "submit_evidence": "an item takes the structured details of what it records, and only those",
    # Vocabularies are data loaded at startup, and references point into one network's registers.
    "create_organisation": "the type and board outcome come from the vocabularies (data)",
    "update_organisation": "the type, board outcome and approaching user must exist",
    "create_member": "the characteristics come from the vocabularies; the organisation is the "
                     "network's own",
    "update_member": "the characteristics come from the vocabularies; the organisation is the "
                     "network's own",
    "take_member_step": "the step must be possible from the person's state, with its outcome",
    "set_network_profile": "the profile and its targets come from the profiles (data)",
    "create_meeting": "the form and topics come from the vocabularies; attendees are the "
                      "network's people; no date in the future",
    "update_meeting": "the form and topics come from the vocabularies; attendees are the "
                      "network's people; no date in the future",
    "add_agreement": "the owner is one of the network's people",
    "complete_agreement": "no date in the future",
    "record_signal": "theme, urgency and district come from the vocabularies; the source is one "
                     "of the network's people; no date in the future",
    "update_signal": "only a liveability signal has a deeper theme; the source is the network's",
    "take_signal_step": "a forward names a partner from the vocabulary; close needs a reason",
    "hand_to_policy": "exactly one source (a signal or an agreement of the network); a due date "
                      "not in the past",
    "record_answer": "the answer is not dated before the input or in the future",
    "share_briefing": "no date in the future",
}
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]


@dataclass
class RunFigures:
    """What one schemathesis run did, for the summary at the end of the run."""

    user: str
    seconds: float = 0.0
    scenarios: int = 0
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    checks: Counter = field(default_factory=Counter)
    phases: Counter = field(default_factory=Counter)
    phase_seconds: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def schemathesis_config(token: str) -> schemathesis.Config:
    operations = [{
        "include-operation-id": operation_id,
        "checks": {"positive_data_acceptance": {
            "expected-statuses": [*POSITIVE_STATUSES, "422"]}},
    } for operation_id in RULES_BEYOND_THE_SCHEMA]
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
        # Reusing values from earlier answers costs time that grows with every answer kept
        # (networks created by the run); the links of the stateful phase reach real objects.
        "phases": {"stateful": {"max-steps": STATEFUL_STEPS},
                   "fuzzing": {"extra-data-sources": {"responses": False}},
                   "coverage": {"extra-data-sources": {"responses": False}},
                   "examples": {"extra-data-sources": {"responses": False}}},
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES},
            "missing_required_header": {"expected-statuses": ["400", "401", "403", "406",
                                                              "415", "422", "428"]},
        },
        "operations": operations,
        "warnings": False,
    })


def describe_failure(check, interaction) -> str:
    """The failed check, the request that shows it, and what the API answered."""
    info = check.failure_info
    text = f"{check.name}: {info.failure.title if info else ''}\n{info.failure.message if info else ''}"
    if info is not None and info.code_sample:
        text += f"\n{info.code_sample[:1500]}"
    if interaction is not None and interaction.response is not None:
        answer = interaction.response
        text += f"\nanswered {answer.status_code}: {answer.content[:600]!r}"
    return text


def run_schemathesis(app, user_label: str, token: str) -> RunFigures:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                            config=schemathesis_config(token))
    figures = RunFigures(user_label)
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            figures.scenarios += 1
            figures.phases[event.phase.value] += 1
            figures.phase_seconds[event.phase.value] += event.elapsed_time
            for interaction in event.recorder.interactions.values():
                figures.requests += 1
                if interaction.response is not None:
                    figures.statuses[interaction.response.status_code] += 1
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    figures.checks[(check.name, check.status.value)] += 1
                    if check.status == Status.FAILURE:
                        figures.failures.append(describe_failure(
                            check, event.recorder.interactions.get(case_id)))
        elif isinstance(event, events.NonFatalError):
            figures.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            figures.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            figures.seconds = event.running_time
    return figures


@pytest.fixture(autouse=True)
def wsgi_transport_ignores_socket_settings(monkeypatch):
    """Work around schemathesis 4.32: without a `requests` session its WSGI transport passes
    socket settings (max_redirects, verify, cert, proxies) on to werkzeug, which refuses them;
    in-process they mean nothing, as the transport itself says for the session case."""
    from schemathesis.transport.wsgi import WSGITransport

    send = WSGITransport.send

    def send_without_socket_settings(self, case, *, session=None, **kwargs):
        if session is None:
            for name in ("max_redirects", "verify", "cert", "proxies"):
                kwargs.pop(name, None)
        return send(self, case, session=session, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", send_without_socket_settings)


@pytest.fixture
def municipality_a(make_user, make_network, sign_off):
    """Networks of A in orientation and the small core, with evidence waiting for sign-off."""
    from lifecycle.services.checklists import submit_evidence
    from lifecycle.services.lifecycle import advance_network
    from lifecycle.services.uow import write_transaction

    lead = make_user("lead", municipality="Utrecht", name="Lea Lead")
    reviewer = make_user("reviewer", municipality="Utrecht", name="Rik Reviewer")
    auditor = make_user("auditor", municipality="Utrecht", name="Ada Auditor")
    first = make_network(lead, name="Netwerk Noord")
    for item_id in ("orientation.problem_goal", "mandate.sponsor_named"):
        with write_transaction():
            submit_evidence(lead, first.id, item_id, "Besproken en vastgelegd.")
    second = make_network(lead, name="Netwerk Zuid")
    sign_off(second, lead, reviewer, "orientation", "mandate", "church_state")
    with write_transaction():
        advance_network(lead, second.id, "start_core")
    return {"lead": lead, "reviewer": reviewer, "auditor": auditor}


@pytest.mark.parametrize("user_label", ["lead", "reviewer", "auditor", "other municipality"])
def test_schemathesis_finds_no_fault_in_the_api(app, make_user, api_token, municipality_a,
                                                user_label, unexpected_errors, record_property):
    if user_label == "other municipality":
        user = make_user("lead", "reviewer", "auditor", "admin", municipality="Venlo")
    else:
        user = municipality_a[user_label]
    figures = run_schemathesis(app, user_label, api_token(user))
    # Printed at the end of the run by the root conftest's terminal summary.
    record_property("summary:schemathesis", summary_lines([figures]))
    assert figures.scenarios > 0 and figures.requests > 0
    assert not figures.errors, "\n".join(figures.errors[:10])
    if figures.failures:
        Path(os.environ.get("SCHEMATHESIS_FAILURES", "/dev/null")).write_text(
            "\n\n".join(figures.failures))
    assert not figures.failures, "\n\n".join(figures.failures[:8])
    assert not unexpected_errors.refresh(), "a request reached the last-resort 500 handler"


def summary_lines(runs: list[RunFigures]) -> list[str]:
    """The figures of these runs, one block per user."""
    lines = []
    for figures in runs:
        passed = sum(n for (_name, status), n in figures.checks.items() if status == "success")
        failed = sum(n for (_name, status), n in figures.checks.items() if status == "failure")
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(figures.statuses.items()))
        phases = ", ".join(f"{phase} {n} in {figures.phase_seconds[phase]:.1f} s"
                           for phase, n in sorted(figures.phases.items()))
        lines.append(f"schemathesis as {figures.user}: {figures.requests} requests in "
                     f"{figures.scenarios} scenarios ({phases}), {figures.seconds:.1f} s; "
                     f"checks passed {passed}, failed {failed}")
        lines.append(f"  statuses: {statuses}")
        by_check = defaultdict(int)
        for (name, status), n in figures.checks.items():
            by_check[name] += n
        lines.append("  checks run: " + ", ".join(f"{name} {n}"
                                                   for name, n in sorted(by_check.items())))
    return lines
