"""Login, logout, organisation sign-up, one's account and API tokens, account administration."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from registry.auth import services, sessions
from registry.auth.forms import AccountForm, LoginForm, PasswordChangeForm, SignupForm, TokenForm
from registry.auth.models import Role
from registry.auth.policy import Action, PermissionDenied, can
from registry.extensions import limiter
from registry.query import page_arg
from registry.validation import ValidationFailed

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def show_errors(form, error: ValidationFailed, aliases: dict | None = None) -> None:
    """Put a service's messages beside the form's fields (unknown fields become a form error)."""
    for field_name, message in error.errors.items():
        field = getattr(form, (aliases or {}).get(field_name, field_name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


def login_key() -> str:
    """Rate-limit key for the per-account limit: the email typed (normalised)."""
    return "login:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"], key_func=login_key)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = LoginForm()
    if form.validate_on_submit():
        opened = services.log_in(form.email.data, form.password.data,
                                 request.headers.get("User-Agent"))
        if opened is not None:
            user, raw_key = opened
            session.clear()  # a fresh session at login: nothing carried over from before
            login_user(user)
            sessions.remember(session, raw_key)
            return redirect(safe_next(request.args.get("next")) or url_for("auth.account"))
        # The same message whether the email exists or not.
        form.form_errors.append(_("邮箱或密码不正确。"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out: this session ends on the server too, so a copy of its cookie opens nothing."""
    sessions.log_out(current_user, session.get(sessions.SESSION_KEY))
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "success")
    return redirect(url_for("public.home"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    """机构账号注册: an organisation's first account and its draft registration."""
    form = SignupForm()
    form.fill_region_choices()
    if "refresh_regions" in request.form:  # no JavaScript: only update the region options
        return render_template("auth/signup.html", form=form)
    if request.method != "POST":
        return render_template("auth/signup.html", form=form)
    values = dict(email=form.email.data or "", password=form.password.data or "",
                  organisation_name=form.organisation_name.data or "",
                  org_type=form.org_type.data or "", region_code=form.chosen_region())
    if form.validate_on_submit():
        try:
            user = services.sign_up_organisation(**values)
        except ValidationFailed as error:
            show_errors(form, error, {"region_code": "county"})
        else:
            raw_key = sessions.start_session(user, request.headers.get("User-Agent"))
            session.clear()
            login_user(user)
            sessions.remember(session, raw_key)
            flash(_("账号已创建。请继续完善机构登记信息并提交审核。"), "success")
            return redirect(url_for("orgs.mine"))
    else:
        # Every problem in one round: the service's checks too, beside the fields the form's
        # own checks left without a message.
        aliases = {"region_code": "county"}
        problems = {name: message for name, message in services.sign_up_problems(**values).items()
                    if not getattr(form, aliases.get(name, name)).errors}
        show_errors(form, ValidationFailed(problems), aliases)
    return render_template("auth/signup.html", form=form), 400


def _account_page(status: int = 200, **forms):
    """One's account page with its forms (``forms`` replaces the empty ones)."""
    context = {"password_form": PasswordChangeForm(), "token_form": TokenForm(),
               "tokens": services.list_tokens(current_user),
               "login_sessions": sessions.live_sessions(current_user,
                                                        session.get(sessions.SESSION_KEY))}
    context.update(forms)
    return render_template("auth/account.html", **context), status


@bp.route("/account")
@login_required
def account():
    """One's own account: role, jurisdiction, password, tokens, open sessions."""
    return _account_page()


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    """Change one's password; other sessions end, this one continues."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data,
                                     keep_session_key=session.get(sessions.SESSION_KEY))
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            # Re-issue this session with the new session version (the proxy would loop).
            login_user(current_user._get_current_object())
            flash(_("密码已修改。"), "success")
            return redirect(url_for("auth.account"))
    return _account_page(400, password_form=form)


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    """Sign out everywhere else: every other session of one's account ends."""
    ended = sessions.end_other_sessions(current_user, session.get(sessions.SESSION_KEY))
    flash(_("已退出其他 %(count)d 个登录会话。", count=ended), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    """Create an API token and show it once."""
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        try:
            _token, new_token = services.create_token(current_user, form.name.data)
        except ValidationFailed as error:
            show_errors(form, error)
            status = 400
    else:
        status = 400
    return _account_page(status, token_form=TokenForm(formdata=None) if new_token else form,
                         new_token=new_token)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke a token: clients using it get 401 from then on."""
    try:
        services.revoke_token(current_user, token_id)
    except LookupError:
        abort(404)
    flash(_("令牌已撤销。"), "success")
    return redirect(url_for("auth.account"))


# --- administration ----------------------------------------------------------------------------

@bp.route("/admin/accounts")
@login_required
def accounts():
    """All accounts (admin)."""
    if not can(current_user, Action.ACCOUNT_MANAGE):
        abort(403)
    page = page_arg()
    return render_template("auth/accounts.html", page=services.list_accounts(current_user, page))


@bp.route("/admin/accounts/new", methods=["GET", "POST"])
@login_required
def new_account():
    """An admin creates an account of any role."""
    if not can(current_user, Action.ACCOUNT_MANAGE):
        abort(403)
    form = AccountForm()
    form.fill_region_choices()
    if "refresh_regions" in request.form:  # no JavaScript: only update the region options
        return render_template("auth/account_form.html", form=form)
    if form.validate_on_submit():
        try:
            user = services.create_account(
                current_user, email=form.email.data, password=form.password.data,
                role=Role(form.role.data), region_code=form.chosen_region() or None,
                association_id=form.association_id.data, organisation_id=form.organisation_id.data,
                display_name=form.display_name.data,
            )
        except ValidationFailed as error:
            show_errors(form, error, {"region_code": "province"})
        else:
            flash(_("账号 %(email)s 已创建。", email=user.email), "success")
            return redirect(url_for("auth.accounts"))
    return render_template("auth/account_form.html", form=form)


@bp.route("/admin/accounts/<int:user_id>/<any(activate, deactivate):change>", methods=["POST"])
@login_required
def set_active(user_id: int, change: str):
    """Deactivate or reactivate an account."""
    try:
        services.set_account_active(current_user, user_id, change == "activate")
    except LookupError:
        abort(404)
    except ValidationFailed as error:
        for message in error.errors.values():
            flash(message, "error")
    return redirect(url_for("auth.accounts"))


@bp.route("/admin/accounts/<int:user_id>/sessions/end", methods=["POST"])
@login_required
def end_sessions(user_id: int):
    """End every session of an account (its API tokens keep working)."""
    try:
        ended = sessions.end_all_sessions(current_user, user_id)
    except LookupError:
        abort(404)
    flash(_("已结束该账号的 %(count)d 个登录会话。", count=ended), "success")
    return redirect(url_for("auth.accounts"))


@bp.app_errorhandler(PermissionDenied)
def permission_denied(error: PermissionDenied):
    """A refused action is a 403 (page or JSON), whichever view it came from; the
    service raised before changing anything, and the transaction is rolled back."""
    from flask import current_app
    from werkzeug.exceptions import Forbidden

    from registry.extensions import db

    db.session.rollback()
    return current_app.handle_http_exception(Forbidden(error.message))
