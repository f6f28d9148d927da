"""Settings, driven by environment variables. Every variable is listed in README.md.

With no environment at all, Legacy runs on its embedded servers (see legacy/runtime).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

from legacy.runtime import embedded

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = embedded.var_dir()


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """From the environment, or generated once into var/ for the embedded default."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        embedded.private_file_write(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Off unless asked for: `make dev` sets DEBUG=1; `make run` and everything else serve without
# debug pages, so a stranger following a dead link never sees the URL patterns.
DEBUG = env_bool("DEBUG", False)
# `make run` is reached at http://127.0.0.1:8000 and http://localhost:8000, and at HOST when
# it listens on one particular address.
_LISTEN_HOST = os.environ.get("HOST", "")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    ",".join(
        ["127.0.0.1", "localhost", "[::1]"]
        + ([_LISTEN_HOST] if _LISTEN_HOST and _LISTEN_HOST not in {"0.0.0.0", "::"} else [])
    ),
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "accounts",
    "memorials",
    "consent",
    "corpus",
    "voice",
    "twins",
    "conversations",
    "billing",
    "firms",
    "demo",
    "ninja",  # the firms API's OpenAPI docs page, served from this site's static files
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
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.TimeZoneMiddleware",
    "memorials.middleware.MemorialGoneMiddleware",
]

ROOT_URLCONF = "legacy.urls"
ASGI_APPLICATION = "legacy.asgi.application"

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
                "demo.context_processors.demo",
                "accounts.context_processors.site",
                "firms.context_processors.client_brand",
            ],
        },
    },
]

# --- Data ------------------------------------------------------------------------------

# The app (web, workers, shell) connects as DATABASE_URL's role, which may not change the audit
# log; `manage.py migrate` runs as DATABASE_OWNER_URL's role, which owns the schema, and grants
# the app its privileges (core.roles). Without DATABASE_OWNER_URL an external database is
# migrated as DATABASE_URL's role, and the audit log is then protected by its triggers only.
DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.postgres_url()
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL") or (
    DATABASE_URL if os.environ.get("DATABASE_URL") else embedded.postgres_owner_url()
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
# Connections are lent from a pool kept by each process (psycopg_pool) rather than opened for
# each socket message and each task: opening one starts a Postgres backend process (~5 ms
# idle, ~25 ms on a loaded machine), which sat on every conversation message's path twice.
# The pool opens more as threads need them, up to LEGACY_DB_POOL_MAX per process (0: no pool,
# a connection opened for each unit of work).
DB_POOL_MAX = int(os.environ.get("LEGACY_DB_POOL_MAX", "12"))
if DB_POOL_MAX > 0:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX,
        "timeout": 30,
    }
# Statements are bound and prepared on the server (psycopg): once a connection has run a
# statement 5 times (`prepare_threshold`), it prepares it (parsed and planned once) and then
# only binds and executes it. A conversation message runs the same few dozen statements every
# time, and parsing and planning them took about 40 % of the database's time on that path
# (bench/README.md, session 19). A pooler that
# cannot keep prepared statements (PgBouncer in transaction mode before 1.21) needs
# LEGACY_DB_PREPARED=0: parameters then bound by psycopg in Python, nothing prepared.
if os.environ.get("LEGACY_DB_PREPARED", "1") != "0":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DATABASES["default"]["TEST"] = {
    "NAME": "test_legacy" + os.environ.get("LEGACY_TEST_DB_SUFFIX", ""),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url()

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "legacy",
    }
}

# Events go to the sockets by Redis's publish and subscribe: a group send is one PUBLISH,
# where channels_redis's list-based layer took four round trips and a Lua script (an event
# reached its socket in 0.7 ms against 1.5, bench/README.md, Session 20). As with that
# layer, an event for a socket that is not connected is not kept: a device that resumes
# reads what it missed from the database (`after_seq`). Events wait in the receiving
# process's queue, with no capacity to drop them past.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "legacy"},
    }
}

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
# Memorial files (core/files.py) hold ciphertext only. The backend is configuration: by
# default a private folder under MEDIA_ROOT; an S3-compatible store is, for example,
# LEGACY_FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage with its options as JSON in
# LEGACY_FILE_STORAGE_OPTIONS (README, "Files").
FILE_STORAGE_BACKEND = os.environ.get(
    "LEGACY_FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
FILE_STORAGE_OPTIONS = json.loads(os.environ.get("LEGACY_FILE_STORAGE_OPTIONS") or "{}") or (
    {"directory_permissions_mode": 0o700, "file_permissions_mode": 0o600}
    if FILE_STORAGE_BACKEND.endswith("FileSystemStorage")
    else {}
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "memorial_files": {"BACKEND": FILE_STORAGE_BACKEND, "OPTIONS": FILE_STORAGE_OPTIONS},
}
STATIC_URL = "/static/"
STATIC_ROOT = embedded.private_dir(VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from static/ without a collectstatic step

# --- Celery ----------------------------------------------------------------------------


def celery_url(url: str) -> str:
    """kombu spells a Redis unix socket `redis+socket://`; redis-py spells it `unix://`."""
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = celery_url(REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("LEGACY_CELERY_QUEUE", "legacy")
# The twin's replies have a queue of their own, and their own worker (`make run` starts it),
# so no other work (remembering, ingests, builds, mail) ever waits in front of a reply.
CELERY_REPLY_QUEUE = os.environ.get(
    "LEGACY_CELERY_REPLY_QUEUE", f"{CELERY_TASK_DEFAULT_QUEUE}-replies"
)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Task modules beyond each app's tasks.py (autodiscovered).
CELERY_IMPORTS = [
    "core.audit_tasks", "core.mail", "twins.sweeps", "firms.webhook_tasks",
    "conversations.forgetting",  # its remote-control command: memories forgotten at once
]  # fmt: skip
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "core-mail-outbox-sweep": {"task": "core.mail.mail_outbox_swept", "schedule": 300.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# --- Accounts (django-allauth) ---------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "memorials:list"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# The site's name in mail and pages ("Hello from Legacy", not the host and port).
LEGACY_SITE_NAME = os.environ.get("LEGACY_SITE_NAME", "Legacy").strip() or "Legacy"
# Where people can write to whoever runs this site (the contact page; "" : not given yet).
LEGACY_CONTACT_EMAIL = os.environ.get("LEGACY_CONTACT_EMAIL", "").strip()
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Legacy] "  # accounts.adapter puts LEGACY_SITE_NAME in its place
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.signup.SignupForm"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = os.environ.get("LEGACY_HTTP_PROTOCOL", "http")
# allauth's defaults already limit login failures, sign-ups and resets; named here so a
# reader sees them and an operator can tighten them.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    # A firm's join link (/f/<slug>/join): invitations asked for, per address and firm.
    "firm_join": "30/h/ip,3/h/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = LEGACY_SITE_NAME
# Re-authentication (before signing a consent, pulling the kill switch, changing two-factor)
# checks at most this many passwords or codes per person per 15 minutes, counted atomically
# (accounts/reauthentication.py), on top of allauth's own limits.
REAUTHENTICATION_ATTEMPTS = int(os.environ.get("LEGACY_REAUTHENTICATION_ATTEMPTS", "5"))
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
MFA_FORMS = {"reauthenticate": "accounts.forms.MfaReauthenticateForm"}

# --- Mail ------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Legacy <no-reply@legacy.local>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Memorials -------------------------------------------------------------------------

INVITATION_TTL_DAYS = int(os.environ.get("LEGACY_INVITATION_TTL_DAYS", "14"))
# Links in mail sent from background work, where there is no request to take the host from.
SITE_URL = os.environ.get(
    "LEGACY_SITE_URL",
    f"{os.environ.get('LEGACY_HTTP_PROTOCOL', 'http')}://"
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}",
).rstrip("/")
# Estate-planning firms: a client is reminded by their firm at most once in this many days.
FIRM_REMINDER_INTERVAL_DAYS = int(os.environ.get("LEGACY_FIRM_REMINDER_INTERVAL_DAYS", "7"))
# More reminders than this at once go through a Celery task instead of the request.
FIRM_REMINDERS_INLINE_MAX = int(os.environ.get("LEGACY_FIRM_REMINDERS_INLINE_MAX", "20"))
# Grief safety: the crisis lines table (conversations/guardrails/data/helplines.json by
# default) and the country assumed for a visitor who has not said theirs ("": none).
HELPLINES_PATH = os.environ.get("LEGACY_HELPLINES_PATH", "")
DEFAULT_COUNTRY = os.environ.get("LEGACY_DEFAULT_COUNTRY", "").strip().upper()[:2]
# Activation after death, the inactivity fallback and the sunset (memorials/activation/,
# memorials/inactivity.py, memorials/sunset.py; README.md explains each).
DEATH_CERTIFICATE_MAX_MB = int(os.environ.get("LEGACY_DEATH_CERTIFICATE_MAX_MB", "10"))
ACTIVATION_NOTICE_HOURS = int(os.environ.get("LEGACY_ACTIVATION_NOTICE_HOURS", "72"))
ACTIVATION_KEY_MAX_ATTEMPTS = int(os.environ.get("LEGACY_ACTIVATION_KEY_MAX_ATTEMPTS", "5"))
INACTIVITY_MONTHS = int(os.environ.get("LEGACY_INACTIVITY_MONTHS", "12"))
INACTIVITY_WARNING_DAYS = [
    int(day) for day in env_list("LEGACY_INACTIVITY_WARNING_DAYS", "0,7,14,21")
]
INACTIVITY_STEWARD_NOTICE_DAYS = int(os.environ.get("LEGACY_INACTIVITY_STEWARD_NOTICE_DAYS", "28"))
MEMORIAL_DAILY_HOUR = int(os.environ.get("LEGACY_MEMORIAL_DAILY_HOUR", "4"))
CELERY_BEAT_SCHEDULE["memorials-inactivity-check"] = {
    "task": "memorials.tasks.memorial_inactivity_check",
    "schedule": crontab(hour=MEMORIAL_DAILY_HOUR, minute=0),
}
CELERY_BEAT_SCHEDULE["memorials-sunset-check"] = {
    "task": "memorials.tasks.memorial_sunset_check",
    "schedule": crontab(hour=MEMORIAL_DAILY_HOUR, minute=15),
}
CELERY_BEAT_SCHEDULE["core-audit-checkpoint"] = {
    "task": "core.audit_tasks.audit_checkpoint_daily",
    "schedule": crontab(hour=MEMORIAL_DAILY_HOUR, minute=45),
}
CELERY_BEAT_SCHEDULE["corpus-partitions-sweep"] = {
    "task": "corpus.tasks.passage_partitions_sweep",
    "schedule": crontab(hour=MEMORIAL_DAILY_HOUR, minute=30),
}
CELERY_BEAT_SCHEDULE["firms-client-status-sweep"] = {
    "task": "firms.tasks.firm_client_status_sweep",
    "schedule": crontab(hour=MEMORIAL_DAILY_HOUR, minute=50),
}
# Firm webhook deliveries whose task was lost (due, not delivered, not being attempted).
CELERY_BEAT_SCHEDULE["firms-webhook-deliveries-resume"] = {
    "task": "firms.webhook_tasks.webhook_deliveries_resume_task",
    "schedule": crontab(minute="*/10"),
}

# --- Corpus ----------------------------------------------------------------------------

# One uploaded file (a zip counts as one) may be this large. Uploads stream to a temporary
# file in chunks, never whole into memory, and are refused as soon as they pass the limit.
CORPUS_MAX_FILE_MB = int(os.environ.get("LEGACY_CORPUS_MAX_FILE_MB", "2048"))
# A deleted passage or document can be put back for this long, then it is purged for good
# (corpus.tasks.deletions_purge, hourly). The kill switch purges it at once.
CORPUS_DELETE_UNDO_HOURS = int(os.environ.get("LEGACY_CORPUS_DELETE_UNDO_HOURS", "168"))

# Plans and payment (README, "Plans and payment"). `manual` needs no payment account: staff
# mark subscriptions paid. `stripe` needs both keys; nothing calls Stripe at start-up.
LEGACY_PAYMENT_PROVIDER = os.environ.get("LEGACY_PAYMENT_PROVIDER", "manual").strip().lower()
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# Where the Stripe SDK sends its requests: empty is Stripe's own API (`stripe.api_base`); the
# tests point it at a local fake.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "").strip()
BILLING_CURRENCY = os.environ.get("LEGACY_CURRENCY", "usd").strip().lower()
BILLING_GRACE_DAYS = int(os.environ.get("LEGACY_BILLING_GRACE_DAYS", "30"))
# The plan (its code) of a memorial that never had a subscription: free, unless a server run
# for one family gives everyone more. A lapsed or cancelled subscription is always free.
BILLING_PLAN_WITHOUT_SUBSCRIPTION = os.environ.get(
    "LEGACY_PLAN_WITHOUT_SUBSCRIPTION", "free"
).strip()
CELERY_BEAT_SCHEDULE["billing-grace-check"] = {
    "task": "billing.tasks.billing_grace_check",
    "schedule": crontab(hour=MEMORIAL_DAILY_HOUR, minute=20),
}
# Webhook events stored but not processed (their task lost, or Stripe down through every retry)
CELERY_BEAT_SCHEDULE["billing-webhook-events-resume"] = {
    "task": "billing.tasks.webhook_events_resume_task",
    "schedule": 600.0,
}
CELERY_BEAT_SCHEDULE["corpus-deletions-purge"] = {
    "task": "corpus.tasks.deletions_purge",
    "schedule": crontab(minute=20),
}
# Every archive in an upload (zips, zips inside zips, Word .docx files) is read under these,
# counted on what really comes out of it, never on what its headers declare
# (corpus/parsers/archive_limits.py): all it may expand to, how many files it may hold, how
# large one file in it may be, how many times its packed size a file in it may expand (at
# any size), and how deeply archives may nest inside one another.
CORPUS_ARCHIVE_MAX_TOTAL_MB = int(os.environ.get("LEGACY_CORPUS_ARCHIVE_MAX_TOTAL_MB", "4096"))
CORPUS_ARCHIVE_MAX_MEMBERS = int(os.environ.get("LEGACY_CORPUS_ARCHIVE_MAX_MEMBERS", "20000"))
CORPUS_ARCHIVE_MAX_MEMBER_MB = int(os.environ.get("LEGACY_CORPUS_ARCHIVE_MAX_MEMBER_MB", "1024"))
CORPUS_ARCHIVE_MAX_RATIO = float(os.environ.get("LEGACY_CORPUS_ARCHIVE_MAX_RATIO", "100"))
CORPUS_ARCHIVE_MAX_DEPTH = int(os.environ.get("LEGACY_CORPUS_ARCHIVE_MAX_DEPTH", "2"))

# --- Consent and voice -----------------------------------------------------------------

# The voice provider: "offline" (a local generic voice that is not the person's, no cloning,
# no network) or "elevenlabs" (clones, streaming speech, speech-to-text; needs the key).
# Only an explicit choice sends anything to a service.
LEGACY_VOICE_PROVIDER = os.environ.get("LEGACY_VOICE_PROVIDER", "offline")
# Replies spoken as they stream (with the clone, or the provider's generic voice, labelled);
# "0" leaves every reply text only.
LEGACY_SPEAK_REPLIES = os.environ.get("LEGACY_SPEAK_REPLIES", "1") == "1"
# Replies are spoken by a Celery worker of their own on this queue (`make run` starts it),
# so synthesis never holds the threads that write the text.
LEGACY_SPEECH_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-speech"
ELEVENLABS_API_KEY = os.environ.get("ELEVENLABS_API_KEY", "")
ELEVENLABS_BASE_URL = os.environ.get("ELEVENLABS_BASE_URL", "")  # "" = the SDK's own
# A low-latency model for speaking replies as they stream, and the speech-to-text model.
ELEVENLABS_TTS_MODEL = os.environ.get("LEGACY_ELEVENLABS_TTS_MODEL", "eleven_flash_v2_5")
ELEVENLABS_STT_MODEL = os.environ.get("LEGACY_ELEVENLABS_STT_MODEL", "scribe_v1")
# The ElevenLabs voice that speaks before a clone exists (one of its own premade voices).
ELEVENLABS_GENERIC_VOICE_ID = os.environ.get(
    "LEGACY_ELEVENLABS_GENERIC_VOICE_ID", "JBFqnCBsd6RMkjVDRZzb"
)

# --- LLM providers (twins) -------------------------------------------------------------

# "offline" (the person's own sentences, no network), "anthropic" or "openai" (any
# OpenAI-compatible server). Only an explicit choice sends anything to a service.
# --- Twins -----------------------------------------------------------------------------

# A build with no sign of its worker for this long is queued again (its worker died); it
# resumes at its first unfinished step. Steps report progress far more often than this.
TWIN_BUILD_STALL_SECONDS = int(os.environ.get("LEGACY_TWIN_BUILD_STALL_SECONDS", "900"))
CELERY_BEAT_SCHEDULE["twins-builds-resume"] = {
    "task": "twins.sweeps.twin_builds_resume",
    "schedule": crontab(minute="*/5"),
}
CELERY_BEAT_SCHEDULE["twins-stale-rebuild"] = {
    "task": "twins.sweeps.twins_stale_rebuild",
    "schedule": crontab(hour=MEMORIAL_DAILY_HOUR - 1 if MEMORIAL_DAILY_HOUR else 23, minute=0),
}

LEGACY_LLM_PROVIDER = os.environ.get("LEGACY_LLM_PROVIDER", "offline")
ANTHROPIC_API_KEY = os.environ.get("ANTHROPIC_API_KEY", "")
LEGACY_ANTHROPIC_MODEL = os.environ.get("LEGACY_ANTHROPIC_MODEL", "claude-sonnet-4-5")
LEGACY_ANTHROPIC_BASE_URL = os.environ.get("LEGACY_ANTHROPIC_BASE_URL", "")
# Per million tokens: input, output, cache read, cache write (for the cost estimate).
LEGACY_ANTHROPIC_PRICES = env_list("LEGACY_ANTHROPIC_PRICES", "3,15,0.30,3.75")
LEGACY_OPENAI_BASE_URL = os.environ.get("LEGACY_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
LEGACY_OPENAI_API_KEY = os.environ.get("LEGACY_OPENAI_API_KEY", "")
LEGACY_OPENAI_MODEL = os.environ.get("LEGACY_OPENAI_MODEL", "llama3.1")
LEGACY_OPENAI_PRICES = env_list("LEGACY_OPENAI_PRICES", "0,0,0,0")
# Short, so a twin falls back to the person's own words instead of keeping a visitor waiting.
LEGACY_LLM_TIMEOUT_SECONDS = float(os.environ.get("LEGACY_LLM_TIMEOUT_SECONDS", "30"))
LEGACY_LLM_MAX_RETRIES = int(os.environ.get("LEGACY_LLM_MAX_RETRIES", "2"))
# The persona pack is distilled in batches of passages that fit this many tokens with the
# prompt and the answer (counted roughly, four characters a token): the model's context window.
LEGACY_PERSONA_CONTEXT_TOKENS = int(os.environ.get("LEGACY_PERSONA_CONTEXT_TOKENS", "16000"))

# --- Healthy use (conversations.guardrails.limits) ----------------------------------------
# The gentle defaults a visitor's time with the twin starts from, until a steward sets their
# own (minutes; a break reminder of 0: none; quiet hours "HH:MM-HH:MM" in the site's time
# zone, may wrap midnight, empty: none). Visitors under 18 have the stricter second set.
LEGACY_LIMITS_ADULT_SESSION_MINUTES = int(
    os.environ.get("LEGACY_LIMITS_ADULT_SESSION_MINUTES", "60")
)
LEGACY_LIMITS_ADULT_DAILY_MINUTES = int(os.environ.get("LEGACY_LIMITS_ADULT_DAILY_MINUTES", "120"))
LEGACY_LIMITS_ADULT_BREAK_MINUTES = int(os.environ.get("LEGACY_LIMITS_ADULT_BREAK_MINUTES", "30"))
LEGACY_LIMITS_ADULT_QUIET_HOURS = os.environ.get("LEGACY_LIMITS_ADULT_QUIET_HOURS", "")
LEGACY_LIMITS_MINOR_SESSION_MINUTES = int(
    os.environ.get("LEGACY_LIMITS_MINOR_SESSION_MINUTES", "20")
)
LEGACY_LIMITS_MINOR_DAILY_MINUTES = int(os.environ.get("LEGACY_LIMITS_MINOR_DAILY_MINUTES", "40"))
LEGACY_LIMITS_MINOR_BREAK_MINUTES = int(os.environ.get("LEGACY_LIMITS_MINOR_BREAK_MINUTES", "15"))
LEGACY_LIMITS_MINOR_QUIET_HOURS = os.environ.get("LEGACY_LIMITS_MINOR_QUIET_HOURS", "21:00-07:00")

# --- Locale and logging ----------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
# Legacy's own wording of allauth's pages (sentence case, plain words): locale/en_GB.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # faster-whisper logs each recording's length at INFO: once per thing a visitor says.
    "loggers": {"pgserver": {"level": "WARNING"}, "faster_whisper": {"level": "WARNING"}},
}

# --- HTTPS and the browser's own protections -------------------------------------------

# LEGACY_HTTP_PROTOCOL=https says the site is served over HTTPS (by uvicorn, or by a proxy in
# front of it). Then cookies are secure, plain HTTP is redirected, and browsers are told by
# HSTS to use HTTPS only. Served over plain http (`make run` on 127.0.0.1), none of them can
# apply: a secure cookie would never come back, and the redirect would lead nowhere.
HTTPS = ACCOUNT_DEFAULT_HTTP_PROTOCOL == "https"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# Asking to be preloaded into browsers is a commitment for the whole domain: opt in.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind a proxy that terminates TLS: the header (and value) it sets on HTTPS requests, e.g.
# "X-Forwarded-Proto: https". Only when that proxy always sets or strips it: a client could
# send it too. (uvicorn already takes the scheme from X-Forwarded-Proto, but only from
# FORWARDED_ALLOW_IPS.)
if proxy_ssl_header := os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
    _header, _, _value = proxy_ssl_header.partition(":")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _header.strip().upper().replace("-", "_"),
        _value.strip() or "https",
    )

# Content-Security-Policy (django-csp): the pages' scripts and styles are files from this
# site, never inline; sockets go back to the same host ('self' covers ws: and wss: there).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The firms' API for practice software (/api/firms/v1/): requests a minute per token, counted
# in Redis in fixed one-minute windows (429 with Retry-After past it).
LEGACY_FIRM_API_RATE_PER_MINUTE = int(os.environ.get("LEGACY_FIRM_API_RATE_PER_MINUTE", "120"))
# Firm webhooks: attempts before a delivery is given up (retried with exponential backoff),
# and whether endpoint URLs may point at private or loopback addresses (only for local tests
# and development: in production a firm must not make Legacy call its internal network).
LEGACY_FIRM_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("LEGACY_FIRM_WEBHOOK_MAX_ATTEMPTS", "6"))
LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE = env_bool("LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE", False)
