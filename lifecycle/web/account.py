"""The user's personal API tokens: list, create (shown once) and revoke.

A new token is rendered straight into the response of the POST that made it, and never put in
the session, a flash message or a redirect URL: only its hash is stored, so this one response
is the only place the plain token ever appears.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.errors import DomainError, NotFound
from ..services.accounts import create_token as create_api_token
from ..services.accounts import list_tokens
from ..services.accounts import revoke_token as revoke_api_token
from ..services.uow import write_transaction
from .common import check_id, flash_domain_error, origin, require_login
from .forms import TokenForm

bp = Blueprint("account", __name__)
require_login(bp)


def _render_tokens(form: TokenForm, new_token: str | None = None, status: int = 200):
    user = current_user._get_current_object()
    page = render_template("account/tokens.html", form=form, tokens=list_tokens(user),
                           new_token=new_token)
    # The page may carry a new token: keep it out of every cache.
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/account/tokens")
def tokens():
    return _render_tokens(TokenForm())


@bp.post("/account/tokens")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_tokens(form, status=400)
    user = current_user._get_current_object()
    try:
        with write_transaction():
            token = create_api_token(user, label=form.label.data, origin=origin())
    except DomainError as exc:
        flash_domain_error(exc)
        return redirect(url_for("account.tokens"), 303)
    return _render_tokens(TokenForm(formdata=None), new_token=token)


@bp.post("/account/tokens/<int:token_id>/intrekken")
def revoke_token(token_id: int):
    check_id(token_id)
    user = current_user._get_current_object()
    try:
        with write_transaction():
            prefix = revoke_api_token(user, token_id, origin=origin()).prefix
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash_domain_error(exc)
        return redirect(url_for("account.tokens"), 303)
    flash(_("The token %(prefix)s… is revoked. It no longer works.", prefix=prefix), "success")
    return redirect(url_for("account.tokens"), 303)
