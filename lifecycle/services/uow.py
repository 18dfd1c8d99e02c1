"""The write transaction: one commit per request, and refused attempts that still get audited.

`write_transaction()` ends any read transaction the request had open, marks the next transaction
as a write (SQLite then starts it with BEGIN IMMEDIATE), and commits when the block ends. If a
domain error escapes, everything is rolled back; when the error carries a refusal draft (a
blocked transition, a four-eyes refusal, a failed login), that record alone is then written in a
fresh transaction, so a refusal never leaves half a change behind.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..database import write_intent
from ..domain.errors import Conflict, DomainError
from ..extensions import db
from ..models import Municipality, User, UserRole

log = logging.getLogger(__name__)


# The acting user as the request loaded it (with their roles and municipality), which every
# permission check of the request goes by: kept across the end of the read transaction, so the
# write does not read them again.
IDENTITY_TYPES = (User, UserRole, Municipality)


def _start_write() -> None:
    session = db.session()  # the request's actual Session behind the scoped proxy
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("write_transaction() started with unflushed changes in the session")
    if session.in_transaction():
        # End the read transaction (nothing is pending). Everything it loaded is expired, so
        # the write reads it afresh, except the acting identity.
        expire_on_commit = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire_on_commit  # `keep_loaded` may have set it
        for loaded in list(session.identity_map.values()):
            if not isinstance(loaded, IDENTITY_TYPES):
                session.expire(loaded)
    write_intent.set(True)


@contextmanager
def write_transaction(*, keep_loaded: bool = False) -> Iterator[None]:
    """Run the block as one write transaction; see the module docstring.

    `keep_loaded`: what the block loaded stays loaded after the commit, for a read that writes
    only its processing-log lines and is shown right after (otherwise every row it loaded, and
    each row's relations, would be loaded again one by one).
    """
    token = write_intent.set(write_intent.get())
    session = db.session()
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = expire_on_commit and not keep_loaded
    _start_write()
    try:
        yield
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.refusal is not None:
            _record_refusal(exc.refusal)
        raise
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict("Someone else changed this at the same moment. Reload and try again.") from exc
    except IntegrityError as exc:
        db.session.rollback()
        # The driver's message can quote the clashing row's values (an e-mail address): only
        # its kind goes to the log.
        log.info("integrity error turned into a conflict",
                 extra={"error": type(exc.orig).__name__})
        raise Conflict("This clashes with data that was saved at the same moment.") from exc
    except BaseException:
        db.session.rollback()
        raise
    finally:
        session.expire_on_commit = expire_on_commit
        write_intent.reset(token)


def _record_refusal(draft) -> None:
    from .audit import append_audit  # local: audit imports this module's helpers indirectly

    from .security_events import note_refusal_recorded

    try:
        append_audit(draft, draft.attempted_at)
        db.session.commit()
        note_refusal_recorded()
    except Exception:  # the refusal itself must still reach the caller
        db.session.rollback()
        log.exception("could not record a refused attempt in the audit trail")
