"""Telemetry from pods (POST /api/v1/telemetry) and the ingest history and quarantine."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.api.deps import Admin, SettingsDep, StoreDep, TelemetryWriter, Viewer
from app.api.params import MAX_ID, Offset
from app.core.errors import AppError
from app.schemas.telemetry import (
    IngestHistory,
    IngestReportRead,
    PurgeReportRead,
    PurgeRequest,
    QuarantinePage,
    TelemetryRecord,
)
from app.services import ingestion, purge

router = APIRouter(prefix="/api/v1", tags=["telemetry"])
MAX_BODY_BYTES = 64 * 1024 * 1024
CSV_TYPES = ("text/csv", "text/plain")
JSON_TYPE = "application/json"

BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": ingestion.HEADER
                + "\n2025-07-01T09:20:15Z,b4e1d9c2,410,7.3,52.393297,13.265675,67,\n",
            },
            JSON_TYPE: {"schema": {"type": "array", "items": TelemetryRecord.model_json_schema()}},
        },
    }
}


class PayloadTooLargeError(AppError):
    """The request body exceeds what the API accepts in one request."""

    status = 413


class UnsupportedMediaTypeError(AppError):
    """The request body is neither CSV nor JSON."""

    status = 415


async def read_body(request: Request) -> bytes:
    """The raw request body, refused beyond MAX_BODY_BYTES."""
    too_large = PayloadTooLargeError(
        f"request body larger than {MAX_BODY_BYTES // 2**20} MiB; "
        "split it or use `drillwatch ingest FILE`"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def parse_body(body: bytes, content_type: str) -> bytes | list[Any]:
    """CSV bytes as they are, or the list a JSON body holds."""
    media = content_type.split(";")[0].strip().lower()
    if media in CSV_TYPES:
        return body
    if media != JSON_TYPE:
        raise UnsupportedMediaTypeError(
            f"Content-Type {media or '(none)'!r} not supported; send text/csv or {JSON_TYPE}",
            field="content-type",
        )
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
    payload = parse_body(body, request.headers.get("content-type", ""))
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
    body: PurgeRequest, principal: Admin, store: StoreDep, settings: SettingsDep
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
    return PurgeReportRead.model_validate(report)
