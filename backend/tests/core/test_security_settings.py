"""The security settings validate at start-up and name what they accept."""

from __future__ import annotations

import pytest

from app.core.config import ConfigError, load_settings


def test_trusted_proxies_take_addresses_and_networks(env: object) -> None:
    settings = load_settings(trusted_proxies=" 10.0.0.5, 192.168.1.0/24 ,::1")
    assert settings.trusted_proxy_list == ["10.0.0.5", "192.168.1.0/24", "::1"]
    assert load_settings().trusted_proxy_list == []


def test_a_bad_trusted_proxy_stops_start_up_naming_it(env: object) -> None:
    with pytest.raises(ConfigError, match=r"TRUSTED_PROXIES.*'proxy\.local' is not an IP"):
        load_settings(trusted_proxies="10.0.0.5,proxy.local")


@pytest.mark.parametrize(
    "name",
    [
        "max_body_bytes",
        "telemetry_max_body_bytes",
        "json_max_depth",
        "login_max_failures_per_source",
    ],
)
def test_limits_must_be_positive(env: object, name: str) -> None:
    with pytest.raises(ConfigError, match=name.upper()):
        load_settings(**{name: 0})
