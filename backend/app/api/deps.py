"""Dependencies shared by the routes, published as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.core.config import Settings, get_settings
from app.core.roles import Principal, Role
from app.storage.duckdb import TelemetryStore

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_store(request: Request) -> TelemetryStore:
    """The telemetry store built in the lifespan."""
    store: TelemetryStore = request.app.state.store
    return store


def get_db(request: Request) -> Iterator[Session]:
    """A SQL session that commits on success and rolls back on error."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


StoreDep = Annotated[TelemetryStore, Depends(get_store)]
DbDep = Annotated[Session, Depends(get_db)]


def require(role: Role) -> Callable[..., Principal]:
    """Dependency that authenticates the caller and checks they hold ``role``."""
    from app.services.auth import authenticate  # late import: services import deps' types

    def dependency(
        request: Request,
        db: DbDep,
        settings: SettingsDep,
        token: Annotated[str | None, Depends(oauth2_scheme)],
        api_key: Annotated[str | None, Depends(api_key_header)],
    ) -> Principal:
        principal = authenticate(db, settings, token=token, api_key=api_key, required=role)
        request.state.principal = principal
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Operator = Annotated[Principal, Depends(require(Role.operator))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
TelemetryWriter = Annotated[Principal, Depends(require(Role.pod))]
