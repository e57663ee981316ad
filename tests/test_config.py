import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from app.public.fastpath import FastPath
from config import ConfigError, load_config, parse_uptime_weights
from core.db import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


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


def test_development_keeps_one_generated_key_in_the_instance_folder(tmp_path, monkeypatch):
    # Two starts of the demo (or two processes of one start) sign with the same key, so
    # a restart keeps staff signed in and pending confirmation links valid.
    monkeypatch.setenv("HERALD_ENV", "development")
    monkeypatch.setenv("HERALD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("HERALD_SECRET_KEY", raising=False)
    first, second = create_app(), create_app()
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


ROOT = Path(__file__).resolve().parents[1]
PRINT_KEY = (
    "import sys; from config import load_config; print(load_config({}, sys.argv[1])['SECRET_KEY'])"
)


def test_processes_starting_together_in_development_share_one_key(tmp_path):
    # As gunicorn's processes in development: started at once, none has a key yet.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", PRINT_KEY, str(tmp_path)],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    keys = {start.communicate(timeout=60)[0].strip() for start in starts}
    assert keys == {(tmp_path / "secret_key").read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no stray candidate


def test_an_environment_key_wins_and_writes_nothing(tmp_path):
    settings = load_config({"HERALD_SECRET_KEY": "from-the-environment"}, str(tmp_path))
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_an_empty_key_file_is_refused_with_its_path(tmp_path):
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ConfigError, match="secret_key") as error:
        load_config({}, str(tmp_path))
    assert "HERALD_SECRET_KEY" in str(error.value)
    assert (tmp_path / "secret_key").read_text() == "\n"


def test_production_without_a_key_refuses_to_start_and_writes_no_key(tmp_path, monkeypatch):
    monkeypatch.setenv("HERALD_ENV", "production")
    monkeypatch.setenv("HERALD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("HERALD_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="HERALD_SECRET_KEY is required"):
        create_app()
    assert not (tmp_path / "secret_key").exists()


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
        ("HERALD_PROXY_HOPS", "one", "must be a whole number"),
        ("HERALD_PROXY_HOPS", "-1", "at least 0"),
        ("HERALD_PROXY_HOPS", "11", "0 to 10"),
    ],
)
def test_a_bad_setting_fails_fast_naming_the_variable(name, value, message, tmp_path):
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        load_config({name: value}, str(tmp_path))
    assert name in str(error.value)
    assert not (tmp_path / "secret_key").exists()  # checked before anything is written


def test_uptime_weights_default_unnamed_statuses_to_up():
    weights = parse_uptime_weights("W", "major_outage=1, degraded_performance=0.1")
    assert weights == {
        "major_outage": 1.0,
        "partial_outage": 0.0,
        "degraded_performance": 0.1,
        "under_maintenance": 0.0,
    }


def test_proxy_hops_default_to_none_trusted(tmp_path):
    assert load_config({}, str(tmp_path))["PROXY_HOPS"] == 0
    assert load_config({"HERALD_PROXY_HOPS": "2"}, str(tmp_path))["PROXY_HOPS"] == 2


@pytest.fixture
def behind(app, database_url):
    """``behind(hops)``: the app as deployed behind ``hops`` proxies, with a low sign-in
    rate and a page that shows what the app makes of a request."""
    built = []

    def build(hops: int):
        proxied = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "test-secret",
                "SERVER_NAME": None,
                "LOGIN_RATE": "2 per minute",
                "PROXY_HOPS": hops,
            }
        )

        @proxied.get("/_test/request")
        def seen():
            return {
                "remote_addr": request.remote_addr,
                "scheme": request.scheme,
                "host": request.host,
                "url": request.url,
            }

        built.append(proxied)
        return proxied

    yield build
    for proxied in built:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()


def sign_in_from(client, address: str) -> int:
    page = client.get("/login").get_data(as_text=True)
    data = {
        "email": "nobody@example.com",
        "password": "wrong",
        "csrf_token": CSRF_RE.search(page).group(1),
    }
    return client.post("/login", data=data, headers={"X-Forwarded-For": address}).status_code


def test_behind_one_proxy_the_sign_in_limit_counts_per_client(behind):
    proxied = behind(1)
    assert isinstance(proxied.wsgi_app, ProxyFix)  # outermost, around the fast path
    assert isinstance(proxied.wsgi_app.app, FastPath)
    client = proxied.test_client()
    assert [sign_in_from(client, "203.0.113.5") for _ in range(3)] == [401, 401, 429]
    # Another client behind the same proxy has its own count.
    assert sign_in_from(client, "198.51.100.7") == 401


def test_without_proxy_hops_forwarded_headers_are_ignored(behind):
    client = behind(0).test_client()
    assert [sign_in_from(client, "203.0.113.5") for _ in range(2)] == [401, 401]
    # Anyone can send X-Forwarded-For: without trusted proxies it changes nothing.
    assert sign_in_from(client, "198.51.100.7") == 429
    seen = client.get(
        "/_test/request",
        headers={"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"},
    ).get_json()
    assert seen["remote_addr"] == "127.0.0.1" and seen["scheme"] == "http"


def test_behind_one_proxy_scheme_host_and_address_come_from_it(behind):
    client = behind(1).test_client()
    seen = client.get(
        "/_test/request",
        headers={
            # A client-sent value first, then the one our proxy appended: trust only that.
            "X-Forwarded-For": "10.9.9.9, 203.0.113.5",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "status.example.com",
        },
    ).get_json()
    assert seen == {
        "remote_addr": "203.0.113.5",
        "scheme": "https",
        "host": "status.example.com",
        "url": "https://status.example.com/_test/request",
    }


def test_development_links_follow_the_port_the_demo_last_served_on(tmp_path):
    """``herald demo`` writes where it serves; a command run beside it (in development,
    without HERALD_PUBLIC_URL) prints URLs on that port, not the default's."""
    assert load_config({}, str(tmp_path))["PUBLIC_URL"] == "http://127.0.0.1:5000"
    (tmp_path / "demo_url").write_text("http://127.0.0.1:5171\n")
    assert load_config({}, str(tmp_path))["PUBLIC_URL"] == "http://127.0.0.1:5171"
    chosen = {"HERALD_PUBLIC_URL": "https://status.example.com"}
    assert load_config(chosen, str(tmp_path))["PUBLIC_URL"] == "https://status.example.com"
    production = {"HERALD_ENV": "production", "HERALD_SECRET_KEY": "k" * 40}
    assert load_config(production, str(tmp_path))["PUBLIC_URL"] == "http://127.0.0.1:5000"
    (tmp_path / "demo_url").write_text("javascript:alert(1)")
    assert load_config({}, str(tmp_path))["PUBLIC_URL"] == "http://127.0.0.1:5000"
