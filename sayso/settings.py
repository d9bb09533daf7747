"""Sayso settings, read from the environment.

Every setting comes from ``SAYSO_*`` variables or ``DATABASE_URL`` through the small typed
helpers below; the defaults work on a laptop (SQLite in ``./var``, console email, the database
task queue). Secrets may be given as ``NAME_FILE`` pointing at a file holding the value.
"""

from __future__ import annotations

import os
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool = False) -> bool:
    """``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off`` (any case); unset or
    empty is ``default``; anything else is a mistake and stops the start."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes or no: use one of 1, true, yes, on, 0, false, no, off."
    )


def env_int(name: str, default: int) -> int:
    """A whole number; unset or empty is ``default``; anything else stops the start."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE={path!r} cannot be read: {error.strerror}."
            ) from None
    return os.environ.get(name, default)


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("SAYSO_DATA_DIR", str(Path.cwd() / "var"))).resolve()


def _data_dir_key(filename: str, kind: str) -> str:
    """A development key kept in the data directory (made on first use, readable by its owner
    only), for a laptop install that sets no key in the environment: ``kind`` is "django"
    (SECRET_KEY) or "fernet" (SAYSO_ENCRYPTION_KEY). ``sayso check --deploy`` warns when
    production runs on one."""
    path = DATA_DIR / filename
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if kind == "fernet":
        from cryptography.fernet import Fernet

        key = Fernet.generate_key().decode()
    else:
        from django.core.management.utils import get_random_secret_key

        key = get_random_secret_key()
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(key, encoding="utf-8")
        path.chmod(0o600)
    except OSError:
        pass
    return key


DEBUG = env_bool("SAYSO_DEBUG", False)
# A development key is generated per data directory when none is given, so a laptop install
# works out of the box and no key is ever committed. Production sets SAYSO_SECRET_KEY.
SECRET_KEY = env_secret("SAYSO_SECRET_KEY") or _data_dir_key("secret_key", "django")

ALLOWED_HOSTS = env_list("SAYSO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("SAYSO_CSRF_TRUSTED_ORIGINS", [])
SAYSO_BASE_URL = env_str("SAYSO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "sayso.core",
    "sayso.customers",
    "sayso.conversations",
    "sayso.notifications",
    "sayso.intelligence",
    "sayso.community",
    "sayso.roadmap",
    "sayso.status",
    "sayso.listening",
    "sayso.consent",
    "sayso.deals",
    "sayso.api",
    "sayso.demo",  # `sayso demo`: above every app, imported by none
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sayso.urls"
WSGI_APPLICATION = "sayso.wsgi.application"
ASGI_APPLICATION = "sayso.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'sayso.sqlite3'}"),
        conn_max_age=env_int("SAYSO_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # A page cache of its own per connection (64 MiB at most; the default is 2 MiB),
            # kept between requests: connections persist like PostgreSQL's (conn_max_age
            # above), instead of being opened — schema read, cache cold — for every request.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA cache_size=-{env_int('SAYSO_SQLITE_CACHE_KIB', 65536)};"
            ),
        }
    )

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "SAYSO_PG_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, and a statement run five times on a connection kept
    # prepared there: PostgreSQL plans it once instead of on every request (planning was
    # two thirds of a case page's database time: docs/performance.md). Turn it off behind a
    # pooler in transaction mode (PgBouncer before 1.21), which cannot keep them.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "staff-login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("SAYSO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by WhiteNoise. After `sayso collectstatic` (every deployment runs it;
# `make run` too) they are served from STATIC_ROOT with content-hashed names, pre-compressed
# (gzip and Brotli) and cached by browsers for a year; without it (a checkout, the tests) they
# are served from the apps under their own names.
STATIC_COLLECTED = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "sayso.core.staticfiles.CollectedStaticFiles"},
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SAYSO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Email: console by default; set SAYSO_EMAIL_HOST to send through an SMTP server.
EMAIL_HOST = env_str("SAYSO_EMAIL_HOST")
EMAIL_PORT = env_int("SAYSO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("SAYSO_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_secret("SAYSO_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("SAYSO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("SAYSO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("SAYSO_EMAIL_TIMEOUT", 30)
EMAIL_BACKEND = env_str(
    "SAYSO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("SAYSO_FROM_EMAIL", "Sayso <sayso@localhost>")
SAYSO_EMAIL_DOMAIN = env_str("SAYSO_EMAIL_DOMAIN", "sayso.localhost")
# Outgoing mail (sayso/notifications/outbox.py, docs/email.md "Outgoing mail"): a send refused
# for now (4xx, connection failure) is tried again after RETRY seconds, doubling up to
# RETRY_MAX, until MAX_ATTEMPTS attempts; a mail left "sending" by a dead worker is taken
# again after LEASE seconds (keep it well above SAYSO_EMAIL_TIMEOUT).
SAYSO_MAIL_MAX_ATTEMPTS = env_int("SAYSO_MAIL_MAX_ATTEMPTS", 12)
SAYSO_MAIL_RETRY_SECONDS = env_int("SAYSO_MAIL_RETRY_SECONDS", 60)
SAYSO_MAIL_RETRY_MAX_SECONDS = env_int("SAYSO_MAIL_RETRY_MAX_SECONDS", 3600)
SAYSO_MAIL_SENDING_LEASE_SECONDS = env_int("SAYSO_MAIL_SENDING_LEASE_SECONDS", 300)
# Delivered mail is deleted from the outbox after this many days (0: kept).
SAYSO_MAIL_KEEP_DAYS = env_int("SAYSO_MAIL_KEEP_DAYS", 30)
# Inbound mail larger than this is refused with a clear error (bytes of raw MIME).
SAYSO_MAX_INBOUND_EMAIL_BYTES = env_int("SAYSO_MAX_INBOUND_EMAIL_BYTES", 10 * 1024 * 1024)
# Message bodies longer than this (characters) are refused.
SAYSO_MAX_MESSAGE_CHARS = env_int("SAYSO_MAX_MESSAGE_CHARS", 100_000)

# Background work (sayso/core/task_engine, docs/deploy.md "Background work"): the django.tasks
# API on Procrastinate when the database is PostgreSQL, on the embedded django-tasks-db queue
# (one worker) on SQLite; SAYSO_TASKS_BACKEND = procrastinate | embedded | a dotted path.
_TASK_BACKENDS = {
    "procrastinate": "sayso.core.task_engine.procrastinate_engine.ProcrastinateBackend",
    "embedded": "sayso.core.task_engine.embedded.EmbeddedBackend",
}
_ON_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
_tasks_backend = env_str("SAYSO_TASKS_BACKEND", "procrastinate" if _ON_POSTGRES else "embedded")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS.get(_tasks_backend, _tasks_backend)}}
if _ON_POSTGRES:
    # Procrastinate's schema (its migrations are PostgreSQL only) and read-only job models.
    INSTALLED_APPS += ["procrastinate.contrib.django"]
    PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""  # Sayso registers its tasks in the worker
elif TASKS["default"]["BACKEND"] == _TASK_BACKENDS["procrastinate"]:
    raise ImproperlyConfigured("SAYSO_TASKS_BACKEND=procrastinate needs a PostgreSQL database.")
# Worker heartbeats and how long a silent worker's tasks wait before another runs them; how
# often an idle worker looks for jobs; finished task results are kept this many days.
SAYSO_TASKS_HEARTBEAT_SECONDS = env_int("SAYSO_TASKS_HEARTBEAT_SECONDS", 10)
SAYSO_TASKS_STALLED_SECONDS = env_int("SAYSO_TASKS_STALLED_SECONDS", 60)
SAYSO_TASKS_POLL_SECONDS = env_int("SAYSO_TASKS_POLL_SECONDS", 5)
SAYSO_TASK_RESULTS_DAYS = env_int("SAYSO_TASK_RESULTS_DAYS", 14)
# Modules with tasks besides each app's tasks.py, for the worker to register (tests use it).
SAYSO_EXTRA_TASK_MODULES = env_list("SAYSO_EXTRA_TASK_MODULES", [])
# Commitments: how long before the due time the owner is reminded, and how often the
# worker's scheduler runs the periodic checks.
SAYSO_COMMITMENT_REMINDER_MINUTES = env_int("SAYSO_COMMITMENT_REMINDER_MINUTES", 60)
SAYSO_SCHEDULER_INTERVAL_SECONDS = env_int("SAYSO_SCHEDULER_INTERVAL_SECONDS", 60)
# SQLite's planner statistics (ANALYZE) are refreshed this often (sayso/core/planner_statistics).
SAYSO_PLANNER_STATISTICS_HOURS = env_int("SAYSO_PLANNER_STATISTICS_HOURS", 24)
# One-time sign-in links for the customer portal.
SAYSO_LOGIN_LINK_MINUTES = env_int("SAYSO_LOGIN_LINK_MINUTES", 30)
# Public writes (sign-in link requests, portal replies): at most N per window per client.
SAYSO_RATE_LIMIT_PER_MINUTE = env_int("SAYSO_RATE_LIMIT_PER_MINUTE", 10)
SAYSO_SIMILAR_RATE_LIMIT_PER_MINUTE = env_int("SAYSO_SIMILAR_RATE_LIMIT_PER_MINUTE", 120)
# Community Q&A: a question with no answer after this many hours joins the staff queue.
SAYSO_QA_UNANSWERED_AFTER_HOURS = env_int("SAYSO_QA_UNANSWERED_AFTER_HOURS", 24)
# Similar-item search (docs/intelligence.md): exact search up to this many items per index,
# HNSW above; changes held in memory before a new snapshot; pgvector on PostgreSQL when the
# extension is there. (The embedding backend, SAYSO_EMBEDDING_BACKEND, and the model cache,
# SAYSO_MODEL_CACHE, are read by sayso.intelligence.embeddings, which needs no Django.)
SAYSO_INDEX_EXACT_MAX = env_int("SAYSO_INDEX_EXACT_MAX", 20_000)
SAYSO_INDEX_DELTA_MAX = env_int("SAYSO_INDEX_DELTA_MAX", 10_000)
SAYSO_PGVECTOR = env_bool("SAYSO_PGVECTOR", True)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "sayso_cache",
    }
}

# Server errors are mailed to SAYSO_ADMINS ("Ops <ops@example.com>, …") from SAYSO_SERVER_EMAIL,
# by a thread of their own (sayso/core/error_mail.py): never inside the failing request.
ADMINS = [(name or address, address) for name, address in getaddresses([env_str("SAYSO_ADMINS")])]
SERVER_EMAIL = env_str("SAYSO_SERVER_EMAIL", "root@localhost")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {"()": "sayso.core.error_mail.queued_admin_handler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": env_str("SAYSO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Replaces Django's default handlers of "django" (its own mail_admins sends in the
        # request); errors still reach the console through the root logger.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"handlers": ["mail_admins"], "level": "ERROR", "propagate": True},
        # Procrastinate names every blueprint it adds (each sayso command on PostgreSQL).
        "procrastinate.blueprints": {"level": "WARNING"},
        # ... and logs "Deferred 1 job" for every job enqueued (each reply, analysis, webhook):
        # a line per write in the web servers' logs. The workers' own lines
        # (procrastinate.worker: a job started, succeeded, failed) stay.
        "procrastinate.jobs": {"level": "WARNING"},
    },
}

# Listening (docs/listening.md): how close in meaning (cosine, 0 to 1) a post must be to one of
# its author's open cases to join it; the fetch timeout; the longest back-off after errors.
SAYSO_LISTENING_SAME_CASE = float(env_str("SAYSO_LISTENING_SAME_CASE", "0.47"))
SAYSO_LISTENING_TIMEOUT_SECONDS = env_int("SAYSO_LISTENING_TIMEOUT_SECONDS", 10)
SAYSO_LISTENING_MAX_BACKOFF_SECONDS = env_int("SAYSO_LISTENING_MAX_BACKOFF_SECONDS", 6 * 3600)
# The feedback widget: posts per minute per visitor address.
SAYSO_WIDGET_RATE_LIMIT_PER_MINUTE = env_int("SAYSO_WIDGET_RATE_LIMIT_PER_MINUTE", 5)
# Optional Akismet (docs/intelligence.md): its REST API's address and how long a check may
# wait before a post gets Sayso's verdict alone.
SAYSO_AKISMET_URL = env_str("SAYSO_AKISMET_URL", "https://rest.akismet.com")
SAYSO_AKISMET_TIMEOUT_SECONDS = float(env_str("SAYSO_AKISMET_TIMEOUT_SECONDS", "2"))

# --- Security (issue 19; docs/deploy.md) -----------------------------------------------------
# [security:outbound] Source credentials at rest and the outbound-fetch policy.
# Source credentials (access tokens, app passwords) are stored encrypted with Fernet keys:
# SAYSO_ENCRYPTION_KEY holds one or more keys, comma-separated, the newest first (new secrets
# are sealed with the first; the others still open older ones, so keys can rotate). Production
# must set it (or SAYSO_ENCRYPTION_KEY_FILE); a laptop gets a key file in the data directory.
SAYSO_ENCRYPTION_KEY = env_secret("SAYSO_ENCRYPTION_KEY") or _data_dir_key(
    "encryption_key", "fernet"
)
# Outbound requests (feeds, Mastodon, Bluesky, webhooks: sayso.core.outbound) never go to
# loopback, private, link-local or metadata addresses unless listed here: networks (CIDR) or
# host names (".example.internal" allows its subdomains), comma-separated.
SAYSO_OUTBOUND_ALLOW = env_list("SAYSO_OUTBOUND_ALLOW", [])
# Each outbound answer: at most this many bytes, and this many seconds from start to end.
SAYSO_OUTBOUND_MAX_BYTES = env_int("SAYSO_OUTBOUND_MAX_BYTES", 32 * 1024 * 1024)
SAYSO_OUTBOUND_TOTAL_SECONDS = env_int("SAYSO_OUTBOUND_TOTAL_SECONDS", 60)
# Upgrading: a source that named an environment variable for its credential keeps that
# variable's value (encrypted) only if the name is listed here; any other is paused until an
# admin enters the credential again (migration listening 0003).
SAYSO_CREDENTIAL_ENV_MIGRATE = env_list("SAYSO_CREDENTIAL_ENV_MIGRATE", [])

# [security:login] Staff login and password-reset throttling (django-axes).
# Failed sign-ins (the staff login and the admin's) are counted per username and per client
# address; either reaching SAYSO_LOGIN_FAILURE_LIMIT within the cool-off locks it (the right
# password included) with a "wait" page (429) until SAYSO_LOGIN_COOLOFF_MINUTES after the last
# failure. A successful sign-in forgives that account's own failures (not its address's).
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SAYSO_TRUSTED_PROXY_COUNT = env_int("SAYSO_TRUSTED_PROXY_COUNT", 0)
SAYSO_LOGIN_FAILURE_LIMIT = env_int("SAYSO_LOGIN_FAILURE_LIMIT", 5)
SAYSO_LOGIN_COOLOFF_MINUTES = env_int("SAYSO_LOGIN_COOLOFF_MINUTES", 15)
AXES_FAILURE_LIMIT = SAYSO_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = SAYSO_LOGIN_COOLOFF_MINUTES / 60  # hours: axes reads a float as hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Failures while locked out do not push the end of the lockout further (an attacker could
# otherwise keep an account locked for ever with one try per cool-off).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "sayso.core.sign_in_throttling.SignInAttempts"
AXES_LOCKOUT_CALLABLE = "sayso.core.sign_in_throttling.lockout_response"
# The client address is the one the rate limits count (sayso.core.ratelimit.client_address:
# behind SAYSO_TRUSTED_PROXY_COUNT reverse proxies, read from X-Forwarded-For with ipware),
# rather than axes' own django-ipware call, so both agree on who a client is.
AXES_CLIENT_IP_CALLABLE = "sayso.core.ratelimit.client_address"
# Failures and lockouts are logged (warnings); not every successful sign-in and start-up.
if isinstance(_loggers := LOGGING["loggers"], dict):
    _loggers["axes"] = {"level": "WARNING"}
# Password-reset emails: at most this many per hour per address asked for, and per client.
SAYSO_PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env_int("SAYSO_PASSWORD_RESET_PER_ADDRESS_PER_HOUR", 3)
SAYSO_PASSWORD_RESET_PER_CLIENT_PER_HOUR = env_int("SAYSO_PASSWORD_RESET_PER_CLIENT_PER_HOUR", 10)

# [security:headers] Content-Security-Policy, HSTS, SSL redirect, proxy headers, client address.
# Every page answers with a Content-Security-Policy (django-csp): scripts, styles, images and
# connections from Sayso's own origin only, no inline script or style, no plugins, no framing.
# Views that need more widen it with django-csp's decorators (the API docs: data: images).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
# The API docs (Swagger UI) from the copy django-ninja ships, not from a CDN.
INSTALLED_APPS += ["ninja"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# HTTPS: HSTS (seconds; 0 sends no header), the redirect from http://, and the header a TLS
# proxy sets to say the request came in over HTTPS ("HTTP_X_FORWARDED_PROTO=https").
SECURE_HSTS_SECONDS = env_int("SAYSO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SAYSO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SAYSO_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SAYSO_SSL_REDIRECT", False)
_proxy_ssl_header = env_str("SAYSO_SECURE_PROXY_SSL_HEADER").strip()
if _proxy_ssl_header:
    _header, _sep, _value = _proxy_ssl_header.partition("=")
    if not _sep or not _header.strip() or not _value.strip():
        raise ValueError(
            "SAYSO_SECURE_PROXY_SSL_HEADER must be HEADER=value, e.g. HTTP_X_FORWARDED_PROTO=https"
        )
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip())
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The client address rate limits (and sign-in throttling) count is
# sayso.core.ratelimit.client_key: behind SAYSO_TRUSTED_PROXY_COUNT (above) reverse proxies,
# the Nth address from the right of X-Forwarded-For; with 0, the connection's own address.

# --- Intake on real data (issue 20) ----------------------------------------------------------
# [intake:cli] The HTTP clients' own per-request INFO lines ("HTTP Request: GET …", one per feed
# or timeline page) stay out of the log; their warnings and errors still show.
if isinstance(_loggers := LOGGING["loggers"], dict):
    for _http_logger in ("httpx", "httpcore"):
        _loggers[_http_logger] = {"level": "WARNING"}

# --- Customer control: consent and the outreach guard (issue 24; docs/customer-control.md) ---
# Marketing messages (product news, sales, research, partners) a customer gets at most per 7
# days when they set no limit of their own.
SAYSO_OUTREACH_WEEKLY_CAP = env_int("SAYSO_OUTREACH_WEEKLY_CAP", 3)
# The private key (PEM, Ed25519 or RSA) that signs consent receipts; its public key is published
# at /o/<org>/consent/receipt-keys.json. Unset: a development key generated in the data directory
# (``sayso check --deploy`` warns).
SAYSO_RECEIPT_SIGNING_KEY = env_secret("SAYSO_RECEIPT_SIGNING_KEY")
SAYSO_RECEIPT_JURISDICTION = env_str("SAYSO_RECEIPT_JURISDICTION", "EU")

# --- Webhooks (issue 22; docs/webhooks.md) --------------------------------------------------
# Signed webhooks per organization (Standard Webhooks). Each attempt may take this many
# seconds (connection to last byte); an endpoint whose every attempt failed for this many days
# is disabled (its admins are mailed); the delivery log is kept this many days.
INSTALLED_APPS += ["sayso.webhooks"]
SAYSO_WEBHOOK_TIMEOUT_SECONDS = env_int("SAYSO_WEBHOOK_TIMEOUT_SECONDS", 15)
SAYSO_WEBHOOK_DISABLE_AFTER_DAYS = env_int("SAYSO_WEBHOOK_DISABLE_AFTER_DAYS", 5)
SAYSO_WEBHOOK_LOG_DAYS = env_int("SAYSO_WEBHOOK_LOG_DAYS", 30)

# --- What you know about me: export and erasure (issue 24; docs/customer-control.md) --------
INSTALLED_APPS += ["sayso.privacy"]
# Days between an erasure request and the erasure, during which it can be cancelled.
SAYSO_ERASURE_WAIT_DAYS = env_int("SAYSO_ERASURE_WAIT_DAYS", 14)
# What becomes of an erased customer's public posts: kept under a neutral name ("keep") or
# their text removed ("remove").
SAYSO_ERASURE_PUBLIC_POSTS = env_str("SAYSO_ERASURE_PUBLIC_POSTS", "keep")
