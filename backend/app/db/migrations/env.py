"""Alembic environment: runs on the application's connection or on DATABASE_URL."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from app.db import models, models_alerts, models_audit, models_ml, models_notify
from app.db.base import Base

# Importing every model module registers its tables on Base.metadata (autogenerate).
MODEL_MODULES = (models, models_alerts, models_audit, models_ml, models_notify)
config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    """Run the pending migrations on ``connection`` inside its transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode does that for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_from_command_line() -> None:
    """`alembic upgrade head` from backend/: use DATABASE_URL from the settings."""
    from app.core.config import get_settings
    from app.db.session import build_engine

    if config.config_file_name is not None:
        # Only here: at application start-up this would replace the app's logging.
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = build_engine(get_settings())
    try:
        with engine.begin() as connection:
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")

shared = config.attributes.get("connection")
if shared is not None:
    run_on(shared)
else:
    run_from_command_line()
