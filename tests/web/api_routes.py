"""The API's network routes read from the URL map, with a body that passes each route's schema.

Shared by the scope test (`test_api_networks`) and the permission walk (`test_permissions`): a
404 or 403 is then the scope or role check speaking, not a 422 from the schema. A write route
missing from `API_BODIES` is sent an empty object, and the walks fail on its 422, so a new
route cannot slip through unchecked.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

TODAY = date.today()
SOON = (TODAY + timedelta(days=14)).isoformat()
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

API_BODIES = {
    "POST /api/v1/networks": {"name": "Netwerk Overvecht", "goal": "Spanningen vroeg zien."},
    "PATCH /api/v1/networks/<int:network_id>": {"name": "Overgenomen"},
    "POST /api/v1/networks/<int:network_id>/items/<item_id>/submit": {"evidence": "Tekst"},
    "POST /api/v1/networks/<int:network_id>/items/<item_id>/reject": {"comment": "Nee"},
    "POST /api/v1/networks/<int:network_id>/items/<item_id>/revoke": {"reason": "Fout"},
    "POST /api/v1/networks/<int:network_id>/transitions": {"trigger": "close", "reason": "Weg"},
    "POST /api/v1/networks/<int:network_id>/organisations": {
        "name": "Sportclub Zuilen", "type": "sports_club", "influence": "high",
        "involvement": "low"},
    "PATCH /api/v1/networks/<int:network_id>/organisations/<int:organisation_id>": {
        "influence": "low"},
    "POST /api/v1/networks/<int:network_id>/members": {"name": "Fatima Zuilen"},
    "PATCH /api/v1/networks/<int:network_id>/members/<int:member_id>": {"name": "Fatima Z."},
    "POST /api/v1/networks/<int:network_id>/members/<int:member_id>/steps": {"step": "approach"},
    "POST /api/v1/networks/<int:network_id>/members/<int:member_id>/erase": {
        "reason": "Op verzoek van de persoon."},
    "PUT /api/v1/networks/<int:network_id>/profile": {"profile_id": "neighbourhood_signaling"},
    "POST /api/v1/networks/<int:network_id>/meetings": {
        "held_on": TODAY.isoformat(), "form": "core"},
    "PATCH /api/v1/networks/<int:network_id>/meetings/<int:meeting_id>": {"notes": "Aangevuld."},
    "POST /api/v1/networks/<int:network_id>/meetings/<int:meeting_id>/agreements": {
        "text": "Wijkagent uitnodigen.", "due_on": SOON},
    "POST /api/v1/networks/<int:network_id>/signals": {
        "reported_on": TODAY.isoformat(), "theme": "liveability",
        "description": "Klachten over afval rond het buurthuis.", "urgency": "normal"},
    "PATCH /api/v1/networks/<int:network_id>/signals/<int:signal_id>": {
        "deeper_theme": "tension_between_groups"},
    "POST /api/v1/networks/<int:network_id>/signals/<int:signal_id>/steps": {"step": "assess"},
    "POST /api/v1/networks/<int:network_id>/inputs": {
        "summary": "Jongeren missen een plek.", "recipient": "Afdeling Jeugd", "due_on": SOON},
    "POST /api/v1/networks/<int:network_id>/inputs/<int:input_id>/answer": {
        "answer": "Het buurthuis gaat op vrijdag open."},
    "POST /api/v1/networks/<int:network_id>/briefings": {
        "kind": "briefing", "title": "Jongerenbeleid", "summary": "De plannen toegelicht."},
}


def api_routes(app, *, network_only: bool = True) -> list[tuple[str, object]]:
    """Every (method, rule) of the API, read from the URL map (only the network's by default)."""
    return sorted(
        ((method, rule) for rule in app.url_map.iter_rules()
         if rule.rule.startswith("/api/")
         and (not network_only or "network_id" in rule.arguments)
         for method in rule.methods - {"HEAD", "OPTIONS"}),
        key=lambda pair: (pair[1].rule, pair[0]))


def api_request(client, method: str, rule, fillers: dict[str, object]):
    """Send `method` to `rule` with its arguments from `fillers` (any other id: 1) and a body."""
    def fill(match):
        name = match.group(2)
        return str(fillers.get(name, 1))
    path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule.rule)
    body = API_BODIES.get(f"{method} {rule.rule}", {}) if method in WRITE_METHODS else None
    headers = {"If-Match": "*"} if method in ("PATCH", "PUT") else None
    return client.request(method, path, json=body, headers=headers)
