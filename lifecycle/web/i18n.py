"""The language switch: stores the choice in the session and returns to the same page."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for

from .common import safe_next_url
from .forms import LanguageForm

bp = Blueprint("i18n", __name__)


@bp.post("/taal")
def switch_language():
    form = LanguageForm()
    fallback = url_for("auth.login")
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
    return redirect(safe_next_url(form.next.data or request.referrer and
                                  request.referrer.replace(request.host_url, "/"), fallback))
