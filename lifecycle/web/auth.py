"""Logging in and out: the password, then the second factor (or setting it up), then a session.

After a correct password the session only remembers a *pending* login (who, since when, which
step), never a logged-in user: the user is logged in when the second step succeeds, on a fresh
session with a new id. A pending login lasts `MFA_PENDING_MINUTES` and dies with the user's
session generation. Failed attempts are throttled (429 with Retry-After) and audited in the
services; every attempt lands in the audit trail.
"""
from __future__ import annotations

import time

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..domain.accounts import STEP_ENROL, STEP_NONE, STEP_VERIFY
from ..domain.errors import NotFound, TooManyAttempts, ValidationFailed
from ..extensions import db
from ..models import User
from ..services.accounts import log_in
from ..services.second_factor import (enrol_second_factor, new_totp_secret,
                                      verify_second_factor)
from ..services.security_events import record_logout
from ..services.uow import write_transaction
from ..security_hooks import route_of_request
from ..sessions import end_session, start_session
from .common import origin, safe_next_url
from .forms import CodeForm, EnrolForm, LoginForm
from .security import enrolment_page, recovery_codes_page

bp = Blueprint("auth", __name__)

PENDING = "_pending_login"


def _start_pending(user: User, step: str, next_url: str) -> None:
    session[PENDING] = {"user": user.id, "generation": user.session_generation, "step": step,
                        "since": int(time.time()), "next": next_url}


def _pending(step: str) -> tuple[dict, User] | None:
    """The pending login of this session, if it is at `step` and still valid."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("step") != step:
        return None
    user = db.session.get(User, pending.get("user") or 0)
    fresh = time.time() - (pending.get("since") or 0) <= \
        current_app.config["MFA_PENDING_MINUTES"] * 60
    if user is None or not user.is_active or not fresh or \
            pending.get("generation") != user.session_generation:
        session.pop(PENDING, None)
        return None
    return pending, user


def _start_again():
    flash(_("Your login took too long or is no longer valid. Please log in again."), "info")
    return redirect(url_for("auth.login"))


def too_many_attempts(template: str, form, field, exc: TooManyAttempts, **context):
    """Answer 429 with Retry-After, and say on the form how long to wait."""
    minutes = max(1, -(-exc.retry_after // 60))
    field.errors = [ngettext(
        "Too many failed attempts. Wait %(num)d minute and try again.",
        "Too many failed attempts. Wait %(num)d minutes and try again.", minutes)]
    page = render_template(template, form=form, **context)
    return page, 429, {"Retry-After": str(exc.retry_after)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            with write_transaction():
                outcome = log_in(form.email.data, form.password.data, origin=origin(),
                                 mfa_required=current_app.config["MFA_REQUIRED"])
        except TooManyAttempts as exc:
            return too_many_attempts("auth/login.html", form, form.password, exc)
        if outcome.user is not None:
            next_url = safe_next_url(form.next.data, url_for("dashboard.index"))
            if outcome.next_step == STEP_NONE:
                start_session(outcome.user)
                return redirect(next_url)
            _start_pending(outcome.user, outcome.next_step, next_url)
            target = "auth.second_step" if outcome.next_step == STEP_VERIFY else "auth.enrol"
            return redirect(url_for(target))
        form.password.errors = [_("The e-mail address or password is not correct.")]
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
def second_step():
    found = _pending(STEP_VERIFY)
    if found is None:
        return _start_again()
    pending, user = found
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            with write_transaction():
                verified = verify_second_factor(user.id, form.code.data, origin=origin())
        except TooManyAttempts as exc:
            return too_many_attempts("auth/second_step.html", form, form.code, exc)
        except NotFound:
            return _start_again()
        if verified is not None:
            start_session(verified)
            return redirect(pending["next"])
        form.code.errors = [_("This code is not right. Use the code your app shows now, or "
                              "one of your recovery codes.")]
        status = 422
    return render_template("auth/second_step.html", form=form), status


@bp.route("/login/tweestapsverificatie", methods=["GET", "POST"])
def enrol():
    """Two-factor login is required and this user has none yet: set it up, then log in."""
    found = _pending(STEP_ENROL)
    if found is None:
        return _start_again()
    pending, user = found
    secret = pending.get("secret")
    if not secret:
        pending["secret"] = secret = new_totp_secret()
        session[PENDING] = pending
    form = EnrolForm()
    del form.current_password  # the password was given a moment ago
    status = 200
    if form.validate_on_submit():
        try:
            with write_transaction():
                enrolment = enrol_second_factor(user.id, secret, form.code.data,
                                                logging_in=True, origin=origin())
        except TooManyAttempts as exc:
            return too_many_attempts("security/enrol.html", form, form.code, exc,
                                     **enrolment_page(user, secret, url_for("auth.enrol")))
        except ValidationFailed:
            form.code.errors = [_("This code is not right. Type the six digits your app "
                                  "shows now.")]
            status = 422
        else:
            start_session(enrolment.user)
            return recovery_codes_page(enrolment.recovery_codes, pending["next"])
    return render_template("security/enrol.html", form=form,
                           **enrolment_page(user, secret, url_for("auth.enrol"))), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        with write_transaction():
            record_logout(municipality_id=user.municipality_id, actor_id=user.id,
                          origin=origin(), route=route_of_request())
    end_session()  # POST only, so CSRFProtect guards it
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def root():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("auth.login"))
