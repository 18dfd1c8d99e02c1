"""Which TOTP code counts: only a code of the current 30-second step or the one just before or
after it, and each step at most once, whatever order codes are tried in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyotp
from hypothesis import event, given, settings
from hypothesis import strategies as st

from lifecycle.domain.accounts import TOTP_DRIFT_STEPS, accepted_totp_step

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
TOTP = pyotp.TOTP(SECRET)

# One attempt: seconds since START (the clock only moves on), and which step's code is typed
# relative to the step of that moment (-3..3), or a made-up code.
attempts = st.lists(st.tuples(st.integers(0, 40), st.one_of(st.integers(-3, 3), st.none())),
                    min_size=1, max_size=25)


@settings(max_examples=300, deadline=None)
@given(attempts)
def test_a_code_counts_only_near_now_and_each_step_only_once(plan):
    now, last_step, accepted = START, None, []
    for advance, offset in plan:
        now += timedelta(seconds=advance)
        current = TOTP.timecode(now)
        typed_step = None if offset is None else current + offset
        code = "000000" if typed_step is None else TOTP.generate_otp(typed_step)
        step = accepted_totp_step(SECRET, code, now, last_step)
        if step is None:
            if typed_step is None:
                event("refused: made-up code")
            elif abs(offset) > TOTP_DRIFT_STEPS:
                event("refused: outside the window")
            else:
                event("refused: step already used")
                assert last_step is not None and typed_step <= last_step
            continue
        event("accepted")
        assert abs(step - current) <= TOTP_DRIFT_STEPS
        assert last_step is None or step > last_step
        assert step not in accepted
        accepted.append(step)
        last_step = step


def test_a_naive_moment_is_read_as_utc_not_local_time():
    naive = START.replace(tzinfo=None)
    code = TOTP.generate_otp(TOTP.timecode(START))
    assert accepted_totp_step(SECRET, code, naive, None) == TOTP.timecode(START)


def test_spaces_in_a_typed_code_do_not_matter_but_letters_do():
    code = TOTP.generate_otp(TOTP.timecode(START))
    assert accepted_totp_step(SECRET, f" {code[:3]} {code[3:]} ", START, None) is not None
    assert accepted_totp_step(SECRET, code[:5] + "x", START, None) is None
