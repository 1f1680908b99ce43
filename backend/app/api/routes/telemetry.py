"""Telemetry from pods (POST /api/v1/telemetry) and the ingest history and quarantine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.api.deps import (
    Admin,
    DbDep,
    SettingsDep,
    SourceDep,
    StoreDep,
    TelemetryWriter,
    UploadBody,
    Viewer,
)
from app.api.params import MAX_ID, Offset
from app.core.config import Settings
from app.core.errors import AppError
from app.core.json_limits import check_json
from app.schemas.telemetry import (
    IngestHistory,
    IngestReportRead,
    PurgeReportRead,
    PurgeRequest,
    QuarantinePage,
    TelemetryRecord,
)
from app.services import audit, ingestion, purge

router = APIRouter(prefix="/api/v1", tags=["telemetry"])
CSV_TYPES = ("text/csv", "text/plain")
JSON_TYPE = "application/json"

RECORD = TelemetryRecord.model_json_schema()
# any other item is taken too, and goes to quarantine with its reason
ANY_ITEM: dict[str, Any] = {"description": "Not a TelemetryRecord: quarantined"}
# the header line, then at least one row; each row is ingested or quarantined on its own
CSV_HEADER = "^" + ingestion.HEADER + r"\r?\n[\s\S]*\S"
BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string", "pattern": CSV_HEADER},
                "example": ingestion.HEADER
                + "\n2025-07-01T09:20:15Z,b4e1d9c2,410,7.3,52.393297,13.265675,67,\n",
            },
            JSON_TYPE: {
                "schema": {"type": "array", "minItems": 1, "items": {"anyOf": [RECORD, ANY_ITEM]}}
            },
        },
    }
}


class UnsupportedMediaTypeError(AppError):
    """The request body is neither CSV nor JSON."""

    status = 415


# Bounded by TELEMETRY_MAX_BODY_BYTES in app.api.guard before and while it is read.
read_body = UploadBody()


def parse_body(body: bytes, content_type: str, settings: Settings) -> bytes | list[Any]:
    """CSV bytes as they are, or the list a JSON body holds (depth and strings bounded)."""
    media = content_type.split(";")[0].strip().lower()
    if media in CSV_TYPES:
        return body
    if media != JSON_TYPE:
        raise UnsupportedMediaTypeError(
            f"Content-Type {media or '(none)'!r} not supported; send text/csv or {JSON_TYPE}",
            field="content-type",
        )
    check_json(body, max_depth=settings.json_max_depth, max_string=settings.json_max_string_length)
    return ingestion.parse_json_items(body)


@router.post("/telemetry", openapi_extra=BODY_DOC)
def post_telemetry(
    principal: TelemetryWriter,
    request: Request,
    body: Annotated[bytes, Depends(read_body)],
    store: StoreDep,
    settings: SettingsDep,
) -> IngestReportRead:
    """Ingest samples sent as CSV (with header) or a JSON array; invalid rows are quarantined."""
    payload = parse_body(body, request.headers.get("content-type", ""), settings)
    report = ingestion.ingest_rows(store, payload, settings, source=f"api:{principal.name}")
    return IngestReportRead.model_validate(report)


@router.get("/ingest/quarantine")
def list_quarantine(
    _: Viewer,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
    source: Annotated[str | None, Query(description="Only rows from this source")] = None,
    ingest_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only rows of this ingest")
    ] = None,
) -> QuarantinePage:
    """Rows rejected by ingestion with source, line, raw text and reason."""
    return ingestion.quarantine_page(
        store, source=source, ingest_id=ingest_id, limit=limit, offset=offset
    )


@router.get("/ingest/history")
def list_ingests(
    _: Viewer,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> IngestHistory:
    """Committed ingests, newest first, with their counts."""
    return ingestion.ingest_history(store, limit=limit, offset=offset)


@router.post("/telemetry/purge", response_model_by_alias=True)
def purge_telemetry(
    body: PurgeRequest,
    principal: Admin,
    store: StoreDep,
    settings: SettingsDep,
    db: DbDep,
    source: SourceDep,
) -> PurgeReportRead:
    """Delete, or move back to the quarantine, stored rows of a device and time range (admin).

    ``dry_run`` only counts. Sessions of the touched devices are rebuilt; ML recomputes.
    """
    scope = purge.scope_of(body.device_id, body.start, body.end)
    report = purge.purge_telemetry(
        store,
        settings,
        scope,
        actor=principal.name,
        requarantine=body.requarantine,
        dry_run=body.dry_run,
    )
    if not report.dry_run:
        details = purge.purge_audit_details(principal.name, report, datetime.now(UTC))
        target = report.device_id or "all devices"
        audit.record_audit(db, principal, audit.TELEMETRY_PURGE, target, details, source)
    return PurgeReportRead.model_validate(report)
