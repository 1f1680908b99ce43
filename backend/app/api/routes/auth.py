"""Login (OAuth2 password flow) and who-am-I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import DbDep, SettingsDep, SourceDep, Viewer
from app.core.errors import Unauthorized
from app.core.roles import Principal
from app.core.throttle import LoginThrottle
from app.schemas.auth import PrincipalRead, TokenResponse
from app.services import audit, auth

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/token",
    responses={
        401: {"description": "Incorrect username or password"},
        429: {
            "description": "Too many failed logins for the account (LOGIN_MAX_FAILURES) or "
            "from the address (LOGIN_MAX_FAILURES_PER_SOURCE); see Retry-After"
        },
    },
)
def issue_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: DbDep,
    settings: SettingsDep,
    source: SourceDep,
) -> TokenResponse:
    """Exchange a username and password for a short-lived bearer token."""
    throttle: LoginThrottle = request.app.state.login_throttle
    try:
        with throttle.attempt(form.username, source):
            issued = auth.login(db, settings, form.username, form.password)
    except Unauthorized:
        # Give the request's connection back first: holding it while waiting for a second
        # one starves the pool under a burst of failed logins (500s instead of 401s).
        db.rollback()
        # its own transaction: the request's is rolled back with the 401
        with request.app.state.session_factory.begin() as trail:
            audit.record_audit(trail, "anonymous", audit.LOGIN_FAILED, form.username, {}, source)
        raise
    throttle.succeeded(form.username)
    audit.record_audit(db, form.username, audit.LOGIN, form.username, {}, source)
    request.state.principal = Principal(
        name=form.username, role=issued.role, kind="user", id=issued.user_id
    )
    return TokenResponse(
        access_token=issued.access_token, expires_in=issued.expires_in, role=issued.role
    )


@router.get("/me")
def read_me(principal: Viewer) -> PrincipalRead:
    """The user or API key the request acts as."""
    return PrincipalRead(name=principal.name, role=principal.role, kind=principal.kind)
