"""Signing in: the first coordinator's setup link, sign-in and sign-out, and the account page.

Every form carries a CSRF token (Flask-WTF) as well as the cross-site check every form gets.
Participants never sign in: these pages are for coordinators and hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from ..engine import Refused
from ..extensions import db, login_manager
from ..models import Account, LinkPurpose, Role
from ..services import accounts
from .limits import signing_in, signing_in_as, using_a_link
from .links import account_link

bp = Blueprint("accounts", __name__)

#: what a form whose CSRF token is missing or stale tells the person
STALE_FORM = "This form was open too long, or came from elsewhere. Please try again."


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, as Flask-Login sees them. The id names the sign-in's epoch too, so
    "sign out everywhere" (which raises the account's epoch) ends every earlier sign-in."""

    account_id: int
    email: str
    role: str
    epoch: int
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @classmethod
    def of(cls, account: Account) -> SignedIn:
        return cls(account.id, account.email, str(account.role), account.sign_in_epoch)

    def get_id(self) -> str:
        return f"{self.account_id}.{self.epoch}"


@login_manager.user_loader
def _load(user_id: str) -> SignedIn | None:
    number, _, epoch = user_id.partition(".")
    if not (number.isdigit() and epoch.isdigit()):
        return None
    account = accounts.signed_in(int(number), int(epoch))
    return SignedIn.of(account) if account else None


def signed_in_account() -> int | None:
    """Return the id of the account signed in on this request (or connection), or None."""
    return current_user.account_id if current_user.is_authenticated else None


def signed_in_as() -> tuple[int, int] | None:
    """Return the account signed in on this connection and its sign-in epoch, or None."""
    return (current_user.account_id, current_user.epoch) if current_user.is_authenticated else None


def _end_live_hosting(account_id: int) -> None:
    """End this process's connections that host by this account's sign-in (its sign-ins no
    longer count): they stop receiving the console at once, not at their next move."""
    from .events import end_connections_of

    end_connections_of(account_id)


login_manager.login_view = "accounts.sign_in_form"
#: the sign-in page says who it is for; no flashed message (nothing shows one)
login_manager.login_message = None


class Form(FlaskForm):
    """A form filled from posted form fields only: a JSON body never fills one (its values need
    not be strings)."""

    def __init__(self, **kwargs):
        super().__init__(formdata=request.form if request.method == "POST" else None, **kwargs)


def _confirm() -> None:
    """Refuse (400, nothing changed) a button's post whose CSRF token is missing or stale."""
    if not ConfirmForm().validate_on_submit():
        raise Refused("bad_request", STALE_FORM)


class SetupForm(Form):
    """The first coordinator's email and password."""

    email = StringField("Email")
    password = PasswordField("Password")
    again = PasswordField("The password again")


class SignInForm(Form):
    """Email and password."""

    email = StringField("Email")
    password = PasswordField("Password")


class ConfirmForm(Form):
    """A button that changes something, and nothing else: its CSRF token."""


class InviteForm(Form):
    """Whom to invite: a host or a coordinator."""

    role = StringField("Role")


class NewPasswordForm(Form):
    """A new password, twice."""

    password = PasswordField("New password")
    again = PasswordField("The new password again")


@bp.get("/setup/<token>")
def setup_form(token: str):
    """Show the form that creates the first coordinator (the link works once)."""
    accounts.find_link(token, LinkPurpose.SETUP)
    return _setup_page(SetupForm(), token, {})


@bp.post("/setup/<token>")
@using_a_link
def setup(token: str):
    """Create the first coordinator and sign them in."""
    form = SetupForm()
    if not form.validate_on_submit():
        accounts.find_link(token, LinkPurpose.SETUP)
        return _setup_page(form, token, {"form": STALE_FORM}), 400
    try:
        account = accounts.use_setup_link(
            token, form.email.data or "", form.password.data or "", form.again.data or ""
        )
    except accounts.Invalid as invalid:
        db.session.rollback()
        return _setup_page(form, token, invalid.fields), 400
    login_user(SignedIn.of(account))
    return redirect(url_for("accounts.account"), code=303)


def _setup_page(form: SetupForm, token: str, errors: dict):
    return _password_page(
        form,
        errors,
        heading="Create the first coordinator",
        lead="This server has no accounts yet. The coordinator you create here can invite hosts "
        "and other coordinators, and review how many sessions were held. This link works once.",
        action=url_for("accounts.setup", token=token),
        button="Create and sign in",
    )


def _password_page(form: Form, errors: dict, **page):
    """Render a form that chooses a password (a new account, or a reset)."""
    shortest, _ = accounts.PASSWORD_LENGTH
    return render_template(
        "accounts/password.html", form=form, errors=errors, shortest=shortest, **page
    )


@bp.get("/sign-in")
def sign_in_form():
    """Show the sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    return render_template("accounts/sign_in.html", form=SignInForm(), errors={}), 200


@bp.post("/sign-in")
@signing_in
@signing_in_as
def sign_in():
    """Sign in with email and password; a wrong pair is told the same way, whatever was wrong."""
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("accounts/sign_in.html", form=form, errors={"form": STALE_FORM}), 400
    try:
        account = accounts.sign_in(form.email.data or "", form.password.data or "")
    except Refused as refused:
        form.password.data = ""
        return render_template(
            "accounts/sign_in.html", form=form, errors={"form": refused.message}
        ), 401
    login_user(SignedIn.of(account))
    return redirect(_same_site(request.args.get("next")) or url_for("accounts.account"), code=303)


def _same_site(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site (never another site's address)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/account")
@login_required
def account():
    """Who is signed in, and how to sign out."""
    return render_template("accounts/account.html", form=ConfirmForm(), me=current_user)


@bp.post("/sign-out")
def sign_out():
    """Sign out on this device."""
    _confirm()
    logout_user()
    return redirect(url_for("accounts.sign_in_form"), code=303)


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every sign-in of this account, on every device, this one included."""
    _confirm()
    account_id = current_user.account_id
    accounts.sign_out_everywhere(account_id)
    _end_live_hosting(account_id)
    logout_user()
    return redirect(url_for("accounts.sign_in_form"), code=303)


def _coordinator() -> Account:
    """Return the signed-in coordinator, or refuse (403) a host."""
    return accounts.require_coordinator(current_user.account_id)


@bp.get("/people")
@login_required
def people():
    """A coordinator's list of accounts, with invitations, resets and disabling."""
    return _people_page(_coordinator(), None)


def _people_page(me: Account, shown: dict | None, status: int = 200):
    return render_template(
        "accounts/people.html",
        me=me,
        accounts=accounts.everyone(),
        form=ConfirmForm(),
        invite=InviteForm(),
        shown=shown,
        invite_days=accounts.INVITE_DAYS,
    ), status


@bp.post("/people/invitations")
@login_required
def create_invitation():
    """Make a single-use invitation and show its link, once, to copy and send."""
    me = _coordinator()
    form = InviteForm()
    if not form.validate_on_submit():
        raise Refused("bad_request", STALE_FORM)
    role = Role.COORDINATOR if form.role.data == "coordinator" else Role.HOST
    token = accounts.invite(me.id, role)
    shown = {
        "what": f"An invitation for a new {role}",
        "link": account_link("accounts.invitation_form", token),
        "note": f"It works once, for {accounts.INVITE_DAYS} days.",
    }
    return _people_page(me, shown, 201)


@bp.post("/people/<int:account_id>/reset")
@login_required
def create_reset(account_id: int):
    """Make a single-use password-reset link for an account and show it, once."""
    me = _coordinator()
    _confirm()
    token = accounts.reset_link(me.id, account_id)
    email = db.session.get(Account, account_id).email  # type: ignore[union-attr]
    shown = {
        "what": f"A link for {email} to choose a new password",
        "link": account_link("accounts.reset_form", token),
        "note": "It works once, for a day. Their other sign-ins end when they use it.",
    }
    return _people_page(me, shown, 201)


@bp.post("/people/<int:account_id>/disable")
@login_required
def disable(account_id: int):
    """Disable an account: it can no longer sign in; its sessions and counts stay."""
    return _set_disabled(account_id, True)


@bp.post("/people/<int:account_id>/enable")
@login_required
def enable(account_id: int):
    """Let a disabled account sign in again."""
    return _set_disabled(account_id, False)


def _set_disabled(account_id: int, disabled: bool):
    me = _coordinator()
    _confirm()
    accounts.set_disabled(me.id, account_id, disabled)
    if disabled:
        _end_live_hosting(account_id)
    return redirect(url_for("accounts.people"), code=303)


@bp.get("/invitation/<token>")
def invitation_form(token: str):
    """Show the form an invited host or coordinator fills in (the link works once)."""
    link = accounts.find_link(token, LinkPurpose.INVITE)
    return _invitation_page(SetupForm(), token, str(link.role), {})


@bp.post("/invitation/<token>")
@using_a_link
def accept_invitation(token: str):
    """Create the invited account and sign it in."""
    link = accounts.find_link(token, LinkPurpose.INVITE)
    form = SetupForm()
    if not form.validate_on_submit():
        return _invitation_page(form, token, str(link.role), {"form": STALE_FORM}), 400
    try:
        account = accounts.accept_invitation(
            token, form.email.data or "", form.password.data or "", form.again.data or ""
        )
    except accounts.Invalid as invalid:
        db.session.rollback()
        return _invitation_page(form, token, str(link.role), invalid.fields), 400
    logout_user()
    login_user(SignedIn.of(account))
    return redirect(url_for("accounts.account"), code=303)


#: what an invitation page says each role does
ROLE_LEADS = {
    "coordinator": "Coordinators invite hosts and review how many sessions were held.",
    "host": "Hosts create sessions and hold the space while people take turns.",
}


def _invitation_page(form: SetupForm, token: str, role: str, errors: dict):
    return _password_page(
        form,
        errors,
        heading=f"You're invited as a {role}",
        lead=f"{ROLE_LEADS[role]} Choose the email address and password you will sign in with. "
        "This link works once.",
        action=url_for("accounts.accept_invitation", token=token),
        button="Create my account",
    )


@bp.get("/reset/<token>")
def reset_form(token: str):
    """Show the form that sets a new password (the link works once)."""
    accounts.find_link(token, LinkPurpose.RESET)
    return _reset_page(NewPasswordForm(), token, {})


@bp.post("/reset/<token>")
@using_a_link
def reset(token: str):
    """Set the new password; every earlier sign-in ends; then sign in with it."""
    form = NewPasswordForm()
    if not form.validate_on_submit():
        accounts.find_link(token, LinkPurpose.RESET)
        return _reset_page(form, token, {"form": STALE_FORM}), 400
    try:
        accounts.use_reset_link(token, form.password.data or "", form.again.data or "")
    except accounts.Invalid as invalid:
        db.session.rollback()
        return _reset_page(form, token, invalid.fields), 400
    logout_user()
    return redirect(url_for("accounts.sign_in_form", changed=1), code=303)


def _reset_page(form: NewPasswordForm, token: str, errors: dict):
    return _password_page(
        form,
        errors,
        heading="Choose a new password",
        lead="Once it is set, you are signed out everywhere and sign in with the new one. "
        "This link works once.",
        action=url_for("accounts.reset", token=token),
        button="Set the new password",
    )
