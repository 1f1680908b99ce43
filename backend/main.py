"""Start the DrillWatch API and dashboard: ``cd backend && python main.py``."""

import sys

import uvicorn

from app.core.config import ConfigError, get_settings


def main() -> int:
    """Serve on HOST:PORT from the settings; exit 2 with one line per invalid setting."""
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(exc.code, file=sys.stderr)
        return 2
    # access lines come from AccessLogMiddleware (with the user), not uvicorn's logger;
    # X-Forwarded-For is honoured by the app only from TRUSTED_PROXIES, never by uvicorn
    uvicorn.run(
        "app.main:app",
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
