"""The web app's commands: ``intake web``, ``intake staff add``, ``intake export``."""

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intake.app import App

COMMANDS = ("web", "staff", "export")
PASSWORD_ENV = "INTAKE_STAFF_PASSWORD"


def add_commands(sub: Any) -> None:
    """Add the web app's subcommands to the ``intake`` parser's subparsers."""
    sub.add_parser("web", help="serve the staff web app alone (no polling)")
    staff = sub.add_parser("staff", help="staff accounts for the web app")
    staff_sub = staff.add_subparsers(dest="staff_action", required=True)
    add = staff_sub.add_parser(
        "add", help=f"add an account (password prompted, or ${PASSWORD_ENV})"
    )
    add.add_argument("email")
    add.add_argument("--role", choices=["reviewer", "admin"], default="reviewer")
    ex = sub.add_parser("export", help="the published arrangements (the map's data)")
    ex.add_argument("--format", choices=["csv", "xlsx", "geojson", "json"], default="csv")
    ex.add_argument("--output", type=Path, default=None, help="file to write (default: stdout)")


def run(app: "App", args: argparse.Namespace) -> int:
    if args.command == "web":
        from intake.web.server import serve

        serve(app)
        return 0
    if args.command == "staff":
        return _staff_add(app, args.email, args.role)
    return _export(app, args.format, args.output)


def _password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise ValueError("the passwords differ")
    return first


def _staff_add(app: "App", email: str, role: str) -> int:
    from intake.web.accounts import AccountError, add_account
    from intake.web.rules import load_web_rules

    try:
        policy = load_web_rules(app.settings.rules_dir)
        account = add_account(
            app.engine, email, role, _password(), min_length=policy.min_password_length
        )
    except (AccountError, ValueError) as e:
        print(f"intake: {e}", file=sys.stderr)
        return 2
    print(f"added {account.email} ({account.role})")
    return 0


def _export(app: "App", fmt: str, output: Path | None) -> int:
    from intake.web.exports import export

    data = export(app.engine, app.rules.gazetteer, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
    return 0
