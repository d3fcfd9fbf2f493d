"""Settings, all read from the environment, top to bottom: Django, the real parts (database,
cache, Celery), then each app's own.

With nothing set, the node runs in the embedded default: SQLite in var/, Celery tasks
run eagerly in-process, a development secret key. Production sets IPCHAIN_ENV=production,
which refuses to start without a real SECRET_KEY and turns on the secure defaults.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_float, env_int, env_list, load_env_file

# Every process of a node (manage.py, gunicorn, the worker, beat) reads the same settings:
# the environment, and the file IPCHAIN_ENV_FILE names for what the environment leaves unset.
load_env_file(os.environ.get("IPCHAIN_ENV_FILE", ""))

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("IPCHAIN_VAR_DIR", BASE_DIR / "var"))
PRODUCTION = os.environ.get("IPCHAIN_ENV", "development") == "production"

# --- Secrets and hosts ----------------------------------------------------------------------
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when IPCHAIN_ENV=production (or give IPCHAIN_ENV_FILE, docs/deploy.md)"
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Django ---------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # Ours, from the bottom layer up (docs/architecture.md).
    "ipchain.outbox",
    "ipchain.ledger",
    "ipchain.accounts",
    "ipchain.registry",
    "verifier",
    "ipchain.federation",
    "ipchain.operations",
    "ipchain.enforcement",
    "ipchain.portal",
    "ipchain.dashboard",
    "ipchain.demo",
]

MIDDLEWARE = [
    # Health probes answered first (by IP, over plain HTTP), then request ids and request
    # metrics around everything else (ipchain/operations, docs/deploy.md).
    "ipchain.operations.middleware.HealthProbeMiddleware",
    "ipchain.operations.middleware.RequestIdMiddleware",
    "ipchain.operations.middleware.RequestMetricsMiddleware",
    "ipchain.edge.EdgeGuardMiddleware",
    # What writes depend on is read again only when it changed (ipchain/accounts/changes.py).
    "ipchain.accounts.middleware.ChangeCounterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A legal representative's user acting for the client chosen (docs/enforcement.md).
    "ipchain.enforcement.middleware.ActingForMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: counts failed sign-ins and locks out (django-axes).
    "axes.middleware.AxesMiddleware",
]
if PRODUCTION:
    # Serves collected static files (with far-future caching) from the app processes.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "config.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "ipchain.accounts.context.membership",  # the navigation, by role (templates/_nav.html)
            ],
            "builtins": ["ipchain.moments"],  # the |when filter: one date format a locale
        },
    },
]

# Failed sign-ins: after IPCHAIN_LOGIN_FAILURE_LIMIT wrong passwords for one account from one
# address, that pair is locked out for IPCHAIN_LOGIN_LOCKOUT_MINUTES (django-axes, counted in the
# database, so every process sees them), answered 429 with Retry-After (accounts/lockout.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_DISABLE_ACCESS_LOG = True  # failures only: who signed in when is not ours to keep
AXES_FAILURE_LIMIT = env_int("IPCHAIN_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("IPCHAIN_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "ipchain.accounts.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): scripts and everything else from this node only;
# WebAssembly for the camera's decoder (zxing-wasm); inline styles for the charts' SVG.
CONTENT_SECURITY_POLICY = {
    # The API answers JSON, which no browser runs: no policy to build for each answer (0.2 ms
    # of a verification); its documentation pages (Swagger UI, ReDoc) run inline scripts.
    "EXCLUDE_URL_PREFIXES": ["/api/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ru", "Русский"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20

# Production sends mail by SMTP: with no mail server an invitation says so and its link is
# shown to the inviter, instead of "sent" to a log nobody reads (the console, the default
# of the embedded mode).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", f"django.core.mail.backends.{'smtp' if PRODUCTION else 'console'}.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10)  # a mail server that does not answer holds no request long
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ipchain@localhost")

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# --- Database and cache: DATABASE_URL (PostgreSQL in production), else SQLite in var/ --------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if PRODUCTION and not DATABASE_URL:
    # Never the embedded SQLite by accident: a command run without the node's environment
    # would make an empty database of its own and fail later with a puzzling error.
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when IPCHAIN_ENV=production (or give IPCHAIN_ENV_FILE, docs/deploy.md)"
    )
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # IMMEDIATE takes the write lock at BEGIN, so concurrent appenders queue
            # instead of failing with "database is locked" (see shared/MEASURED.md).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A PostgreSQL streaming replica for verification reads (ipchain/replicas.py, docs/deploy.md):
# tiles, proofs, trust and status lists, and a scan's item, while it is at most about
# IPCHAIN_REPLICA_MAX_LAG_SECONDS behind the primary. Never migrated; tests read the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    if not DATABASE_URL.startswith("postgres"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to be PostgreSQL")
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    # A replica that stops answering costs a read two seconds, then the primary serves.
    DATABASES["replica"].setdefault("OPTIONS", {}).update(
        {"connect_timeout": 2, "options": "-c statement_timeout=2000"}
    )
DATABASE_ROUTERS = ["ipchain.replicas.ReplicaRouter"]
IPCHAIN_REPLICA_MAX_LAG_SECONDS = env_float("IPCHAIN_REPLICA_MAX_LAG_SECONDS", 1.0)

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: a real broker when CELERY_BROKER_URL is set, else tasks run eagerly in-process ---
# The embedded mode is that and nothing else (ipchain.outbox.enqueue.embedded).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default="CELERY_BROKER_URL" not in os.environ)
# In the embedded mode, long work (bulk jobs, label sheets) runs on one background thread so
# that pages answer at once and show its progress (ipchain/outbox/enqueue.py).
IPCHAIN_EMBEDDED_WORKER = env_bool("IPCHAIN_EMBEDDED_WORKER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A producer that cannot reach the broker fails within a fraction of a second (kombu's
    # default retries for about 6 s): the request that committed answers, and its task waits
    # in the outbox (ipchain/outbox/enqueue.py). Workers reconnect by their own rules.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    # A task taken by a worker that died (SIGKILL, a lost host) goes back to the queue after
    # this many seconds; a task must finish well within it, or it runs twice (ours are safe
    # to run twice: each claims its work).
    "visibility_timeout": env_int("IPCHAIN_BROKER_VISIBILITY_TIMEOUT", 600),
}
# A task whose pool process died is given back to the broker at once (with acks_late).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Celery workers and beat log through the same handler (JSON in production) instead of
# replacing the root logger with their own plain format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Work of each kind in a queue of its own, so each scales with its own workers (docs/deploy.md):
# a worker started without -Q takes them all; `-Q integration` takes only the log's.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {name: {} for name in ("celery", "integration", "bulk", "labels", "notifications")}
CELERY_TASK_ROUTES = {
    "ipchain.ledger.tasks.integrate_pending": {"queue": "integration"},
    "ipchain.operations.tasks.publish_checkpoint": {"queue": "integration"},
    "ipchain.registry.tasks.run_bulk_job": {"queue": "bulk"},
    "ipchain.registry.tasks.register_bulk_chunk": {"queue": "bulk"},
    "ipchain.registry.tasks.render_label_job": {"queue": "labels"},
    "verifier.tasks.notify_holder": {"queue": "notifications"},
    "ipchain.operations.tasks.send_case_reminders": {"queue": "notifications"},
    "ipchain.enforcement.tasks.send_expiry_reminders": {"queue": "notifications"},
    "ipchain.registry.tasks.send_renewal_reminders": {"queue": "notifications"},
}
# How often beat integrates pending entries; the trailing edge of a request's own nudge
# (ipchain/outbox/enqueue.py) integrates within it too, with or without beat.
IPCHAIN_INTEGRATE_INTERVAL = env_float("IPCHAIN_INTEGRATE_INTERVAL", 1)
# Checkpoint publishing: pending entries integrated and a fresh checkpoint signed at least this
# often, even when nothing was appended (so monitors see the log is alive).
IPCHAIN_CHECKPOINT_INTERVAL_MINUTES = env_float("IPCHAIN_CHECKPOINT_INTERVAL_MINUTES", 10)
IPCHAIN_AUDIT_INTERVAL_HOURS = env_float("IPCHAIN_AUDIT_INTERVAL_HOURS", 6)  # the full audit, by beat
CELERY_BEAT_SCHEDULE = {
    "outbox-send-waiting": {
        "task": "ipchain.outbox.tasks.send_waiting",
        "schedule": timedelta(seconds=env_float("IPCHAIN_OUTBOX_INTERVAL", 30)),
    },
    "ledger-integrate": {
        "task": "ipchain.ledger.tasks.integrate_pending",
        "schedule": timedelta(seconds=IPCHAIN_INTEGRATE_INTERVAL),
    },
    "ledger-audit": {
        "task": "ipchain.ledger.tasks.audit_log",
        "schedule": timedelta(hours=IPCHAIN_AUDIT_INTERVAL_HOURS),
    },
    "federation-mirror": {
        "task": "ipchain.federation.tasks.sync_mirrors",
        "schedule": timedelta(seconds=env_float("IPCHAIN_MIRROR_INTERVAL", 60)),
    },
    "federation-cosign": {
        "task": "ipchain.federation.tasks.collect_cosignatures",
        "schedule": timedelta(seconds=env_float("IPCHAIN_COSIGN_INTERVAL", 30)),
    },
    "operations-publish-checkpoint": {
        "task": "ipchain.operations.tasks.publish_checkpoint",
        "schedule": timedelta(minutes=IPCHAIN_CHECKPOINT_INTERVAL_MINUTES),
    },
    # The IP rights rules (docs/rules.md): daily; a run with nothing due appends one record.
    "registry-run-rules": {
        "task": "ipchain.registry.tasks.run_rules",
        "schedule": timedelta(hours=env_float("IPCHAIN_RULES_INTERVAL_HOURS", 24)),
    },
    "registry-renewal-reminders": {
        "task": "ipchain.registry.tasks.send_renewal_reminders",
        "schedule": timedelta(hours=env_float("IPCHAIN_RULES_INTERVAL_HOURS", 24)),
    },
    "enforcement-expiry-reminders": {
        "task": "ipchain.enforcement.tasks.send_expiry_reminders",
        "schedule": timedelta(hours=env_float("IPCHAIN_RULES_INTERVAL_HOURS", 24)),
    },
    "operations-case-reminders": {
        "task": "ipchain.operations.tasks.send_case_reminders",
        "schedule": timedelta(minutes=env_float("IPCHAIN_CASE_REMINDER_INTERVAL_MINUTES", 30)),
    },
    # The dashboard's rollups folded every 5 minutes (rollup.FOLD_EVERY), so the page counts
    # only the last few minutes live; without beat the page asks for a fold when they are
    # 15 min old.
    "dashboard-fold-rollups": {
        "task": "ipchain.dashboard.tasks.fold_rollups",
        "schedule": timedelta(minutes=5),
    },
}

# --- The API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's tokens, the user kept while nothing changes (ipchain/accounts/changes.py).
        "ipchain.accounts.tokenauth.KeptTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # X-Act-For: a legal representative acting for one client (docs/enforcement.md).
        "ipchain.enforcement.middleware.ActingForHeader",
    ],
    "DEFAULT_SCHEMA_CLASS": "ipchain.api_schema.IpchainAutoSchema",
    "EXCEPTION_HANDLER": "ipchain.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["ipchain.throttling.ScopedThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "ipchain.edge.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # `format` is the label endpoint's own parameter (png, svg): DRF must not take it.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
# Request rates by scope ("requests/second|minute|hour|day"), counted in the shared cache per
# client (ipchain/throttling.py); "<scope>_user" is the rate for signed-in users. Each is
# IPCHAIN_THROTTLE_<SCOPE> in the environment; an empty value turns that limit off.
IPCHAIN_THROTTLE_RATES = {
    scope: os.environ.get(f"IPCHAIN_THROTTLE_{scope.upper()}", default)
    for scope, default in {
        "api": "120/min",  # the API without a token
        "api_user": "3000/min",  # a brand's systems, an office's scripts
        "verify": "60/min",  # verifications by the public, per address
        "verify_user": "1200/min",  # an officer scanning a consignment: 20 a second
        "label": "60/min",  # the label landing and the scanner's verdict page
        "label_user": "1200/min",
        "offline_user": "120/min",  # batches of scans sent from a phone after an outage
    }.items()
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ipchain API",
    "DESCRIPTION": "Verifiable registry of genuine products for customs.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # Rights holders and customs authorities share their status: one enum, named.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationStatusEnum": "ipchain.accounts.models.Organisation.Status",
        "IpRightStatusEnum": "ipchain.registry.models.IpRight.Status",
        "LicenceStatusEnum": "ipchain.registry.models.Licence.Status",
        "ApplicationKindEnum": "ipchain.enforcement.models.Application.Kind",
        "IpRightKindEnum": "ipchain.registry.models.IpRight.Kind",
        "RiskAlertKindEnum": "ipchain.enforcement.models.RiskAlert.Kind",
        "ApplicationStatusEnum": "ipchain.enforcement.models.Application.Status",
        "CaseProcedureEnum": "verifier.models.Case.Procedure",
        "CaseStateEnum": "verifier.models.Case.State",
    },
}

# --- Logs: one JSON object per line (LOG_FORMAT=json, the production default), else plain ------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ipchain.operations.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "ipchain.operations.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- The ledger -------------------------------------------------------------------------------
# The log's origin line, which is also the name of its signing key (C2SP tlog-checkpoint).
IPCHAIN_LOG_ORIGIN = os.environ.get("IPCHAIN_LOG_ORIGIN", "ipchain.localhost/log")
# The log's Ed25519 signer key, as a signed-note "PRIVATE+KEY+..." string, either inline
# or in a file (mode 0600). The embedded default keeps it in var/log.key.
IPCHAIN_LOG_KEY = os.environ.get("IPCHAIN_LOG_KEY", "")
IPCHAIN_LOG_KEY_FILE = Path(os.environ.get("IPCHAIN_LOG_KEY_FILE", VAR_DIR / "log.key"))
# Largest canonical record accepted, in bytes. Entry bundles frame entries with a
# 2-byte length (C2SP tlog-tiles), so nothing larger than 65,535 can be stored.
IPCHAIN_MAX_ENTRY_BYTES = env_int("IPCHAIN_MAX_ENTRY_BYTES", 16384)
# Entries integrated per sequencer transaction.
IPCHAIN_BATCH_SIZE = env_int("IPCHAIN_BATCH_SIZE", 10000)
# Further checks `ipchain_audit` runs over the records themselves (dotted paths of
# functions yielding problems with .index, .reason, .message).
IPCHAIN_AUDIT_RECORD_CHECKS = [
    "ipchain.registry.audit.check_record_signatures",
    "ipchain.registry.rule_runs.check_rule_firings",
]
# Signature lines appended to the served checkpoint (dotted paths of functions of the tree
# size returning lines): the witnesses' cosignatures, without the ledger knowing federation.
IPCHAIN_CHECKPOINT_COSIGNATURES = ["ipchain.federation.cosigning.cosignature_lines"]

# --- The registry -----------------------------------------------------------------------------
# The IP rights rule set's parameters (ipchain/registry/right_rules.py, docs/rules.md): the
# renewal window before expiry and the grace period after it, in months (EUTMR Art. 53(3),
# Paris Convention Art. 5bis), and the reminders' days before the window or grace closes.
IPCHAIN_RIGHT_RULES = {
    "renewal_window_months": env_int("IPCHAIN_RENEWAL_WINDOW_MONTHS", 6),
    "grace_months": env_int("IPCHAIN_RENEWAL_GRACE_MONTHS", 6),
    "reminder_days": tuple(
        int(d) for d in os.environ.get("IPCHAIN_RENEWAL_REMINDER_DAYS", "180,90,30,7").split(",") if d.strip()
    ),
}
# Key-encryption keys sealing node-held private keys at rest: comma-separated base64
# 32-byte keys, the current one first (make one: python -c "import os,base64;
# print(base64.b64encode(os.urandom(32)).decode())"). Checked when the node starts
# (ipchain/registry/apps.py); the embedded default derives development keys from SECRET_KEY.
IPCHAIN_KEY_ENCRYPTION_KEYS = os.environ.get("IPCHAIN_KEY_ENCRYPTION_KEYS", "")
if PRODUCTION and not IPCHAIN_KEY_ENCRYPTION_KEYS.strip():
    raise ImproperlyConfigured("IPCHAIN_KEY_ENCRYPTION_KEYS must be set when IPCHAIN_ENV=production")
# The host name printed in QR labels: https://<host>/01/<GTIN>/21/<serial>?k=..&s=..
IPCHAIN_PUBLIC_HOST = os.environ.get("IPCHAIN_PUBLIC_HOST", "localhost:8000")
# Labels and invitation links are https:// addresses; `make demo` serves plain http on the
# local network (runserver has no TLS), so that a phone there can open them.
IPCHAIN_PUBLIC_SCHEME = os.environ.get("IPCHAIN_PUBLIC_SCHEME", "https")
if IPCHAIN_PUBLIC_SCHEME not in ("https", "http"):
    raise ImproperlyConfigured("IPCHAIN_PUBLIC_SCHEME is https or http")
# The node answers at the address its labels carry.
_public_hostname = re.sub(r":\d+$", "", IPCHAIN_PUBLIC_HOST)  # "[::1]:8000" -> "[::1]"
if _public_hostname and _public_hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_public_hostname)
# An invitation link works once, for this many days (ipchain/accounts/invitations.py).
IPCHAIN_INVITATION_DAYS = env_int("IPCHAIN_INVITATION_DAYS", 7)
IPCHAIN_BULK_MAX_ROWS = env_int("IPCHAIN_BULK_MAX_ROWS", 1000000)
IPCHAIN_BULK_MAX_BYTES = env_int("IPCHAIN_BULK_MAX_BYTES", 200 * 2**20)

# --- The verifier -----------------------------------------------------------------------------
# The offline status list (verifier/status_list.py): the full list is rebuilt at most this
# often (seconds); phones catch up with deltas, of at most this many changes.
IPCHAIN_STATUS_LIST_SECONDS = env_int("IPCHAIN_STATUS_LIST_SECONDS", 300)
IPCHAIN_STATUS_DELTA_MAX = env_int("IPCHAIN_STATUS_DELTA_MAX", 50_000)
# An item an officer's scan found cloned stays on the list as a suspected clone this long.
IPCHAIN_STATUS_CLONE_DAYS = env_int("IPCHAIN_STATUS_CLONE_DAYS", 90)
# Evidence older than this (seconds) is flagged on the verdict.
IPCHAIN_EVIDENCE_MAX_AGE = env_int("IPCHAIN_EVIDENCE_MAX_AGE", 3600)
# Detention case clocks in working days (EU Regulation 608/2013 by default; verifier/clocks.py).
IPCHAIN_CASE_CLOCKS = {
    "notify_working_days": env_int("IPCHAIN_CASE_NOTIFY_DAYS", 1),
    "holder_working_days": env_int("IPCHAIN_CASE_HOLDER_DAYS", 10),
    "perishable_working_days": env_int("IPCHAIN_CASE_PERISHABLE_DAYS", 3),
    "extension_working_days": env_int("IPCHAIN_CASE_EXTENSION_DAYS", 10),
    "small_consignment_working_days": env_int("IPCHAIN_CASE_SMALL_CONSIGNMENT_DAYS", 10),
    # Ex officio (Art. 18): the person entitled files an application within this (Art. 5(3)).
    "application_working_days": env_int("IPCHAIN_CASE_APPLICATION_DAYS", 4),
    # The declarant agrees to destruction or objects within this, else is deemed to agree
    # (Art. 23(1)(c)); for a small consignment, small_consignment_working_days (Art. 26(4)).
    "declarant_working_days": env_int("IPCHAIN_CASE_DECLARANT_DAYS", 10),
}
# Clone detection: see verifier/verdicts.py CloneRules (customs officers' sightings only).
# Applications for customs action (EU Regulation 608/2013, docs/enforcement.md): the competent
# department's deadline to decide (Art. 9(1): 30 working days), the notice before the end under
# which an extension may be refused (Art. 12(2): 30 working days), and the holder's reminders
# (days before its period of action ends).
IPCHAIN_AFA = {
    "decision_working_days": env_int("IPCHAIN_AFA_DECISION_DAYS", 30),
    # An application filed after goods were detained ex officio (Art. 5(3), 9(2)).
    "ex_officio_decision_working_days": env_int("IPCHAIN_AFA_EX_OFFICIO_DECISION_DAYS", 2),
    "extension_notice_working_days": env_int("IPCHAIN_AFA_EXTENSION_NOTICE_DAYS", 30),
    "reminder_days": tuple(
        int(d) for d in os.environ.get("IPCHAIN_AFA_REMINDER_DAYS", "60,30").split(",") if d.strip()
    ),
}
# A rights holder's risk alert to customs ends within this many days (docs/enforcement.md).
IPCHAIN_RISK_ALERT_MAX_DAYS = env_int("IPCHAIN_RISK_ALERT_MAX_DAYS", 180)
IPCHAIN_CLONE_RULES = {
    "max_places": env_int("IPCHAIN_CLONE_MAX_PLACES", 3),
    "window_seconds": env_float("IPCHAIN_CLONE_WINDOW_DAYS", 7) * 86400,
    "max_speed_kmh": env_float("IPCHAIN_CLONE_MAX_SPEED_KMH", 900),
    # Public scans never count for clones; this many distinct public places of one item within
    # the window raise an "unusual public scan pattern" alert for its rights holder.
    "public_places_alert": env_int("IPCHAIN_PUBLIC_PATTERN_PLACES", 10),
}
# An alert of a kind on an item, still unread, takes the repeats of the next this many seconds
# instead of a new alert each time (21 scans of one forged label: one alert, seen 21 times).
IPCHAIN_ALERT_GROUP_SECONDS = env_int("IPCHAIN_ALERT_GROUP_SECONDS", 86400)
# How long a verifier process reuses the latest checkpoint it read (verifier/evidence.py)
# and a signing key's revocation state; 30 times this for products, officers' memberships
# and API tokens (verifier/lookup.py, scanners.py, tokenauth.py): the delay before a change
# is seen (a key, product, membership or token changed in the same process is seen at once).
IPCHAIN_VERIFY_CACHE_SECONDS = env_float("IPCHAIN_VERIFY_CACHE_SECONDS", 2)
# The verifier's item query as a PostgreSQL prepared statement (verifier/lookup.py). Turn off
# behind a pooler that cannot keep them (PgBouncer before 1.21, or without
# max_prepared_statements in transaction mode).
IPCHAIN_VERIFY_PREPARED = env_bool("IPCHAIN_VERIFY_PREPARED", default=True)
# The signed trust list is rebuilt at most this often (seconds) unless a key, product or
# organisation changes on this node (then at once); peer offices' keys reach it within this.
IPCHAIN_TRUST_LIST_CACHE_SECONDS = env_int("IPCHAIN_TRUST_LIST_CACHE_SECONDS", 60)
# An offline verifier warns when its cached trust list is older than this (seconds).
IPCHAIN_TRUST_LIST_MAX_AGE = env_int("IPCHAIN_TRUST_LIST_MAX_AGE", 7 * 86400)
# Largest photo an officer attaches to a detention case.
IPCHAIN_CASE_PHOTO_MAX_BYTES = env_int("IPCHAIN_CASE_PHOTO_MAX_BYTES", 10 * 2**20)

# --- Federation (docs/federation.md) ------------------------------------------------------------
# This node's witness: the name of its cosigning key (C2SP tlog-cosignature) and the key as a
# "PRIVATE+KEY+..." string, inline or in a file (mode 0600), handled like the log key.
IPCHAIN_WITNESS_NAME = os.environ.get(
    "IPCHAIN_WITNESS_NAME", IPCHAIN_LOG_ORIGIN.split("/", 1)[0] + "/witness"
)
IPCHAIN_WITNESS_KEY = os.environ.get("IPCHAIN_WITNESS_KEY", "")
IPCHAIN_WITNESS_KEY_FILE = Path(os.environ.get("IPCHAIN_WITNESS_KEY_FILE", VAR_DIR / "witness.key"))
# Seconds to wait for a peer's witness (after each of our checkpoints) and for a peer's log.
IPCHAIN_WITNESS_TIMEOUT = env_float("IPCHAIN_WITNESS_TIMEOUT", 2)
IPCHAIN_FEDERATION_TIMEOUT = env_float("IPCHAIN_FEDERATION_TIMEOUT", 10)
# Peers talk HTTPS; a PEM file of further CAs to trust for them (offices' private CA), added
# to the system's (docs/federation.md, "Over TLS").
IPCHAIN_PEER_CA_FILE = os.environ.get("IPCHAIN_PEER_CA_FILE", "")
# A witness that failed is left to the periodic task for this many seconds.
IPCHAIN_COSIGN_RETRY_AFTER = env_float("IPCHAIN_COSIGN_RETRY_AFTER", 30)
# A log that stopped growing keeps its checkpoint; its witnesses are asked again for a fresh
# cosignature (same size, empty proof) once theirs is this many seconds old, so the
# timestamps show the log is alive and still unforked. 0: never.
IPCHAIN_COSIGN_REFRESH_SECONDS = env_int("IPCHAIN_COSIGN_REFRESH_SECONDS", 3600)
# A checkpoint is trusted (federation.cosigning.checkpoint_trusted) when at least this many
# witnesses cosigned it: those named here (comma-separated key names), or when empty every
# witness key on record, this node's own included.
IPCHAIN_WITNESS_QUORUM = env_int("IPCHAIN_WITNESS_QUORUM", 0)
IPCHAIN_TRUSTED_WITNESSES = env_list("IPCHAIN_TRUSTED_WITNESSES")
# Entries the mirror verifies and stores per transaction when catching up with a peer.
IPCHAIN_MIRROR_STEP = env_int("IPCHAIN_MIRROR_STEP", 65536)
# A mirrored peer not reached for this long (seconds) is flagged stale.
IPCHAIN_PEER_STALE_AFTER = env_int("IPCHAIN_PEER_STALE_AFTER", 900)

# --- Operations (ipchain/operations, docs/deploy.md) --------------------------------------------
# /readyz fails when the oldest entry waiting for integration is older than this (seconds), or
# when more than IPCHAIN_READY_MAX_PENDING entries wait (0: no limit on the count).
IPCHAIN_READY_MAX_LAG_SECONDS = env_float("IPCHAIN_READY_MAX_LAG_SECONDS", 300)
IPCHAIN_READY_MAX_PENDING = env_int("IPCHAIN_READY_MAX_PENDING", 0)
IPCHAIN_READY_BROKER_TIMEOUT = env_float("IPCHAIN_READY_BROKER_TIMEOUT", 2)
# /metrics answers a bearer token (set it in Prometheus' scrape config) or these client
# addresses/networks (comma-separated). None by default in production: a proxy on the same
# host would make loopback everyone (docs/deploy.md); the embedded default allows loopback.
IPCHAIN_METRICS_TOKEN = os.environ.get("IPCHAIN_METRICS_TOKEN", "")
IPCHAIN_METRICS_ALLOWED_IPS = env_list("IPCHAIN_METRICS_ALLOWED_IPS", "" if PRODUCTION else "127.0.0.1,::1")
