"""Dependencies shared by the routes, published as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.core.config import Settings, get_settings
from app.core.errors import Unauthorized
from app.core.roles import Principal, Role
from app.ml.config import MLConfig
from app.storage.duckdb import TelemetryStore

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_store(request: Request) -> TelemetryStore:
    """The telemetry store built in the lifespan."""
    store: TelemetryStore = request.app.state.store
    return store


def get_ml_config(request: Request) -> MLConfig:
    """The ML configuration frozen at start-up (the collision detection reads it too)."""
    config: MLConfig = request.app.state.ml.config
    return config


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


def client_address(request: Request) -> str:
    """The caller's address (the proxy's client when TRUSTED_PROXIES names the proxy)."""
    return request.client.host if request.client else "-"


StoreDep = Annotated[TelemetryStore, Depends(get_store)]
MLConfigDep = Annotated[MLConfig, Depends(get_ml_config)]
# scope="function": the commit runs when the route returns, before the response is sent,
# so a client that got a 2xx can rely on the write (a revoked key is refused at once).
DbDep = Annotated[Session, Depends(get_db, scope="function")]
SourceDep = Annotated[str, Depends(client_address)]


class RoleRequirement:
    """Dependency that returns the caller, who must hold ``role``.

    ``app.api.guard.RequestGuard`` authenticates before the body is read and leaves the
    principal on the request; this re-checks the role. The two header parameters only
    declare the security schemes in OpenAPI.
    """

    def __init__(self, role: Role) -> None:
        self.role = role

    def __call__(
        self,
        request: Request,
        token: Annotated[str | None, Depends(oauth2_scheme)],
        api_key: Annotated[str | None, Depends(api_key_header)],
    ) -> Principal:
        """The authenticated principal, checked against the role."""
        principal = getattr(request.state, "principal", None)
        if not isinstance(principal, Principal):
            raise Unauthorized("not authenticated: send a bearer token or an X-API-Key header")
        principal.require(self.role)
        return principal


class UploadBody:
    """Dependency streaming the raw body of an upload route.

    The guard gives such routes TELEMETRY_MAX_BODY_BYTES instead of MAX_BODY_BYTES and
    passes the stream through unbuffered, answering 413 once it grows past the limit.
    """

    async def __call__(self, request: Request) -> bytes:
        """The whole body (the guard has bounded it)."""
        return await request.body()


def require(role: Role) -> RoleRequirement:
    """Dependency that checks the caller holds ``role``."""
    return RoleRequirement(role)


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Operator = Annotated[Principal, Depends(require(Role.operator))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
TelemetryWriter = Annotated[Principal, Depends(require(Role.pod))]
