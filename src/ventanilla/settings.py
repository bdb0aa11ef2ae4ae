"""Ventanilla settings: the one place that reads the environment.

Every setting comes from an environment variable (see docs/admin/configuration.md). The defaults give the
embedded desk: SQLite under ``var/``, a broker that needs no server, an in-memory cache.
"""

from __future__ import annotations

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent

env = environ.Env()

VAR_DIR = Path(env.str("VENTANILLA_VAR_DIR", default=str(BASE_DIR / "var")))
TESTING = "pytest" in sys.modules or env.bool("VENTANILLA_TESTING", default=False)

DEBUG = env.bool("DEBUG", default=False)

# A secret is mandatory outside development: a default one would let anyone forge sessions and tokens.
_INSECURE_KEYS = {"", "change-me", "changeme", "secret", "insecure"}
SECRET_KEY = env.str("SECRET_KEY", default="")
_secret_file = VAR_DIR / "secret_key"
EMBEDDED = "DATABASE_URL" not in env  # the single-machine SQLite desk that `make run` starts


def _embedded_secret() -> str:
    """The embedded desk keeps its own random secret in var/ (created once, readable by its owner only)."""
    import os
    import secrets

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(_secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _secret_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    return _secret_file.read_text().strip()


if not SECRET_KEY and EMBEDDED and _secret_file.exists():  # never a server's key: see ADR 0001
    SECRET_KEY = _secret_file.read_text().strip()
if not SECRET_KEY and EMBEDDED and not TESTING:
    SECRET_KEY = _embedded_secret()
if SECRET_KEY.lower() in _INSECURE_KEYS or SECRET_KEY.startswith("django-insecure"):
    if DEBUG or TESTING:
        SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or a known default. Set SECRET_KEY to a long random value "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
BASE_URL = env.str("BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ventanilla.core",
    "ventanilla.accounts",
    "ventanilla.catalog",
    "ventanilla.tickets",
    "ventanilla.sla",
    "ventanilla.desk",
    "ventanilla.mail",
    "ventanilla.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ventanilla.core.middleware.RequestContextMiddleware",
    "ventanilla.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "ventanilla.urls"
WSGI_APPLICATION = "ventanilla.wsgi.application"
ASGI_APPLICATION = "ventanilla.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ventanilla.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE avoids "database is locked" on upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Cache, broker --------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Auth -----------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ventanilla.accounts.backends.EmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- i18n -----------------------------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Madrid")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [PACKAGE_DIR / "static"]
_node_modules = BASE_DIR / "node_modules"
if _node_modules.exists():
    STATICFILES_DIRS.append(("vendor", _node_modules))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Types that a browser could execute or that carry macros/executables are refused outright.
ATTACHMENT_FORBIDDEN_TYPES = env.list(
    "ATTACHMENT_FORBIDDEN_TYPES",
    default=[
        "application/x-msdownload",
        "application/x-dosexec",
        "application/x-executable",
        "application/x-elf",
        "application/x-sh",
        "application/x-msi",
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "application/javascript",
    ],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024

# --- Mail -----------------------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.com:587 (see docs/admin/configuration.md).
_email = env.email_url("EMAIL_URL", default="consolemail://")
_mail_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "file_path": _email.get("EMAIL_FILE_PATH"),
    "timeout": env.int("EMAIL_TIMEOUT", default=30),
}
_mail_backend = _email["EMAIL_BACKEND"]
_accepted = {
    "django.core.mail.backends.smtp.EmailBackend": {
        "host",
        "port",
        "username",
        "password",
        "use_tls",
        "use_ssl",
        "timeout",
    },
    "django.core.mail.backends.filebased.EmailBackend": {"file_path"},
}.get(_mail_backend, set())
MAILERS = {
    "default": {
        "BACKEND": _mail_backend,
        "OPTIONS": {k: v for k, v in _mail_options.items() if k in _accepted and v not in (None, "")},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ventanilla <desk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Email channel (docs/admin/mail.md): inbound limits, threading and loop rules, outbox retries.
MAIL_MAX_MESSAGE_BYTES = env.int("MAIL_MAX_MESSAGE_BYTES", default=50 * 1024 * 1024)
MAIL_FALLBACK_CHARSET = env.str("MAIL_FALLBACK_CHARSET", default="windows-1252")
MAIL_DOMAIN = env.str("MAIL_DOMAIN", default=DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost")
MAIL_AUTOREPLY_LIMIT = env.int("MAIL_AUTOREPLY_LIMIT", default=5)  # acknowledgements per sender per day
MAIL_OUTBOX_MAX_ATTEMPTS = env.int("MAIL_OUTBOX_MAX_ATTEMPTS", default=25)
MAIL_REPLY_PLUS_ADDRESSING = env.bool("MAIL_REPLY_PLUS_ADDRESSING", default=True)
MAIL_NOTIFY_ACK = env.bool("MAIL_NOTIFY_ACK", default=True)
# Tell the assigned agent (or the team's agents) about new tickets and customer replies that come by mail.
MAIL_NOTIFY_AGENTS = env.bool("MAIL_NOTIFY_AGENTS", default=True)
# PEM file of the CA(s) that signed the IMAP servers' certificates; empty: the system's trust store.
MAIL_IMAP_CA_FILE = env.str("MAIL_IMAP_CA_FILE", default="")

# --- Security -------------------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=BASE_URL.startswith("https://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "style-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if env.bool("SILENCE_HTTPS_CHECKS", default=False):
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]

# --- Rate limits ----------------------------------------------------------------------------------------
# Counters live in the cache (Redis when REDIS_URL is set, so every process shares them). Each limit is
# "COUNT/PERIOD" with PERIOD like 30s, 15m, 1h, 1d (or second/minute/hour/day); "off" disables one.
_PERIOD_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_PERIOD_UNITS.update({"d": 86400, "day": 86400})


def _rate(name: str, default: str) -> tuple[int, int] | None:
    """``10/15m`` → (10, 900): at most 10 in any 15 minutes; ``off`` → no limit."""
    import re

    raw = env.str(name, default=default).strip().lower()
    if raw in {"off", "0", "none", ""}:
        return None
    found = re.fullmatch(r"(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?", raw)
    if not found or found.group(3) not in _PERIOD_UNITS or int(found.group(1)) < 1:
        raise ImproperlyConfigured(f"{name} must look like 10/15m, 60/hour or off (got {raw!r}).")
    return int(found.group(1)), int(found.group(2) or 1) * _PERIOD_UNITS[found.group(3)]


RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
# How many reverse proxies in front of Ventanilla append to X-Forwarded-For. 0: the header is ignored and
# the client address is REMOTE_ADDR (anyone can forge the header when clients reach the app directly).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or a positive number of proxies.")
RATE_LIMITS: dict[str, tuple[int, int] | None] = {
    # Failed password sign-ins (desk, admin, portal) per account address and per client address.
    "login-account": _rate("RATE_LIMIT_LOGIN_ACCOUNT", "10/15m"),
    "login-ip": _rate("RATE_LIMIT_LOGIN_IP", "50/15m"),
    # Requests that send mail to an address (sign-in link, password reset, sign-up), per address and per IP.
    "mail-address": _rate("RATE_LIMIT_MAIL_ADDRESS", "5/1h"),
    "mail-ip": _rate("RATE_LIMIT_MAIL_IP", "20/1h"),
    # New tickets and replies sent from the portal, per customer.
    "portal-submit": _rate("RATE_LIMIT_PORTAL_SUBMIT", "60/1h"),
    # REST API: anonymous requests per IP, requests per user, writes per user, bad tokens per IP.
    "api-anon": _rate("RATE_LIMIT_API_ANON", "60/1m"),
    "api-user": _rate("RATE_LIMIT_API_USER", "600/1m"),
    "api-write": _rate("RATE_LIMIT_API_WRITE", "120/1m"),
    "api-auth-ip": _rate("RATE_LIMIT_API_AUTH_IP", "50/15m"),
}

# --- REST API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ventanilla.accounts.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ventanilla.core.api.permissions.TokenScopePermission"],
    "DEFAULT_PAGINATION_CLASS": "ventanilla.core.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ventanilla.core.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + ([] if not DEBUG else ["rest_framework.renderers.BrowsableAPIRenderer"]),
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Backed by ventanilla.core.ratelimit (atomic shared counters); rates come from RATE_LIMITS above.
    "DEFAULT_THROTTLE_CLASSES": [
        "ventanilla.core.api.throttling.AnonThrottle",
        "ventanilla.core.api.throttling.UserThrottle",
        "ventanilla.core.api.throttling.WriteThrottle",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ventanilla API",
    "DESCRIPTION": (
        "REST API v1 of the Ventanilla service desk. Authenticate with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        # Several models have a "kind"/"status" field; name the enums after their choice classes.
        "TicketStatusEnum": "ventanilla.tickets.choices.Status",
        "LinkKindEnum": "ventanilla.tickets.choices.LinkKind",
        "TimelineKindEnum": "ventanilla.tickets.choices.TimelineKind",
        "TicketTypeEnum": "ventanilla.tickets.choices.TicketType",
        "SlaTargetKindEnum": "ventanilla.sla.choices.TargetKind",
    },
}

# --- Domain settings ------------------------------------------------------------------------------------
REOPEN_WINDOW_DAYS = env.int("REOPEN_WINDOW_DAYS", default=14)
# Customer portal (docs/admin/portal.md). Sign-up: "domains" (addresses of known organisation domains
# only), "closed" (accounts are created by the desk) or "open" (anyone; customers without organisation).
PORTAL_SIGNUP = env.str("PORTAL_SIGNUP", default="domains").strip().lower()
if PORTAL_SIGNUP not in {"domains", "closed", "open"}:
    raise ImproperlyConfigured("PORTAL_SIGNUP must be one of: domains, closed, open.")
PORTAL_SIGN_IN_LINK_MINUTES = env.int("PORTAL_SIGN_IN_LINK_MINUTES", default=15)
PORTAL_CONFIRM_LINK_HOURS = env.int("PORTAL_CONFIRM_LINK_HOURS", default=48)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
