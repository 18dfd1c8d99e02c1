"""Rules for personal data: no special categories, pseudonymous log references, retention.

- `special_category_terms` finds words that point at a special category of personal data
  (AVG art. 9: religion or belief, ethnic origin, political opinion, health, sex life,
  trade-union membership, genetic or biometric data). The vocabulary loader refuses such words
  in any term a person can be given, and a test applies it to the database schema.
- `subject_reference` is the pseudonymous id of a data subject in the processing log: a keyed
  hash, so the log alone does not say who, and lines stay findable for a subject access request.
- `retention_ends` says when a person's data must be erased: a period per processing activity,
  counted from the moment the person left the network (or declined) or the network closed.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import Iterable

from .calendar import add_months as calendar_add_months

# Word stems in Dutch and English; matched at the start of a word, case-insensitively.
SPECIAL_CATEGORY_STEMS = (
    "religi", "geloof", "gelovig", "faith", "belief", "levensbeschouw", "kerkgenootschap",
    "etni", "ethnic", "afkomst", "herkomst", "origin", "nationalit", "ras", "race", "racial",
    "huidskleur", "politi", "partij", "vakbond", "trade_union", "trade union", "union_member",
    "gezondheid", "health", "medisch", "medical", "ziekte", "handicap", "disab",
    "seksu", "sexual", "geaardheid", "orientation", "genetic", "genetisch", "biometri",
    "strafrecht", "criminal",
)
_SPECIAL = re.compile(r"(?<![a-z])(" + "|".join(re.escape(s) for s in SPECIAL_CATEGORY_STEMS)
                      + r")", re.IGNORECASE)

MAX_NOTE_LENGTH = 500


def special_category_terms(text: str) -> list[str]:
    """The special-category word stems found in `text` (field names, vocabulary terms)."""
    return sorted({match.group(1).lower() for match in _SPECIAL.finditer(text or "")})


def subject_reference(key: bytes, kind: str, object_id: int) -> str:
    """The pseudonymous reference of one data subject, e.g. a person, in the processing log."""
    message = f"{kind}:{object_id}".encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def add_months(moment: datetime, months: int) -> datetime:
    """The same moment `months` later, on the last day of the month when that day is missing."""
    later = calendar_add_months(moment.date(), months)
    return moment.replace(year=later.year, month=later.month, day=later.day)


def retention_ends(ended_at: datetime | None, retention_months: Iterable[int]) -> datetime | None:
    """When data kept since `ended_at` (leaving, declining or closing) must be gone.

    None while the person is still part of an open network (`ended_at` is None). The longest
    period among the processing activities that used the data applies.
    """
    periods = list(retention_months)
    if ended_at is None or not periods:
        return None
    return add_months(ended_at, max(periods))
