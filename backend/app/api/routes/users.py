"""Admin-only management of users and API keys; every change is audited."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api.deps import Admin, DbDep, SettingsDep, SourceDep
from app.api.params import Id
from app.core.roles import Role
from app.schemas.auth import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.services import audit, auth

router = APIRouter(prefix="/api/v1")


@router.get("/users", tags=["users"])
def list_users(_: Admin, db: DbDep) -> list[UserRead]:
    """All users."""
    return [UserRead.model_validate(user) for user in auth.list_users(db)]


@router.post("/users", tags=["users"], status_code=status.HTTP_201_CREATED)
def create_user(
    body: UserCreate, admin: Admin, db: DbDep, settings: SettingsDep, source: SourceDep
) -> UserRead:
    """Add a user."""
    user = auth.create_user(
        db,
        username=body.username,
        role=Role(body.role),
        password=body.password,
        rounds=settings.password_hash_rounds,
    )
    details = {"role": str(user.role)}
    audit.record_audit(db, admin, audit.USER_CREATE, user.username, details, source)
    return UserRead.model_validate(user)


@router.get("/users/{user_id}", tags=["users"])
def read_user(user_id: Id, _: Admin, db: DbDep) -> UserRead:
    """One user."""
    return UserRead.model_validate(auth.get_user(db, user_id))


@router.patch("/users/{user_id}", tags=["users"])
def update_user(
    user_id: Id,
    body: UserUpdate,
    admin: Admin,
    db: DbDep,
    settings: SettingsDep,
    source: SourceDep,
) -> UserRead:
    """Change a user's role, active flag or password (revokes the user's tokens)."""
    user = auth.update_user(
        db,
        auth.get_user(db, user_id),
        role=Role(body.role) if body.role else None,
        active=body.active,
        password=body.password,
        rounds=settings.password_hash_rounds,
    )
    details = body.model_dump(exclude_none=True, exclude={"password"})
    if body.password is not None:
        details["password_changed"] = True
    audit.record_audit(db, admin, audit.USER_UPDATE, user.username, details, source)
    return UserRead.model_validate(user)


@router.delete("/users/{user_id}", tags=["users"], status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: Id, admin: Admin, db: DbDep, source: SourceDep) -> None:
    """Remove a user."""
    user = auth.get_user(db, user_id)
    auth.delete_user(db, user)
    details = {"id": user_id, "role": str(user.role)}
    audit.record_audit(db, admin, audit.USER_DELETE, user.username, details, source)


@router.get("/api-keys", tags=["api-keys"])
def list_api_keys(_: Admin, db: DbDep) -> list[ApiKeyRead]:
    """All API keys (the keys themselves are never shown again)."""
    return [ApiKeyRead.model_validate(key) for key in auth.list_api_keys(db)]


@router.post("/api-keys", tags=["api-keys"], status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyCreate, admin: Admin, db: DbDep, source: SourceDep) -> ApiKeyCreated:
    """Create a key; the response holds the key, shown this once."""
    record, key = auth.create_api_key(db, name=body.name, role=body.role)
    details = {"id": record.id, "role": str(record.role), "prefix": record.prefix}
    audit.record_audit(db, admin, audit.API_KEY_CREATE, record.name, details, source)
    return ApiKeyCreated(**ApiKeyRead.model_validate(record).model_dump(), key=key)


@router.delete("/api-keys/{key_id}", tags=["api-keys"])
def revoke_api_key(key_id: Id, admin: Admin, db: DbDep, source: SourceDep) -> ApiKeyRead:
    """Revoke a key; it stays listed as revoked."""
    record = auth.revoke_api_key(db, key_id)
    details = {"id": record.id, "prefix": record.prefix}
    audit.record_audit(db, admin, audit.API_KEY_REVOKE, record.name, details, source)
    return ApiKeyRead.model_validate(record)
