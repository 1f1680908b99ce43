"""Start the DrillWatch API and dashboard: ``cd backend && python main.py``."""

import uvicorn

from app.core.config import get_settings


def main() -> None:
    """Serve on HOST:PORT from the settings."""
    settings = get_settings()
    uvicorn.run("app.main:app", host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
