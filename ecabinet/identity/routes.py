"""Sign-in pages (password, then second factor or its enrolment), account, user administration."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.extensions import limiter
from ecabinet.identity import services, signin, totp
from ecabinet.identity.access import login_required, roles_required
from ecabinet.identity.forms import LoginForm, OtpForm, PreferencesForm, UserForm, role_label
from ecabinet.identity.models import Role
from ecabinet.security import local_path
from ecabinet.web import refusal_shown

bp = Blueprint("identity", __name__, template_folder="templates")

#: A password check is good for this long while the second factor is asked for.
PENDING_SECONDS = 300


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect after sign-in would be a phishing tool."""
    return local_path(target) or url_for("dashboard.index")


def _checked_next() -> str | None:
    """The ``next`` a sign-in may go to; one leading off the site is dropped and audited (a
    phishing link that used our sign-in page)."""
    target = request.args.get("next")
    if target and local_path(target) is None:
        from ecabinet.audit import services as audit

        audit.record("security.redirect_refused", details={"next": repr(target[:200])},
                     ip=request.remote_addr)
        return None
    return target


def _pending_user():
    pending = session.get("pending_login")
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        session.pop("pending_login", None)
        return None
    user = services.get_user(pending["user_id"])
    # Bound to the account's session version: a password change, an administrator's "end all
    # sessions" or a deactivation ends the half-done sign-in too, not only the finished ones.
    if not user.active or pending.get("version") != user.session_version:
        session.pop("pending_login", None)
        return None
    return user


def _finish_login(user, method: str):
    target = _safe_next(session.get("pending_login", {}).get("next"))
    session.pop("pending_login", None)
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(user)
    session.permanent = True
    # This sign-in's own record, checked on every request: signing out ends it (and its live
    # connections), and only it, not the user's other browsers and tablets.
    session["login_id"] = signin.start_sign_in(user,
                                               lifetime=current_app.permanent_session_lifetime)
    signin.record_login(user, method=method)
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=signin.refused)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            with audited_attempt():
                user = signin.check_password(form.email.data, form.password.data)
                if user is None:
                    form.password.errors.append(_("Wrong e-mail or password."))
                else:
                    session["pending_login"] = {"user_id": user.id, "at": time.time(),
                                                "version": user.session_version,
                                                "next": _checked_next()}
                    if user.totp_enabled:
                        return redirect(url_for("identity.login_otp"))
                    if user.totp_required:
                        return redirect(url_for("identity.login_enrol"))
                    return _finish_login(user, "password")
        except signin.SignInLocked as exc:
            form.password.errors.append(exc.message)
            status = 429
    if form.errors and status == 200:
        status = 401
    return render_template("identity/login.html", form=form), status


@bp.route("/login/otp", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=signin.refused)
def login_otp():
    user = _pending_user()
    if user is None or not user.totp_enabled:
        return redirect(url_for("identity.login"))
    form = OtpForm()
    status = 200
    if form.validate_on_submit():
        try:
            with audited_attempt():
                if signin.check_sign_in_totp(user, form.code.data):
                    return _finish_login(user, "password+totp")
                form.code.errors.append(_("The code is not right."))
        except signin.SignInLocked as exc:
            form.code.errors.append(exc.message)
            status = 429
    if form.errors and status == 200:
        status = 401
    return render_template("identity/otp.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=signin.refused)
def login_enrol():
    """First sign-in of a user whose role requires a second factor: set it up now."""
    user = _pending_user()
    if user is None or user.totp_enabled:
        return redirect(url_for("identity.login"))
    form = OtpForm()
    with audited_attempt():
        secret = services.pending_totp_secret(user)
        if form.validate_on_submit():
            with refusal_shown(form.code.errors.append):
                services.confirm_totp(user, form.code.data)
                return _finish_login(user, "password+totp-enrolment")
    uri = totp.provisioning_uri(secret, user.email)
    return render_template("identity/enrol.html", form=form, secret=secret, uri=uri,
                           qr=totp.qr_svg(uri)), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        with unit_of_work():
            signin.sign_out(current_user._get_current_object(), session.get("login_id"))
    logout_user()
    session.clear()
    return redirect(url_for("identity.login"))


@bp.route("/language/<code>", methods=["POST"])
def choose_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated and current_user.locale != code:
            with unit_of_work():
                services.update_user(current_user._get_current_object(), actor=current_user,
                                     locale=code)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PreferencesForm(locale=current_user.locale)
    if form.validate_on_submit():
        with unit_of_work():
            services.update_user(current_user._get_current_object(), actor=current_user,
                                 locale=form.locale.data)
        flash(_("Saved."), "success")
        return redirect(url_for("identity.account"))
    return render_template("identity/account.html", form=form)


# --- administration ------------------------------------------------------------------------------

@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def admin_users():
    return render_template("identity/admin_users.html", users=services.list_users(),
                           role_label=role_label)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_user_new():
    form = UserForm()
    if form.validate_on_submit():
        with refusal_shown(form.email.errors.append):
            with unit_of_work():
                user = services.create_user(
                    email=form.email.data, name=form.name.data, roles=form.roles.data,
                    password=form.password.data or None, title=form.title.data or None,
                    organisation=form.organisation.data or None, locale=form.locale.data,
                    actor=current_user)
            flash(_("User %(name)s created.", name=user.name), "success")
            return redirect(url_for("identity.admin_users"))
    return render_template("identity/admin_user_form.html", form=form, user=None), \
        422 if form.errors else 200


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_user_edit(user_id: int):
    user = services.get_user(user_id)
    form = UserForm(obj=user, roles=[r.value for r in user.roles],
                    organisation=user.organisation.name if user.organisation else "")
    if form.validate_on_submit():
        with refusal_shown(form.roles.errors.append):
            with unit_of_work():
                services.update_user(
                    user, actor=current_user, name=form.name.data, roles=form.roles.data,
                    title=form.title.data, organisation=form.organisation.data,
                    active=form.active.data, locale=form.locale.data,
                    password=form.password.data or None)
            flash(_("Saved."), "success")
            return redirect(url_for("identity.admin_users"))
    return render_template("identity/admin_user_form.html", form=form, user=user), \
        422 if form.errors else 200


@bp.route("/admin/users/<int:user_id>/sessions/end", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_user_end_sessions(user_id: int):
    """End every sign-in and token of the user now (a lost tablet, a suspicion)."""
    user = services.get_user(user_id)
    with unit_of_work():
        services.end_sessions(user, actor=current_user._get_current_object())
    flash(_("Every session of %(name)s has ended.", name=user.name), "success")
    return redirect(url_for("identity.admin_user_edit", user_id=user_id))
