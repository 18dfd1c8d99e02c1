"""Small helpers the services share: turning a user into a domain actor, loading in scope."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.errors import NotFound
from ..domain.permissions import Actor
from ..extensions import db
from ..models import Network, User, utcnow


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, municipality_id=user.municipality_id, roles=user.roles)


def now_or(now: datetime | None) -> datetime:
    return now or utcnow()


def load_network(user: User, network_id: int, *, for_update: bool = False) -> Network:
    """Load a network of the user's municipality; anything else is simply not found."""
    if not isinstance(network_id, int) or isinstance(network_id, bool):
        raise NotFound("No such network.")
    query = select(Network).where(
        Network.id == network_id, Network.municipality_id == user.municipality_id
    )
    if for_update:
        query = query.with_for_update(of=Network)
    network = db.session.scalars(query).one_or_none()
    if network is None:
        raise NotFound("No such network.")
    return network
