"""Server-side sessions that really end: Flask-Session with the database, or Redis, as store.

The cookie holds only a random session id; the data lives in `web_session` (the default) or in
Redis when `REDIS_URL` is set. A session ends:

- at logout: its stored data is deleted and the browser gets a new id, so the old cookie names
  nothing any more;
- when the user's `session_generation` changes: every session stores the generation it was
  made in, and the user loader compares it with the user's row on every request. Deactivating a
  user, changing their password or roles, and resetting or enrolling their second factor bump
  it, which ends all their sessions at once, on every worker and every host, with no list of
  sessions to hunt down (Flask-Session cannot find "all sessions of user X", and Redis keys
  cannot be searched by content);
- after `SESSION_IDLE_MINUTES` without a request (the store's expiry slides with activity) and
  `SESSION_ABSOLUTE_HOURS` after the login, whatever happens in between.

The store's expiry is refreshed at most once a `SESSION_REFRESH_SECONDS`, so a page with its
stylesheets and a burst of clicks cost one write, not one per request; the idle timeout is
exact to within that interval. The database store writes in a transaction of its own (on SQLite
with `BEGIN IMMEDIATE`), never inside the request's own unit of work.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Optional

from flask import Flask, current_app, g, session
from flask_login import login_user, logout_user
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from .database import write_intent
from .extensions import db
from .models import User, WebSession, utcnow

GENERATION = "_generation"
LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
LANGUAGE = "lang"
USED = "_voelspriet_session_used"


class ActivityRefresh:
    """Write the session when it changed, or when it was used and its expiry is due a refresh."""

    def should_set_storage(self, app: Flask, session: ServerSideSession) -> bool:
        # Flask marks every session "accessed" that any extension glances at; "used" means
        # the request acted as the user (a stylesheet or a health check does not).
        now = int(time.time())
        if g.get(USED) and now - (session.get(SEEN_AT) or 0) >= \
                app.config["SESSION_REFRESH_SECONDS"]:
            session[SEEN_AT] = now  # marks the session modified: stored, and the cookie sent
        return session.modified


class DatabaseSessionInterface(ActivityRefresh, ServerSideSessionInterface):
    """Flask-Session's interface on our own `web_session` table (created by the migrations).

    Flask-Session's own SQLAlchemy store declares its model anew for every app and commits the
    request's ORM session; this one reads and writes on a connection of its own.
    """

    ttl = False  # expired rows stay until `flask --app wsgi session_cleanup` removes them

    def _retrieve_session_data(self, store_id: str) -> Optional[dict]:
        with db.engine.connect() as connection:
            row = connection.execute(
                select(WebSession.data, WebSession.expiry)
                .where(WebSession.session_id == store_id)).first()
        if row is None or row.expiry <= utcnow():
            return None
        return self.serializer.decode(row.data)

    def _write(self, statement) -> int:
        token = write_intent.set(True)
        try:
            with db.engine.begin() as connection:
                return connection.execute(statement).rowcount
        finally:
            write_intent.reset(token)

    def _delete_session(self, store_id: str) -> None:
        self._write(delete(WebSession).where(WebSession.session_id == store_id))

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession,
                        store_id: str) -> None:
        values = {"session_id": store_id, "data": self.serializer.encode(session),
                  "expiry": utcnow() + session_lifetime}
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(WebSession).values(**values)
        self._write(statement.on_conflict_do_update(
            index_elements=[WebSession.session_id],
            set_={"data": statement.excluded.data, "expiry": statement.excluded.expiry}))

    def _delete_expired_sessions(self) -> None:
        removed = self._write(delete(WebSession).where(WebSession.expiry <= utcnow()))
        print(f"{removed} expired sessions removed")


class RedisSessions(ActivityRefresh, RedisSessionInterface):
    """Flask-Session's Redis store; Redis drops a session itself when its expiry passes."""


def init_sessions(app: Flask) -> None:
    """Install the server-side session store the configuration asks for."""
    config = app.config
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    common: dict[str, Any] = {
        "key_prefix": config["SESSION_KEY_PREFIX"],
        "use_signer": False,
        # A browser-session cookie (no Expires): closing the browser forgets it; the store
        # keeps its own expiry.
        "permanent": False,
        "sid_length": 32,
        "serialization_format": "msgpack",
    }
    if config.get("REDIS_URL"):
        from redis import Redis

        app.session_interface = RedisSessions(
            app, client=Redis.from_url(config["REDIS_URL"]), **common)
    else:
        app.session_interface = DatabaseSessionInterface(app, **common)


def _reset_keeping_language() -> None:
    language = session.get(LANGUAGE)
    session.clear()
    if language:
        session[LANGUAGE] = language


def start_session(user: User) -> None:
    """Log `user` in on a fresh session, with a new id: nothing from before survives."""
    _reset_keeping_language()
    login_user(user)
    session[GENERATION] = user.session_generation
    session[LOGIN_AT] = session[SEEN_AT] = int(time.time())
    current_app.session_interface.regenerate(session)


def renew_session(user: User) -> None:
    """Keep the user's own session after they ended all their sessions (say, a new password)."""
    session[GENERATION] = user.session_generation
    current_app.session_interface.regenerate(session)


def end_session() -> None:
    """Log out: the stored session is deleted and the browser gets a new id."""
    logout_user()
    _reset_keeping_language()
    current_app.session_interface.regenerate(session)


def session_is_current(user: User) -> bool:
    """Does this request's session still belong to `user`: same generation, within both limits?"""
    now = time.time()
    config = current_app.config
    login_at = session.get(LOGIN_AT) or 0
    seen_at = session.get(SEEN_AT) or login_at
    return (
        user.is_active
        and session.get(GENERATION) == user.session_generation
        and now - login_at <= config["SESSION_ABSOLUTE_HOURS"] * 3600
        and now - seen_at <= config["SESSION_IDLE_MINUTES"] * 60
    )


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user, if this session may still act for them."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not session_is_current(user):
        _reset_keeping_language()
        return None
    setattr(g, USED, True)
    return user
