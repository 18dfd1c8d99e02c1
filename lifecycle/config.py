"""Settings from the environment, with defaults that are safe for development.

`DATABASE_URL` selects the database (default: a SQLite file in the instance folder).
`SECRET_KEY` signs sessions; without it a random key is made once in the instance folder and
reused, so the app never runs with a fixed, known key.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def normalise_database_url(url: str) -> str:
    """Let `postgresql://` URLs use psycopg 3, the driver we install."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def instance_secret_key(instance_path: str, filename: str = "secret_key") -> str:
    """Read an instance key file, making a random key (mode 0600) the first time."""
    path = Path(instance_path) / filename
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: when two workers start at once, exactly one writes and both read that one.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


# The NL Design System themes the app can serve: the token stylesheet (inside node_modules)
# and the class that activates it. A municipality picks one by its slug in MUNICIPALITY_THEMES.
THEMES = {
    "voorbeeld": {
        "stylesheet": "@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css",
        "class": "voorbeeld-theme",
        "fonts": ("@fontsource/noto-sans/400.css", "@fontsource/noto-sans/700.css",
                  "@fontsource/noto-serif/700.css"),
    },
    "utrecht": {
        "stylesheet": "@utrecht/design-tokens/dist/index.css",
        "class": "utrecht-theme",
        "fonts": (),
    },
}


def parse_municipality_themes(value: str) -> dict[str, str]:
    """Read "slug=theme,slug=theme" (e.g. "utrecht=utrecht"); unknown themes stop startup."""
    themes: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in value.split(","))):
        slug, _, theme = pair.partition("=")
        if theme.strip() not in THEMES:
            raise ValueError(f"MUNICIPALITY_THEMES: unknown theme '{theme.strip()}' for '{slug}'")
        themes[slug.strip()] = theme.strip()
    return themes


def env_flag(name: str, default: bool) -> bool:
    """A yes/no setting: 1, true, yes or on mean yes; 0, false, no or off mean no."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}: say 1 or 0, not {value!r}")


def env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name}: give a number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name}: give a positive number, not {value!r}")
    return number


def load_config(instance_path: str) -> dict:
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{Path(instance_path) / 'voelspriet.sqlite3'}"
    )
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or instance_secret_key(instance_path),
        # Keys the pseudonymous data-subject references of the processing log; keep it with the
        # secret key (a new key makes older log lines unfindable for subject access requests).
        "PROCESSING_LOG_KEY": os.environ.get("PROCESSING_LOG_KEY")
        or instance_secret_key(instance_path, "processing_log_key"),
        # The Ed25519 key that signs audit checkpoints (`audit keygen` makes it, mode 0600), and
        # where the signed checkpoints go. Keep both off the database host in production.
        "AUDIT_SIGNING_KEY": os.environ.get("AUDIT_SIGNING_KEY")
        or str(Path(instance_path) / "audit_signing_key"),
        "AUDIT_CHECKPOINT_DIR": os.environ.get("AUDIT_CHECKPOINT_DIR")
        or str(Path(instance_path) / "audit-checkpoints"),
        # The application log: one JSON object per line on standard error.
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # FULL: a committed audit record survives a power cut (see lifecycle/database.py).
        "SQLITE_SYNCHRONOUS": os.environ.get("SQLITE_SYNCHRONOUS", "FULL").upper(),
        "WORKFLOWS_DIR": os.environ.get("WORKFLOWS_DIR", str(PROJECT_ROOT / "workflows")),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PAGE_SIZE": 50,
        "DEFAULT_THEME": os.environ.get("DEFAULT_THEME", "voorbeeld"),
        "MUNICIPALITY_THEMES": parse_municipality_themes(os.environ.get("MUNICIPALITY_THEMES", "")),
        "NODE_MODULES": os.environ.get("NODE_MODULES", str(PROJECT_ROOT / "node_modules")),
        "WTF_CSRF_TIME_LIMIT": None,
        # Behind a reverse proxy, set TRUSTED_PROXIES to the number of proxies in front of us
        # so the audit trail records the client's address rather than the proxy's.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Redis for sessions and throttling counters; without it, sessions live in the database
        # and the counters in each process's memory (fine for one process, as in the demo).
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SESSION_IDLE_MINUTES": env_number("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": env_number("SESSION_ABSOLUTE_HOURS", 12),
        "SESSION_REFRESH_SECONDS": 60,
        "SESSION_KEY_PREFIX": "voelspriet:session:",
        # Two-factor login for every account; switch it off only for a demo or development.
        "MFA_REQUIRED": env_flag("MFA_REQUIRED", True),
        # How long the step between the password and the code may take.
        "MFA_PENDING_MINUTES": 5,
        # Failed attempts allowed per window (login, code, API token), per account and address.
        "THROTTLE_PER_ACCOUNT": os.environ.get("THROTTLE_PER_ACCOUNT", "5 per 15 minutes"),
        "THROTTLE_PER_ADDRESS": os.environ.get("THROTTLE_PER_ADDRESS", "50 per 15 minutes"),
        "RATELIMIT_KEY_PREFIX": "voelspriet:throttle",
        "RATELIMIT_STRATEGY": "fixed-window",
        **mail_config(),
    }


def mail_config() -> dict:
    """SMTP for notifications, read by Flask-Mail. Without SMTP_HOST no mail is sent: each
    notification is written to the log instead, and the app shows it in every case."""
    port = os.environ.get("SMTP_PORT", "").strip()
    if port and not port.isdigit():
        raise ValueError(f"SMTP_PORT: give a port number, not {port!r}")
    use_ssl = env_flag("SMTP_SSL", False)
    return {
        "MAIL_SERVER": os.environ.get("SMTP_HOST") or None,
        "MAIL_PORT": int(port) if port else (465 if use_ssl else 587),
        "MAIL_USERNAME": os.environ.get("SMTP_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "MAIL_USE_TLS": env_flag("SMTP_STARTTLS", not use_ssl),
        "MAIL_USE_SSL": use_ssl,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_FROM") or "voelspriet@localhost",
        # Flask-Mail would suppress sending whenever TESTING is on; whether mail goes out is
        # decided by SMTP_HOST alone, so the tests can send to their real local SMTP server.
        "MAIL_SUPPRESS_SEND": False,
        "SMTP_TIMEOUT": env_number("SMTP_TIMEOUT", 30),
        # The address people use to reach the app, for the links in notification mails.
        "PUBLIC_URL": (os.environ.get("PUBLIC_URL") or "http://localhost:5000").rstrip("/"),
    }
