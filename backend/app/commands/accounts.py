"""``drillwatch users`` and ``drillwatch keys``: accounts managed from the shell.

They work while the server runs: both sides open the SQL store per unit of work.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.commands.common import exit_on_error
from app.core.config import get_settings
from app.core.roles import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

users_app = typer.Typer(help="Manage users who log in with a password.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys for pods and scripts.", no_args_is_help=True)
console = Console()


class UserRole(StrEnum):
    """Roles a user may hold (``pod`` is for API keys only)."""

    viewer = "viewer"
    operator = "operator"
    admin = "admin"


PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Password (asked for, hidden, when omitted)",
    ),
]


def _rounds() -> int:
    """The bcrypt cost new password hashes get (PASSWORD_HASH_ROUNDS)."""
    return get_settings().password_hash_rounds


@contextmanager
def open_db() -> Iterator[Session]:
    """A migrated SQL session that commits on success; service errors exit with 1."""
    from app.db.session import build_engine, build_session_factory, migrate

    settings = get_settings()
    settings.ensure_directories()
    engine = build_engine(settings)
    try:
        with exit_on_error():
            migrate(engine)
            with build_session_factory(engine).begin() as db:
                yield db
    finally:
        engine.dispose()


def _actor() -> str:
    """Who runs the command, as the audit trail names them."""
    return f"cli:{getpass.getuser()}"


def _audit(db: Session, action: str, target: str, **details: object) -> None:
    from app.services import audit

    audit.record_audit(db, _actor(), action, target, details, "cli")


def audit_cli_action(action: str, target: str, details: dict[str, Any]) -> None:
    """Record a command's action in the audit trail of the SQL store (migrated first)."""
    from app.services import audit

    with open_db() as db:
        audit.record_audit(db, _actor(), action, target, details, "cli")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@users_app.command("create")
def create_user(
    name: Annotated[str, typer.Argument(help="Login name")],
    password: PasswordOption,
    role: Annotated[UserRole, typer.Option(help="Role of the new user")] = UserRole.viewer,
) -> None:
    """Create a user."""
    from app.services import audit, auth

    with open_db() as db:
        user = auth.create_user(
            db, username=name, role=Role(role), password=password, rounds=_rounds()
        )
        _audit(db, audit.USER_CREATE, user.username, role=str(user.role))
        console.print(f"created user [bold]{user.username}[/bold] (role {user.role})")


@users_app.command("list")
def list_users() -> None:
    """List users."""
    from app.services import auth

    table = Table("id", "username", "role", "active", "created")
    with open_db() as db:
        for user in auth.list_users(db):
            active = "yes" if user.active else "[red]disabled[/red]"
            table.add_row(str(user.id), user.username, user.role, active, _when(user.created_at))
    console.print(table)


@users_app.command("set-password")
def set_password(
    name: Annotated[str, typer.Argument(help="Login name")], password: PasswordOption
) -> None:
    """Set a user's password."""
    from app.services import audit, auth

    with open_db() as db:
        auth.update_user(db, auth.find_user(db, name), password=password, rounds=_rounds())
        _audit(db, audit.USER_UPDATE, name, password_changed=True)
        console.print(f"password of [bold]{name}[/bold] changed")


@users_app.command("disable")
def disable_user(name: Annotated[str, typer.Argument(help="Login name")]) -> None:
    """Disable a user: their tokens stop working at once."""
    from app.services import audit, auth

    with open_db() as db:
        auth.update_user(db, auth.find_user(db, name), active=False, rounds=_rounds())
        _audit(db, audit.USER_UPDATE, name, active=False)
        console.print(f"user [bold]{name}[/bold] disabled")


@users_app.command("enable")
def enable_user(name: Annotated[str, typer.Argument(help="Login name")]) -> None:
    """Enable a disabled user again."""
    from app.services import audit, auth

    with open_db() as db:
        auth.update_user(db, auth.find_user(db, name), active=True, rounds=_rounds())
        _audit(db, audit.USER_UPDATE, name, active=True)
        console.print(f"user [bold]{name}[/bold] enabled")


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Argument(help="What the key is for, e.g. pod-7a3f55e1")],
    role: Annotated[Role, typer.Option(help="pod keys may only send telemetry")] = Role.pod,
) -> None:
    """Create an API key and print it once."""
    from app.services import audit, auth

    with open_db() as db:
        record, key = auth.create_api_key(db, name=name, role=role)
        _audit(db, audit.API_KEY_CREATE, record.name, id=record.id, role=str(record.role))
        console.print(f"API key {record.id} [bold]{record.name}[/bold] (role {record.role}).")
        console.print("Store it now; it is not shown again:", style="yellow")
    typer.echo(key)


@keys_app.command("list")
def list_keys() -> None:
    """List API keys (never the keys themselves)."""
    from app.services import auth

    table = Table("id", "name", "role", "prefix", "created", "last used", "state")
    with open_db() as db:
        for key in auth.list_api_keys(db):
            state = "[red]revoked[/red]" if key.revoked else "active"
            table.add_row(
                str(key.id),
                key.name,
                key.role,
                key.prefix,
                _when(key.created_at),
                _when(key.last_used_at),
                state,
            )
    console.print(table)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[int, typer.Argument(help="Id shown by `keys list`")]) -> None:
    """Revoke an API key; requests using it get 401 from now on."""
    from app.services import audit, auth

    with open_db() as db:
        record = auth.revoke_api_key(db, key_id)
        _audit(db, audit.API_KEY_REVOKE, record.name, id=record.id, prefix=record.prefix)
        console.print(f"API key {record.id} [bold]{record.name}[/bold] revoked")
