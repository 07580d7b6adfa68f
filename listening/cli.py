"""Command line: ``python -m listening rehearse …`` (``serve`` lives in serve.py)."""

from __future__ import annotations

import sys

import click
from flask import Flask


@click.group(
    help="listening: Spaces for Listening. Run the server with `python -m listening serve`."
)
def cli() -> None:
    """Group the commands."""


@cli.command()
@click.argument("link", envvar="LISTENING_LINK")
@click.option("--people", default=7, show_default=True, help="How many simulated people join.")
@click.option(
    "--start/--no-start",
    default=True,
    show_default=True,
    help="With a host link, start the session once everyone has joined.",
)
@click.option(
    "--speak-for",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0.05, 2.0),
    help="Fraction of each turn a simulated person speaks before finishing (1 or more: let the "
    "timer run out).",
)
def rehearse(link: str, people: int, start: bool, speak_for: float) -> None:
    """Fill the session at LINK with simulated people who take their turns.

    LINK is the participant link, or the host link (with its #key=…) to start the session too.
    A host link is private: give it as - to read it from standard input, or in the environment
    as LISTENING_LINK, so it does not show in the list of running commands. Open the host link
    in a browser to watch the whole session flow before running a real one.
    """
    from .rehearsal import rehearse as run

    if link == "-":
        link = sys.stdin.readline().strip()
    if not 1 <= people <= 200:
        raise click.BadParameter("choose 1 to 200 people", param_hint="--people")
    try:
        run(link, people, start, speak_for, say=click.echo)
    except ValueError as error:
        raise click.ClickException(str(error)) from None


@cli.command()
def upgrade() -> None:
    """Bring the database (DATABASE_URL, or SQLite in the instance folder) up to date."""
    from flask_migrate import upgrade as run

    from .app import create_app

    app = create_app({"SCHEMA_TOOLS": True})
    with app.app_context():
        run(directory=app.extensions["migrate"].directory)


@cli.command("create-coordinator")
@click.option(
    "--email", prompt=True, help="The coordinator's email address (they sign in with it)."
)
@click.password_option(help="Asked for twice, without showing it, when not given.")
def create_coordinator(email: str, password: str) -> None:
    """Create a coordinator account, for a server without a browser at hand."""
    from .app import create_app
    from .services import accounts

    app = create_app()
    with app.app_context():
        try:
            account = accounts.create_account(email, password)
        except accounts.Invalid as invalid:
            raise click.ClickException(" ".join(invalid.fields.values())) from None
        click.echo(f"Created coordinator {account.email}. They can sign in at /sign-in.")


def init_app(app: Flask) -> None:
    """Make the commands available as ``flask --app listening.app …`` too."""
    app.cli.add_command(rehearse)
    app.cli.add_command(create_coordinator)
