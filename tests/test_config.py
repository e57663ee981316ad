import re

import pytest

from config import ConfigError, load_config, parse_uptime_weights


def test_development_defaults_need_no_settings(tmp_path):
    settings = load_config({}, str(tmp_path))
    assert settings["HERALD_ENV"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/herald.db"
    assert settings["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert len(settings["SECRET_KEY"]) >= 32
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="HERALD_SECRET_KEY is required"):
        load_config({"HERALD_ENV": "production"}, "instance")


def test_production_over_https_uses_secure_cookies():
    settings = load_config(
        {
            "HERALD_ENV": "production",
            "HERALD_SECRET_KEY": "k",
            "HERALD_PUBLIC_URL": "https://status.example.com/",
        },
        "instance",
    )
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["PUBLIC_URL"] == "https://status.example.com"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HERALD_ENV", "staging", "HERALD_ENV must be one of"),
        ("HERALD_PUBLIC_URL", "status.example.com", "must be an http(s) URL"),
        ("HERALD_ACCENT_COLOUR", "blue", "must be a colour"),
        ("HERALD_TIME_ZONE", "Mars/Olympus", "IANA time zone"),
        ("HERALD_CACHE_SECONDS", "ten", "must be a whole number"),
        ("HERALD_CACHE_SECONDS", "-1", "at least 0"),
        ("HERALD_EMBEDDED_WORKER", "maybe", "must be true or false"),
        ("HERALD_UPTIME_WEIGHTS", "major_outage=2", "between 0 and 1"),
        ("HERALD_UPTIME_WEIGHTS", "down=1", "is not status=weight"),
    ],
)
def test_a_bad_setting_fails_fast_naming_the_variable(name, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        load_config({name: value}, "instance")
    assert name in str(error.value)


def test_uptime_weights_default_unnamed_statuses_to_up():
    weights = parse_uptime_weights("W", "major_outage=1, degraded_performance=0.1")
    assert weights == {
        "major_outage": 1.0,
        "partial_outage": 0.0,
        "degraded_performance": 0.1,
        "under_maintenance": 0.0,
    }
