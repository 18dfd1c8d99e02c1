"""Logging in and out (Flask-Login sessions; every attempt lands in the audit trail)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..services.accounts import authenticate
from ..services.uow import write_transaction
from .common import origin, safe_next_url
from .forms import LoginForm

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        with write_transaction():
            user = authenticate(form.email.data, form.password.data, origin=origin())
        if user is not None:
            language = session.get("lang")
            session.clear()  # a fresh session on login: no fixation
            if language:
                session["lang"] = language
            login_user(user)
            return redirect(safe_next_url(form.next.data, url_for("dashboard.index")))
        form.password.errors = [_("The e-mail address or password is not correct.")]
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()  # POST only, so CSRFProtect guards it
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def root():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("auth.login"))
