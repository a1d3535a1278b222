"""Settings come from the environment; production refuses unsafe defaults."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError, load_config, validate


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        validate(load_config({"APP_ENV": "production", "DATABASE_URL": "postgresql://db/x"}))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x"})


def test_production_with_a_real_secret_and_postgres_is_accepted() -> None:
    config = load_config({"APP_ENV": "production", "SECRET_KEY": "k" * 40,
                          "DATABASE_URL": "postgres://u@db:5432/yzs"})
    validate(config)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/yzs"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_sqlite() -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        validate(load_config({"APP_ENV": "production", "SECRET_KEY": "k" * 40}))


def test_development_defaults_are_safe_and_local() -> None:
    config = load_config({})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert config["SCHEDULER_AUTOSTART"] is False


def test_bad_numbers_are_reported_by_name() -> None:
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        load_config({"MAX_CONTENT_LENGTH": "ten"})
