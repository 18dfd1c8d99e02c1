"""The user's own login security: two-factor login and the password.

The QR code for the authenticator app is drawn on the server as inline SVG (segno), so the page
needs no script and no image from elsewhere; the key is also shown as text, for typing in. The
recovery codes are rendered straight into the response that made them (no-store, like every
page), never put in the session or a redirect: this one response is the only place they appear.
"""
from __future__ import annotations

import segno
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..domain.errors import DomainError, TooManyAttempts, ValidationFailed
from ..services.second_factor import (enrol_second_factor, new_totp_secret, provisioning_uri,
                                      recovery_codes_left)
from ..services.uow import write_transaction
from ..services.users import change_password
from ..sessions import renew_session
from .common import apply_field_errors, flash_domain_error, origin, require_login
from .forms import EnrolForm, PasswordForm

bp = Blueprint("security", __name__, url_prefix="/account")
require_login(bp)

ENROL_SECRET = "_enrol_secret"


def qr_svg(uri: str) -> Markup:
    """The otpauth URI as an inline SVG QR code with an accessible name."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff",
                                                svgclass="vs-qr")
    label = _("QR code with the key for your authenticator app")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ',
                              1))


def enrolment_page(user, secret: str, action: str) -> dict:
    """What the set-up page shows: the QR code, the key in groups of four, the form's target."""
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return {"qr": qr_svg(provisioning_uri(user, secret)), "secret": grouped, "action": action,
            "account_name": user.email}


def recovery_codes_page(codes: list[str], continue_url: str):
    page = render_template("security/recovery_codes.html", codes=codes,
                           continue_url=continue_url)
    return page


@bp.get("/beveiliging")
def overview():
    user = current_user._get_current_object()
    return render_template("security/overview.html", user=user,
                           codes_left=recovery_codes_left(user) if user.has_second_factor
                           else 0)


@bp.route("/beveiliging/tweestapsverificatie", methods=["GET", "POST"])
def enrol():
    """Set up two-factor login from the account page (where it is not yet required)."""
    user = current_user._get_current_object()
    if user.has_second_factor:
        flash(_("Two-factor login is already on."), "info")
        return redirect(url_for("security.overview"), 303)
    secret = session.get(ENROL_SECRET)
    if not secret:
        session[ENROL_SECRET] = secret = new_totp_secret()
    form = EnrolForm()
    page = enrolment_page(user, secret, url_for("security.enrol"))
    status = 200
    if form.validate_on_submit():
        try:
            with write_transaction():
                enrolment = enrol_second_factor(user.id, secret, form.code.data,
                                                password=form.current_password.data,
                                                origin=origin())
        except TooManyAttempts:
            flash(_("Too many failed attempts. Wait a few minutes and try again."), "error")
            return redirect(url_for("security.overview"), 303)
        except ValidationFailed as exc:
            if "code" in exc.errors:
                form.code.errors = [_("This code is not right. Type the six digits your app "
                                      "shows now.")]
            else:
                form.current_password.errors = [_("This password is not right.")]
            status = 422
        else:
            session.pop(ENROL_SECRET, None)
            renew_session(enrolment.user)  # enrolling ended the user's other sessions
            return recovery_codes_page(enrolment.recovery_codes, url_for("security.overview"))
    return render_template("security/enrol.html", form=form, **page), status


@bp.route("/wachtwoord", methods=["GET", "POST"])
def password():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            with write_transaction():
                change_password(user, form.current_password.data, form.new_password.data,
                                origin=origin())
        except ValidationFailed as exc:
            if exc.errors.get("current_password"):
                form.current_password.errors = [_("This password is not right.")]
            else:
                apply_field_errors(form, exc)
            status = 422
        except DomainError as exc:
            flash_domain_error(exc)
            return redirect(url_for("security.password"), 303)
        else:
            renew_session(user)  # the other sessions of this user have ended
            flash(_("Your password is changed. You stay logged in here; everywhere else you "
                    "are logged out."), "success")
            return redirect(url_for("security.overview"), 303)
    elif form.is_submitted():
        status = 422
    return render_template("security/password.html", form=form), status
