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
from ..models import Account, LinkPurpose
from ..services import accounts
from .limits import signing_in

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


login_manager.login_view = "accounts.sign_in_form"
login_manager.login_message = "Please sign in to see that page."


class SetupForm(FlaskForm):
    """The first coordinator's email and password."""

    email = StringField("Email")
    password = PasswordField("Password")
    again = PasswordField("The password again")


class SignInForm(FlaskForm):
    """Email and password."""

    email = StringField("Email")
    password = PasswordField("Password")


class ConfirmForm(FlaskForm):
    """A button that changes something, and nothing else: its CSRF token."""


@bp.get("/setup/<token>")
def setup_form(token: str):
    """Show the form that creates the first coordinator (the link works once)."""
    accounts.find_link(token, LinkPurpose.SETUP)
    return _setup_page(SetupForm(), token, {})


@bp.post("/setup/<token>")
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
    shortest, _ = accounts.PASSWORD_LENGTH
    return render_template(
        "accounts/setup.html", form=form, token=token, errors=errors, shortest=shortest
    )


@bp.get("/sign-in")
def sign_in_form():
    """Show the sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    return render_template("accounts/sign_in.html", form=SignInForm(), errors={}), 200


@bp.post("/sign-in")
@signing_in
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
    if not ConfirmForm().validate_on_submit():
        return render_template("errors/problem.html", message=STALE_FORM), 400
    logout_user()
    return redirect(url_for("accounts.sign_in_form"), code=303)


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every sign-in of this account, on every device, this one included."""
    if not ConfirmForm().validate_on_submit():
        return render_template("errors/problem.html", message=STALE_FORM), 400
    accounts.sign_out_everywhere(current_user.account_id)
    logout_user()
    return redirect(url_for("accounts.sign_in_form"), code=303)
