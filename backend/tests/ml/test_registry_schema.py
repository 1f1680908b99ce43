"""Model-registry schema: models agree with migration 0002, one active row at most."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.core.config import Settings
from app.db.base import Base
from app.db.session import alembic_config
from app.ml.models.model_manager import MLModelManager
from tests.ml.model_factories import active_rows, save_scaler


@pytest.fixture
def manager(settings: Settings) -> Iterator[MLModelManager]:
    built = MLModelManager(settings)
    yield built
    built.close()


ML_TABLES = {"ml_models", "ml_deployments"}


def test_registry_models_match_the_migration(manager: MLModelManager) -> None:
    assert manager._engine is not None
    with manager._engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert [d for d in diffs if ML_TABLES & set(str(d).split("'"))] == []


def test_database_refuses_a_second_active_version(manager: MLModelManager) -> None:
    first, second = save_scaler(manager, 1), save_scaler(manager, 2)
    manager.deploy_model(first)
    with pytest.raises(IntegrityError), manager.session_factory.begin() as session:
        session.execute(
            text("UPDATE ml_models SET is_active = :on WHERE version = :v"),
            {"on": True, "v": second},
        )
    assert active_rows(manager) == [first]


def test_downgrade_to_0001_drops_the_registry_tables(manager: MLModelManager) -> None:
    assert manager._engine is not None
    config = alembic_config()
    with manager._engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001_auth")
    assert not ML_TABLES & set(inspect(manager._engine).get_table_names())
