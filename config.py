"""Herald settings, read from HERALD_* environment variables.

Each environment is a class; ``load_config`` picks one by ``HERALD_ENV`` and turns the
environment into a plain mapping for ``app.config``. Bad values fail fast with a message
that names the variable, so a typo in a deployment never turns into a silent default.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# How long a staff sign-in lasts at most, with or without "keep me signed in".
STAFF_SESSION_LIFETIME = timedelta(days=30)


class ConfigError(ValueError):
    """A setting has a value Herald cannot use."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _float(name: str, raw: str, minimum: float | None = None) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _int(name: str, raw: str, minimum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _proxy_hops(raw: str) -> int:
    hops = _int("HERALD_PROXY_HOPS", raw.strip() or "0", 0)
    if hops > 10:
        raise ConfigError(
            f"HERALD_PROXY_HOPS is the number of proxies in front of Herald (0 to 10), got {raw!r}"
        )
    return hops


def _choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return raw


def _url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _colour(name: str, raw: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", raw):
        raise ConfigError(f"{name} must be a colour like #1f6feb, got {raw!r}")
    return raw.lower()


def _zone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name} must be an IANA time zone like Europe/London, got {raw!r}"
        ) from None
    return raw


# A Slack channel id as Slack shows it under the channel's details (the same shape as
# subscribers.validation.SLACK_ID); names change, ids do not.
SLACK_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{8,12}")


def _slack_channel(name: str, raw: str) -> str:
    value = raw.strip().upper()
    if value and not SLACK_CHANNEL_ID.fullmatch(value):
        raise ConfigError(
            f"{name} must be a Slack channel id like C0123456789 (under the channel's "
            f"details), not a name; got {raw!r}"
        )
    return value


def _slack_pair(settings: Mapping[str, object]) -> None:
    """The Slack app needs both halves or neither: one alone would leave Slack half on
    (routes off, or messages posted that nobody can answer)."""
    halves = {
        "HERALD_SLACK_SIGNING_SECRET": settings["SLACK_SIGNING_SECRET"],
        "HERALD_SLACK_BOT_TOKEN": settings["SLACK_BOT_TOKEN"],
    }
    missing = [name for name, value in halves.items() if not value]
    if len(missing) == 1:
        given = next(name for name in halves if name not in missing)
        raise ConfigError(
            f"{missing[0]} is missing: Slack needs it as well as {given} (see README, Slack)"
        )


UPTIME_STATUSES = ("degraded_performance", "partial_outage", "major_outage", "under_maintenance")


def parse_uptime_weights(name: str, raw: str) -> dict[str, float]:
    """Parse ``major_outage=1,partial_outage=0.3`` into weights between 0 and 1.

    A status that is not named counts as up (weight 0).
    """
    weights = dict.fromkeys(UPTIME_STATUSES, 0.0)
    for item in filter(None, (part.strip() for part in raw.split(","))):
        status, sep, value = item.partition("=")
        status = status.strip()
        if not sep or status not in weights:
            raise ConfigError(
                f"{name}: {item!r} is not status=weight with a status among "
                f"{', '.join(UPTIME_STATUSES)}"
            )
        weight = _float(name, value.strip(), minimum=0.0)
        if weight > 1:
            raise ConfigError(f"{name}: the weight of {status} must be between 0 and 1")
        weights[status] = weight
    return weights


SECRET_KEY_FILE = "secret_key"


def instance_secret_key(path: str) -> str:
    """The key stored at ``path``, created once (owner-only, 0600) when there is none.

    Processes starting together each write a candidate to a file of their own and link it
    to ``path``: the link fails for all but the first, and everyone reads the winner's
    complete file (never a half-written one).
    """
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    folder = os.path.dirname(path) or "."
    candidate = os.path.join(folder, f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        os.makedirs(folder, exist_ok=True)
        handle = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            os.unlink(candidate)
    except OSError as error:
        raise ConfigError(
            f"Cannot keep a development secret key at {path} ({error.strerror}); "
            "set HERALD_SECRET_KEY"
        ) from None
    return _read_key(path)


def _read_key(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        key = handle.read().strip()
    if len(key) < 32:
        raise ConfigError(
            f"The development secret key in {path} is shorter than 32 characters; "
            "delete the file to make a new one, or set HERALD_SECRET_KEY"
        )
    return key


class BaseConfig:
    """Defaults shared by every environment. Values here are raw environment strings."""

    ENV_NAME = "development"
    DEFAULTS: Mapping[str, str] = {
        "HERALD_PUBLIC_URL": "http://127.0.0.1:5000",
        "HERALD_PAGE_NAME": "Herald Status",
        "HERALD_PAGE_ID": "herald",
        "HERALD_PAGE_LOGO": "",
        "HERALD_ACCENT_COLOUR": "#1f6feb",
        "HERALD_TIME_ZONE": "Etc/UTC",
        "HERALD_UPTIME_WEIGHTS": "major_outage=1,partial_outage=0.3",
        "HERALD_CACHE_SECONDS": "15",
        "HERALD_CACHE_CHECK_SECONDS": "0.25",
        "HERALD_RATELIMIT_STORAGE_URL": "memory://",
        "HERALD_PROXY_HOPS": "0",
        "HERALD_LOGIN_RATE": "10 per minute;50 per hour",
        "HERALD_EMBEDDED_WORKER": "true",
        "HERALD_HISTORY_PAGE_SIZE": "3",
        "HERALD_EMAIL_BACKEND": "file",
        "HERALD_SMTP_HOST": "localhost",
        "HERALD_SMTP_PORT": "25",
        "HERALD_SMTP_STARTTLS": "false",
        "HERALD_SMTP_BATCH": "100",
        "HERALD_MAIL_FROM": "status@localhost",
        "HERALD_SENDGRID_HOST": "https://api.sendgrid.com",
        "HERALD_SMS_BACKEND": "log",
        "HERALD_TWILIO_API_BASE": "https://api.twilio.com",
        "HERALD_SMS_RATE": "1",
        "HERALD_SMS_CONCURRENCY": "8",
        "HERALD_WEBHOOK_CONCURRENCY": "16",
        "HERALD_PHONE_REGION": "US",
        "HERALD_PROVIDER_TIMEOUT": "10",
        "HERALD_DELIVERY_LEASE_SECONDS": "120",
        "HERALD_WORKER_LEASE_SECONDS": "15",
        "HERALD_MAX_ATTEMPTS": "8",
        "HERALD_SUBSCRIBE_RATE": "5 per minute;30 per hour",
        "HERALD_SUBSCRIBE_ADDRESS_RATE": "5 per hour;10 per day",
        "HERALD_SLACK_API_BASE": "https://slack.com/api/",
    }
    TESTING = False

    @classmethod
    def build(cls, environ: Mapping[str, str], instance_path: str) -> dict[str, object]:
        raw = dict(cls.DEFAULTS)
        raw.update({k: v for k, v in environ.items() if k.startswith("HERALD_")})
        if not environ.get("HERALD_PUBLIC_URL"):
            raw["HERALD_PUBLIC_URL"] = (
                cls.unset_public_url(instance_path) or raw["HERALD_PUBLIC_URL"]
            )

        def get(name: str) -> str:
            return raw.get(name, "")

        https = urlsplit(get("HERALD_PUBLIC_URL")).scheme == "https"
        # Secure cookies follow the public URL unless set explicitly.
        secure_cookies = (
            _bool("HERALD_SESSION_COOKIE_SECURE", get("HERALD_SESSION_COOKIE_SECURE"))
            if get("HERALD_SESSION_COOKIE_SECURE")
            else https
        )
        database_url = get("HERALD_DATABASE_URL") or (
            "sqlite:///" + os.path.join(instance_path, "herald.db")
        )
        settings: dict[str, object] = {
            "HERALD_ENV": cls.ENV_NAME,
            "TESTING": cls.TESTING,
            "SECRET_KEY": get("HERALD_SECRET_KEY"),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
            "PUBLIC_URL": _url("HERALD_PUBLIC_URL", get("HERALD_PUBLIC_URL")),
            "PAGE_NAME": get("HERALD_PAGE_NAME").strip() or "Herald Status",
            "PAGE_ID": get("HERALD_PAGE_ID").strip() or "herald",
            "PAGE_LOGO": get("HERALD_PAGE_LOGO").strip(),
            "ACCENT_COLOUR": _colour("HERALD_ACCENT_COLOUR", get("HERALD_ACCENT_COLOUR")),
            "TIME_ZONE": _zone("HERALD_TIME_ZONE", get("HERALD_TIME_ZONE")),
            "UPTIME_WEIGHTS": parse_uptime_weights(
                "HERALD_UPTIME_WEIGHTS", get("HERALD_UPTIME_WEIGHTS")
            ),
            "CACHE_SECONDS": _int("HERALD_CACHE_SECONDS", get("HERALD_CACHE_SECONDS"), 0),
            "CACHE_CHECK_SECONDS": _float(
                "HERALD_CACHE_CHECK_SECONDS", get("HERALD_CACHE_CHECK_SECONDS"), 0.0
            ),
            "RATELIMIT_STORAGE_URI": get("HERALD_RATELIMIT_STORAGE_URL"),
            "RATELIMIT_ENABLED": True,
            # Reverse proxies in front of Herald that set X-Forwarded-For/-Proto/-Host;
            # 0 trusts none of these headers (anyone can send them).
            "PROXY_HOPS": _proxy_hops(get("HERALD_PROXY_HOPS")),
            "LOGIN_RATE": get("HERALD_LOGIN_RATE"),
            "EMBEDDED_WORKER": _bool("HERALD_EMBEDDED_WORKER", get("HERALD_EMBEDDED_WORKER")),
            # An alert delivery is answered once its alerts are stored; a thread of the
            # process settles them just after (app/signals/alert_applier.py).
            "ALERT_CLAIMS_IN_REQUEST": False,
            "HISTORY_PAGE_SIZE": _int(
                "HERALD_HISTORY_PAGE_SIZE", get("HERALD_HISTORY_PAGE_SIZE"), 1
            ),
            "EMAIL_BACKEND": _choice(
                "HERALD_EMAIL_BACKEND", get("HERALD_EMAIL_BACKEND"), ("file", "smtp", "sendgrid")
            ),
            "SMTP_HOST": get("HERALD_SMTP_HOST"),
            "SMTP_PORT": _int("HERALD_SMTP_PORT", get("HERALD_SMTP_PORT"), 1),
            "SMTP_USERNAME": get("HERALD_SMTP_USERNAME"),
            "SMTP_PASSWORD": get("HERALD_SMTP_PASSWORD"),
            "SMTP_STARTTLS": _bool("HERALD_SMTP_STARTTLS", get("HERALD_SMTP_STARTTLS")),
            "SMTP_BATCH": _int("HERALD_SMTP_BATCH", get("HERALD_SMTP_BATCH"), 1),
            "MAIL_FROM": get("HERALD_MAIL_FROM"),
            "SENDGRID_API_KEY": get("HERALD_SENDGRID_API_KEY"),
            "SENDGRID_HOST": _url("HERALD_SENDGRID_HOST", get("HERALD_SENDGRID_HOST")),
            "SENDGRID_WEBHOOK_PUBLIC_KEY": get("HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY"),
            "SMS_BACKEND": _choice(
                "HERALD_SMS_BACKEND", get("HERALD_SMS_BACKEND"), ("log", "twilio")
            ),
            "TWILIO_ACCOUNT_SID": get("HERALD_TWILIO_ACCOUNT_SID"),
            "TWILIO_AUTH_TOKEN": get("HERALD_TWILIO_AUTH_TOKEN"),
            "TWILIO_FROM": get("HERALD_TWILIO_FROM"),
            "TWILIO_MESSAGING_SERVICE_SID": get("HERALD_TWILIO_MESSAGING_SERVICE_SID"),
            "TWILIO_API_BASE": _url("HERALD_TWILIO_API_BASE", get("HERALD_TWILIO_API_BASE")),
            # Segments a second; 0 means no limit (benchmarks against a local fake only).
            "SMS_RATE": _float("HERALD_SMS_RATE", get("HERALD_SMS_RATE"), 0.0),
            "SMS_CONCURRENCY": _int("HERALD_SMS_CONCURRENCY", get("HERALD_SMS_CONCURRENCY"), 1),
            "WEBHOOK_CONCURRENCY": _int(
                "HERALD_WEBHOOK_CONCURRENCY", get("HERALD_WEBHOOK_CONCURRENCY"), 1
            ),
            "WEBHOOK_CA_BUNDLE": get("HERALD_WEBHOOK_CA_BUNDLE"),
            "PHONE_REGION": get("HERALD_PHONE_REGION").upper(),
            "PROVIDER_TIMEOUT": _float(
                "HERALD_PROVIDER_TIMEOUT", get("HERALD_PROVIDER_TIMEOUT"), 0.1
            ),
            "DELIVERY_LEASE_SECONDS": _float(
                "HERALD_DELIVERY_LEASE_SECONDS", get("HERALD_DELIVERY_LEASE_SECONDS"), 1.0
            ),
            "MAX_ATTEMPTS": _int("HERALD_MAX_ATTEMPTS", get("HERALD_MAX_ATTEMPTS"), 1),
            "WORKER_LEASE_SECONDS": _float(
                "HERALD_WORKER_LEASE_SECONDS", get("HERALD_WORKER_LEASE_SECONDS"), 1.0
            ),
            # The Slack app: both the signing secret and the bot token, or nothing of Slack.
            "SLACK_SIGNING_SECRET": get("HERALD_SLACK_SIGNING_SECRET").strip(),
            "SLACK_BOT_TOKEN": get("HERALD_SLACK_BOT_TOKEN").strip(),
            "SLACK_API_BASE": _url("HERALD_SLACK_API_BASE", get("HERALD_SLACK_API_BASE")) + "/",
            # Approval requests go to this channel when set, else to each approver's DMs.
            "SLACK_APPROVERS_CHANNEL": _slack_channel(
                "HERALD_SLACK_APPROVERS_CHANNEL", get("HERALD_SLACK_APPROVERS_CHANNEL")
            ),
            # Declaring an incident opens a Slack channel for it (responders invited).
            "SLACK_INCIDENT_CHANNELS": _bool(
                "HERALD_SLACK_INCIDENT_CHANNELS", get("HERALD_SLACK_INCIDENT_CHANNELS")
            ),
            "SUBSCRIBE_RATE": get("HERALD_SUBSCRIBE_RATE"),
            "SUBSCRIBE_ADDRESS_RATE": get("HERALD_SUBSCRIBE_ADDRESS_RATE"),
            "CELERY_BROKER_URL": get("HERALD_CELERY_BROKER_URL"),
            "CELERY_RESULT_BACKEND": get("HERALD_CELERY_RESULT_BACKEND"),
            "CELERY_QUEUE": get("HERALD_CELERY_QUEUE") or "herald",
            # Webhooks to private addresses are fine on a laptop, never in production.
            "WEBHOOK_ALLOW_PRIVATE": _bool(
                "HERALD_WEBHOOK_ALLOW_PRIVATE", get("HERALD_WEBHOOK_ALLOW_PRIVATE")
            )
            if get("HERALD_WEBHOOK_ALLOW_PRIVATE")
            else cls.ENV_NAME != "production",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": secure_cookies,
            # The remember-me cookie restores a session: it gets the session cookie's
            # protections, and lives no longer than the session record it names.
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": secure_cookies,
            "REMEMBER_COOKIE_DURATION": STAFF_SESSION_LIFETIME,
            # HSTS (RFC 6797) only when the page is served over https: on http it is ignored
            # by browsers and would mislead whoever reads the headers.
            "HSTS": https,
            "WTF_CSRF_TIME_LIMIT": None,
            "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        }
        _slack_pair(settings)
        settings.update(cls.overrides(raw))
        # Last, so that a bad setting fails before a key file is written.
        if not settings["SECRET_KEY"]:
            settings["SECRET_KEY"] = cls.missing_secret(instance_path)
        return settings

    @classmethod
    def unset_public_url(cls, instance_path: str) -> str | None:
        """The public URL when HERALD_PUBLIC_URL is not set (None: the default's)."""
        return None

    @classmethod
    def missing_secret(cls, instance_path: str) -> str:
        # Tests: a key per process is enough, and nothing is written.
        return secrets.token_hex(32)

    @classmethod
    def overrides(cls, raw: Mapping[str, str]) -> dict[str, object]:
        return {}


DEMO_URL_FILE = "demo_url"


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"

    @classmethod
    def unset_public_url(cls, instance_path: str) -> str | None:
        # Where ``herald demo`` last served (it writes the file when it starts): the URLs
        # a command prints in another shell (``herald create-integration``) point at the
        # demo's port, not the default's.
        try:
            with open(os.path.join(instance_path, DEMO_URL_FILE), encoding="utf-8") as file:
                url = file.read().strip()
        except OSError:
            return None
        parts = urlsplit(url)
        return url if parts.scheme == "http" and parts.hostname and len(url) < 200 else None

    @classmethod
    def missing_secret(cls, instance_path: str) -> str:
        # A key kept in the instance folder: a restart of the demo keeps staff signed in
        # and pending confirmation links valid, and every process of one start agrees.
        return instance_secret_key(os.path.join(instance_path, SECRET_KEY_FILE))


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"

    @classmethod
    def missing_secret(cls, instance_path: str) -> str:
        raise ConfigError("HERALD_SECRET_KEY is required when HERALD_ENV=production")


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True

    @classmethod
    def overrides(cls, raw: Mapping[str, str]) -> dict[str, object]:
        return {
            # Tests create and sign in hundreds of users: a cheap hash keeps them quick.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "EMBEDDED_WORKER": False,
            # Tests read a delivery's effects as soon as it is answered.
            "ALERT_CLAIMS_IN_REQUEST": True,
            "CACHE_CHECK_SECONDS": 0.0,
        }


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def engine_options(database_url: str) -> dict[str, object]:
    """Engine settings per backend: SQLite needs WAL and a busy timeout to share a file
    between the web threads and the worker; PostgreSQL wants pre-ping for long-lived pools."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def load_config(
    environ: Mapping[str, str] | None = None, instance_path: str = "instance"
) -> dict[str, object]:
    """Return the settings for ``HERALD_ENV`` (development by default)."""
    environ = os.environ if environ is None else environ
    name = environ.get("HERALD_ENV", "development").strip() or "development"
    env_class = CONFIGS.get(_choice("HERALD_ENV", name, tuple(CONFIGS)))
    assert env_class is not None
    return env_class.build(environ, instance_path)
