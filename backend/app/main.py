"""Application factory: resources are built in the lifespan and closed after it."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__
from app.api.admission import AdmissionMiddleware
from app.api.cached_reads import CachedReadsMiddleware
from app.api.errors import register_error_handlers
from app.api.frontend import mount_frontend
from app.api.guard import RequestGuard
from app.api.headers import SecurityHeadersMiddleware
from app.api.openapi import declare_errors
from app.api.read_cache import GZIP_LEVEL, GZIP_MINIMUM_SIZE, ReadCache
from app.api.router import api_router
from app.core.capacity import Capacity
from app.core.config import Settings, get_settings
from app.core.data_version import DataVersion, Source
from app.core.files import private_umask, restrict_permissions
from app.core.logging import AccessLogMiddleware, configure_logging
from app.core.server_lock import hold_for_server, release
from app.core.throttle import LoginThrottle
from app.db.changes import on_committed_writes
from app.db.session import build_engine, build_session_factory, migrate
from app.ml.services import MLService
from app.notifications.service import Notifications
from app.services.auth import ensure_admin
from app.services.ingestion import ingest_directory
from app.services.sessions import ensure_current
from app.storage.duckdb import TelemetryStore
from app.storage.scratch import clean_scratch, scratch_root

log = logging.getLogger("drillwatch")


def build_store(settings: Settings) -> TelemetryStore:
    """The DuckDB telemetry store configured from settings, schema ensured."""
    store = TelemetryStore.from_settings(settings)
    store.initialise()
    store.reclaim_space()
    return store


def _ingest_drop_folder(app: FastAPI, settings: Settings) -> None:
    try:
        ingest_directory(app.state.store, settings)
    except Exception:  # a bad drop folder must not take the server down
        log.exception("start-up ingest of %s failed", settings.telemetry_dir)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build stores and services at start-up; dispose of them at shutdown."""
    settings = get_settings()
    private_umask()
    settings.ensure_directories()
    configure_logging(settings)
    Capacity.from_settings(settings).apply_threads()
    server_lock = hold_for_server(settings)  # restore refuses to run while it is held
    clean_scratch(scratch_root(settings))
    engine = build_engine(settings)
    migrate(engine)
    app.state.session_factory = build_session_factory(engine)
    version: DataVersion = app.state.data_version
    on_committed_writes(app.state.session_factory, lambda: version.bump(Source.records))
    app.state.store = build_store(settings)
    ensure_current(app.state.store, settings)
    ensure_admin(app.state.session_factory, settings)
    restrict_permissions(settings)
    app.state.login_throttle = LoginThrottle.from_settings(settings)
    worker = threading.Thread(
        target=_ingest_drop_folder, args=(app, settings), name="startup-ingest", daemon=True
    )
    worker.start()
    app.state.startup_ingest = worker
    app.state.ml = MLService(settings, app.state.store, app.state.session_factory)
    app.state.ml.start(after=worker)
    app.state.data_version.add_generation(Source.scores, app.state.ml.result_generation)
    app.state.notifications = Notifications(settings, app.state.session_factory)
    app.state.notifications.start()
    log.info("DrillWatch %s ready on %s:%s", __version__, settings.host, settings.port)
    yield
    app.state.notifications.close()
    app.state.ml.close()
    app.state.store.release()  # other processes get the DuckDB file at once
    engine.dispose()
    release(server_lock)


CORS_METHODS = ["GET", "POST", "PATCH", "DELETE", "OPTIONS"]
CORS_HEADERS = ["Authorization", "X-API-Key", "Content-Type", "Accept"]


def add_cors(app: FastAPI, settings: Settings) -> None:
    """Allow the comma-separated CORS_ORIGINS cross-site; none when it is empty."""
    origins = [o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip()]
    if not origins:
        return  # the dashboard is served from the same origin and needs no CORS
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=False,  # bearer tokens and API keys are headers, not cookies
        allow_methods=CORS_METHODS,
        allow_headers=CORS_HEADERS,
    )


def create_app() -> FastAPI:
    """The FastAPI application with API routes, error handlers and the dashboard."""
    settings = get_settings()
    docs = settings.docs_enabled
    app = FastAPI(
        title="DrillWatch",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    # Added innermost first: cached reads only after the guard authorised the request;
    # the guard sees the request after CORS and the access log,
    # the proxy headers are resolved before any of them, security headers go on everything.
    app.state.data_version = DataVersion.of_stores(settings.duckdb_path, settings.sqlite_path)
    cache = ReadCache(settings.read_cache_max_bytes)
    app.add_middleware(CachedReadsMiddleware, cache=cache, version=app.state.data_version)
    app.add_middleware(RequestGuard, settings=settings, version=app.state.data_version)
    add_cors(app, settings)
    # Admission outside the guard: a queued request holds no thread, no SQL connection.
    app.add_middleware(AdmissionMiddleware, settings=settings)
    app.add_middleware(AccessLogMiddleware)  # outside guard and admission: refusals are logged
    if settings.trusted_proxy_list:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    # Level 6: most of level 9's saving on JSON and CSV at a fraction of the CPU.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=GZIP_LEVEL)
    app.add_middleware(SecurityHeadersMiddleware)
    register_error_handlers(app)
    declare_errors(app)
    app.include_router(api_router)
    mount_frontend(app)
    return app


app = create_app()
