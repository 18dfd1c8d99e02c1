"""Small helpers the services share: turning a user into a domain actor, loading a network in
scope (to read it, to read its people, or to change it), and recording a refused attempt."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.util import identity_key

from ..domain.audit import RESULT_REFUSED, AuditDraft
from ..domain.errors import DomainError, NotAllowed, NotFound, ReadOnly
from ..domain.permissions import Actor, ensure_can_read_people, ensure_is_lead_of
from ..extensions import db
from ..models import Network, User, utcnow
from .workflows import catalogue, workflow_of


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, municipality_id=user.municipality_id, roles=user.roles)


def now_or(now: datetime | None) -> datetime:
    return now or utcnow()


def load_network(user: User, network_id: int, *, for_update: bool = False) -> Network:
    """Load a network of the user's municipality; anything else is simply not found."""
    if not isinstance(network_id, int) or isinstance(network_id, bool):
        raise NotFound("No such network.")
    if not for_update:
        loaded = _loaded_network(network_id)
        if loaded is not None and loaded.municipality_id == user.municipality_id:
            return loaded
    query = select(Network).where(
        Network.id == network_id, Network.municipality_id == user.municipality_id
    )
    if for_update:
        # A write needs the row, not its lead and their roles: they load only when used.
        query = query.with_for_update(of=Network).options(lazyload(Network.lead))
    network = db.session.scalars(query).one_or_none()
    if network is None:
        if db.session.scalar(select(Network.id).where(Network.id == network_id)) is not None:
            # It exists, in another municipality: the same 404, but recorded as a refusal.
            from .security_events import note_out_of_scope

            note_out_of_scope("network", network_id)
        raise NotFound("No such network.")
    return network


def _loaded_network(network_id: int) -> Network | None:
    """The network as this unit of work already loaded it, if it did (fully, not expired).

    A query for it would hand back this same object, attributes untouched (the session keeps
    one object per row); the network page's services ask for it four times.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return None  # the query would flush these first: a deleted network is then gone
    network = session.identity_map.get(identity_key(Network, network_id))
    if network is None or inspect(network).expired_attributes:
        return None
    return network


def writable_network(user: User, network_id: int) -> Network:
    """The network, locked for this transaction, if it is not closed (who may change what is
    checked by the caller, so a refusal can be audited against the network)."""
    network = load_network(user, network_id, for_update=True)
    if workflow_of(network).is_final(network.stage):
        raise ReadOnly("This network is closed and can no longer change.")
    return network


def people_readable_network(user: User, network_id: int) -> Network:
    """The network, if the user may read its people (`permissions.ensure_can_read_people`)."""
    network = load_network(user, network_id)
    ensure_can_read_people(actor_of(user), network)
    return network


def with_refusal(exc: DomainError, user: User, network: Network, object_type: str,
                 object_id: int | None, action: str, origin: str | None, now: datetime | None,
                 **after: Any) -> DomainError:
    """Attach the audit record of a refused attempt; the unit of work writes it after rollback."""
    exc.refusal = AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type=object_type,
        object_id=None if object_id is None else str(object_id), network_id=network.id,
        action=action, result=RESULT_REFUSED, origin=origin,
        after={"refusal": exc.code, **after}, attempted_at=now)
    return exc


def ensure_lead(user: User, network: Network, object_type: str, object_id: int | None,
                action: str, origin: str | None, now: datetime | None) -> None:
    """Only the network's lead may go on; a refusal is audited."""
    try:
        ensure_is_lead_of(actor_of(user), network)
    except NotAllowed as exc:
        raise with_refusal(exc, user, network, object_type, object_id, action, origin, now)


def districts_of(network: Network) -> tuple[str, ...]:
    return catalogue().vocabularies.districts_of(network.municipality.slug)
