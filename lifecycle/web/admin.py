"""Administration pages for a municipality's administrators: users, roles, second factors and
every API token of the municipality.

Each action is one call to the same services the command line uses (`services.users`,
`services.second_factor`), which audit it and enforce the rules: own municipality only (another
one's users and tokens answer 404), the admin role (403 for everyone else), never one's own
administrator rights, never the municipality's last active administrator.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.errors import (DomainError, LastAdministrator, NotAllowed, NotFound,
                             OwnAdministratorRole, ValidationFailed)
from ..domain.permissions import ADMIN
from ..services.second_factor import reset_second_factor
from ..services.uow import write_transaction
from ..services.users import (create_municipality_user, get_user, list_municipality_tokens,
                              list_municipality_users, revoke_municipality_token, set_active,
                              update_user)
from .common import apply_field_errors, check_id, domain_error_message, origin, require_login
from .forms import USER_ROLE_CHOICES, UserForm

bp = Blueprint("admin", __name__, url_prefix="/beheer")
require_login(bp)



@bp.app_template_filter("role_names")
def role_names(roles) -> str:
    """A user's roles in words, in the order the role list has them."""
    return ", ".join(str(label) for role, label in USER_ROLE_CHOICES if role in roles)


def _see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), 303)


def _user_or_abort(user_id: int):
    try:
        return get_user(current_user._get_current_object(), check_id(user_id))
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)


def _role_errors(form: UserForm, exc: ValidationFailed) -> None:
    if "role" in exc.errors:
        form.roles.errors = list(form.roles.errors) + [_("Choose at least one role.")]
    apply_field_errors(form, exc)


@bp.get("/gebruikers")
def users():
    try:
        rows = list_municipality_users(current_user._get_current_object())
    except NotAllowed:
        abort(403)
    return render_template("admin/users.html", users=rows)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
def new_user():
    if ADMIN not in current_user.roles:
        abort(403)
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        try:
            with write_transaction():
                user, password = create_municipality_user(
                    current_user._get_current_object(), email=form.email.data,
                    name=form.name.data, roles=form.roles.data, origin=origin())
        except ValidationFailed as exc:
            _role_errors(form, exc)
            status = 422
        else:
            # The initial password appears in this one response only.
            return render_template("admin/user_created.html", user=user, password=password)
    elif form.is_submitted():
        status = 422
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = _user_or_abort(user_id)
    form = UserForm(obj=user)
    status = 200
    if form.validate_on_submit():
        try:
            with write_transaction():
                update_user(current_user._get_current_object(), user.id, name=form.name.data,
                            email=form.email.data, roles=form.roles.data, origin=origin())
        except ValidationFailed as exc:
            _role_errors(form, exc)
            status = 422
        except DomainError as exc:
            flash(domain_error_message(exc), "error")
            return _see_other("admin.edit_user", user_id=user.id)
        else:
            flash(_("The changes are saved."), "success")
            return _see_other("admin.edit_user", user_id=user.id)
    elif form.is_submitted():
        status = 422
    return render_template("admin/user_form.html", form=form, user=user), status


def _user_action(user_id: int, action, done_message: str):
    """Run one administrative action on a user and go back to their page."""
    user = _user_or_abort(user_id)
    try:
        with write_transaction():
            action(user.id)
    except NotFound:
        abort(404)
    except (LastAdministrator, OwnAdministratorRole) as exc:
        flash(domain_error_message(exc), "error")
    except NotAllowed:
        abort(403)
    except DomainError as exc:
        flash(domain_error_message(exc), "error")
    else:
        flash(done_message, "success")
    return _see_other("admin.edit_user", user_id=user_id)


@bp.post("/gebruikers/<int:user_id>/deactiveren")
def deactivate_user(user_id: int):
    admin = current_user._get_current_object()
    return _user_action(user_id, lambda uid: set_active(uid, False, by=admin, origin=origin()),
                        _("The user is deactivated and logged out everywhere."))


@bp.post("/gebruikers/<int:user_id>/activeren")
def activate_user(user_id: int):
    admin = current_user._get_current_object()
    return _user_action(user_id, lambda uid: set_active(uid, True, by=admin, origin=origin()),
                        _("The user is active again and can log in."))


@bp.post("/gebruikers/<int:user_id>/tweestapsverificatie-herstellen")
def reset_mfa(user_id: int):
    admin = current_user._get_current_object()
    return _user_action(user_id,
                        lambda uid: reset_second_factor(uid, by=admin, origin=origin()),
                        _("Two-factor login is reset. The user sets it up again at their next "
                          "login, and is logged out everywhere."))


@bp.get("/tokens")
def tokens():
    try:
        rows = list_municipality_tokens(current_user._get_current_object())
    except NotAllowed:
        abort(403)
    return render_template("admin/tokens.html", tokens=rows)


@bp.post("/tokens/<int:token_id>/intrekken")
def revoke_token(token_id: int):
    try:
        with write_transaction():
            row = revoke_municipality_token(current_user._get_current_object(),
                                            check_id(token_id), origin=origin())
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    flash(_("The token %(prefix)s… is revoked. It no longer works.", prefix=row.prefix),
          "success")
    return _see_other("admin.tokens")
