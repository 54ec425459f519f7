"""Settings for the provincial administrative-procedure portal.

Everything comes from the environment (see `.env.example`, which documents every variable).
With nothing configured the portal runs on SQLite with Celery tasks executed eagerly, so a
newcomer can start it with one command. `DATABASE_URL` switches to PostgreSQL, `CELERY_BROKER_URL`
to a real broker, `REDIS_URL` to a shared cache.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# "development" (default) or "production". Production refuses to start without its secrets.
ENVIRONMENT = env.str("DJANGO_ENV", default="development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (at least 50 characters) in production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
else:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="development-only-key-never-use-in-production-0123456789"
    )
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    )

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL printed in QR codes and e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "portal",
    "notifications",
    "procedures",
    "dossiers",
    "payments",
    "repository",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.RejectNulBytesMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.second_factor.OfficerSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Waiting on the write lock instead of failing makes concurrent intake behave on SQLite too.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Behind PgBouncer in transaction pooling each transaction may run on another server connection: nothing may
# outlive it there — no server-side cursors (`.iterator()` then fetches in chunks client-side) and no prepared
# statements kept by psycopg on a server connection.
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
if USING_POSTGRES and DATABASE_TRANSACTION_POOLING:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Each process's own memory. Django's default of 300 entries is less than the public lookup keeps for a
    # few hundred dossiers (a status card and a page each): past it, every new entry evicts a third of them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env.int("LOCAL_CACHE_MAX_ENTRIES", default=5000)},
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The public home page's processing figures are recomputed at most this often.
HOME_FIGURES_CACHE_SECONDS = env.int("HOME_FIGURES_CACHE_SECONDS", default=600)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Ours: the same rule with a Vietnamese message (see the class).
    {"NAME": "portal.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Brute-force protection on the login form (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Officers must enrol an authenticator app (TOTP) before working; off in development for the demo accounts.
OFFICER_OTP_REQUIRED = env.bool("OFFICER_OTP_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Dịch vụ công tỉnh")

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"  # never served publicly; downloads go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Largest upload accepted for one dossier component.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Zip-shaped uploads (DOCX, XLSX, scan archives) are refused when they would inflate past this many bytes (or
# twice the upload limit, if larger), past UPLOAD_MAX_ZIP_RATIO times their size, or hold too many members.
UPLOAD_MAX_INFLATED_BYTES = env.int("UPLOAD_MAX_INFLATED_BYTES", default=100 * 1024 * 1024)
UPLOAD_MAX_ZIP_RATIO = env.int("UPLOAD_MAX_ZIP_RATIO", default=100)
UPLOAD_MAX_ZIP_MEMBERS = env.int("UPLOAD_MAX_ZIP_MEMBERS", default=10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng dịch vụ công <no-reply@dichvucong.local>")

# Celery: eager when no broker is set, so the embedded default needs no Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE: dict = {}

# Task outbox (portal.outbox): background work is written to the database with the change that needs it and sent
# after commit; what the broker did not take is sent again by this beat task, in batches, once it has waited
# OUTBOX_RETRY_AFTER_SECONDS. Dispatched rows are kept OUTBOX_KEEP_DAYS days for the administrator.
OUTBOX_DISPATCH_SECONDS = env.int("OUTBOX_DISPATCH_SECONDS", default=60)
OUTBOX_RETRY_AFTER_SECONDS = env.int("OUTBOX_RETRY_AFTER_SECONDS", default=30)
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=200)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
CELERY_BEAT_SCHEDULE["portal-outbox-dispatch"] = {
    "task": "portal.outbox_dispatch",
    "schedule": float(OUTBOX_DISPATCH_SECONDS),
    # A run that waited in the queue longer than the interval is superseded by the next one.
    "options": {"expires": float(OUTBOX_DISPATCH_SECONDS)},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "portal.errors.problem_exception_handler",
}
# Content-Security-Policy (django-csp, portal/security.py): scripts, styles, fonts and requests from the site
# only, no inline script or style (templates keep them in static/), images also as data: URIs (QR codes,
# Bootstrap's icons), no plugins, no framing by other sites, forms post to the site only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
# Permissions-Policy (django-permissions-policy): no page uses the camera, microphone, location, sensors,
# payment or USB APIs; an injected script or a framed page gets none of them.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
} | {"fullscreen": ["self"]}

SPECTACULAR_SETTINGS = {
    "TITLE": "API Hệ thống giải quyết thủ tục hành chính tỉnh",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents its problem+json errors (400/403/404/415/429), see portal/api_schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api_schema.add_problem_responses",
    ],
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step of every printed form at INFO, and fontTools each subsetting fallback.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The province this installation serves (code from the `vietnam-provinces` package; 56 = Khánh Hòa).
PROVINCE_CODE = env.int("PROVINCE_CODE", default=56)

# Dossiers. Code pattern of TT 01/2018/TT-VPCP (TT 03/2025/TT-VPCP may change it): {agency} code, reception {date},
# daily {number}; unique and gap-free per agency and day.
DOSSIER_CODE_PATTERN = env.str("DOSSIER_CODE_PATTERN", default="{agency}-{date:%y%m%d}-{number:04d}")
# Public status lookup: failed attempts allowed per client address within the window (seconds).
DOSSIER_LOOKUP_LIMIT = env.int("DOSSIER_LOOKUP_LIMIT", default=10)
DOSSIER_LOOKUP_WINDOW_SECONDS = env.int("DOSSIER_LOOKUP_WINDOW_SECONDS", default=900)
# The public lookup's status card is rendered once per state of the dossier and kept this long in the cache
# (its key changes with every change it shows; this bounds how long an unused one stays).
DOSSIER_STATUS_CACHE_SECONDS = env.int("DOSSIER_STATUS_CACHE_SECONDS", default=600)
# How long the one-stop desk's queue takes the list of procedure versions its desks receive as read (a catalogue
# change reaches the queue within this time; receiving and acting on a dossier always check afresh).
DESK_SCOPE_CACHE_SECONDS = env.int("DESK_SCOPE_CACHE_SECONDS", default=60)
# How long each process keeps the working calendar it shows the time left with on public pages (0: read it each time).
CALENDAR_DISPLAY_CACHE_SECONDS = env.int("CALENDAR_DISPLAY_CACHE_SECONDS", default=60)
# Reverse proxies in front of the portal whose X-Forwarded-For is trusted for the client address (0: none);
# used by every per-client rate limit (portal.ratelimit).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Rate limits (django-ratelimit, portal.ratelimit) count the client address of TRUSTED_PROXY_COUNT; IPv6
# clients are grouped by network prefix (one subscriber usually holds a whole /64).
RATELIMIT_IP_META_KEY = "portal.ratelimit.ratelimit_ip"
RATELIMIT_IPV6_MASK = env.int("RATELIMIT_IPV6_MASK", default=64)
RATELIMIT_IPV4_MASK = 32
RATELIMIT_USE_CACHE = "default"
# Processing: a running dossier is "due soon" when less than this share of its legal time is left.
DEADLINE_WARNING_SHARE = env.float("DEADLINE_WARNING_SHARE", default=0.2)
# Whether the wait for a financial obligation found after appraisal (status 6) stops the clock.
DOSSIER_PAYMENT_STOPS_CLOCK = env.bool("DOSSIER_PAYMENT_STOPS_CLOCK", default=True)
# Minutes between two deadline sweeps (due soon / overdue marks, one Celery task per agency).
DEADLINE_SWEEP_MINUTES = env.int("DEADLINE_SWEEP_MINUTES", default=30)
CELERY_BEAT_SCHEDULE["dossiers-sweep-deadlines"] = {
    "task": "dossiers.tasks.sweep_deadlines",
    "schedule": DEADLINE_SWEEP_MINUTES * 60.0,
}

# Kho dữ liệu: files go to S3-compatible object storage (MinIO, a provincial cloud) when a bucket is named,
# otherwise to MEDIA_ROOT. Either way they are private: downloads pass through permission-checked views.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=""),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=""),
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# Signing keys and certificates (never committed); empty means MEDIA_ROOT/pki on local disk.
PKI_DIR = env.str("PKI_DIR", default="")
# Passphrase of the encrypted signing keys in PKI_DIR (PKCS#12 or encrypted PEM); `check --deploy` refuses plain keys.
SIGNING_KEY_PASSPHRASE = env.str("SIGNING_KEY_PASSPHRASE", default="")
# Keys on a PKCS#11 token or HSM (optional python-pkcs11): module path, token label and user PIN.
SIGNING_PKCS11_MODULE = env.str("SIGNING_PKCS11_MODULE", default="")
SIGNING_PKCS11_TOKEN_LABEL = env.str("SIGNING_PKCS11_TOKEN_LABEL", default="")
SIGNING_PKCS11_PIN = env.str("SIGNING_PKCS11_PIN", default="")
# Optional RFC 3161 time-stamping authority for PAdES B-T signatures on results.
SIGNING_TSA_URL = env.str("SIGNING_TSA_URL", default="")
SIGNING_TSA_TIMEOUT_SECONDS = env.int("SIGNING_TSA_TIMEOUT_SECONDS", default=10)
# TrueType font with Vietnamese glyphs for the visible signature stamp; empty means Noto Sans (fonts-noto-core).
SIGNING_FONT = env.str("SIGNING_FONT", default="")
# Largest zip of scans accepted for one back-file digitisation batch, in bytes.
BACKFILE_MAX_BYTES = env.int("BACKFILE_MAX_BYTES", default=200 * 1024 * 1024)
# Public verification of electronic results (page and API): checks allowed per client address per window.
REPOSITORY_VERIFY_LIMIT = env.int("REPOSITORY_VERIFY_LIMIT", default=30)
REPOSITORY_VERIFY_WINDOW_SECONDS = env.int("REPOSITORY_VERIFY_WINDOW_SECONDS", default=600)
# Minutes after which a digitisation job still waiting for a worker may be run again by an officer (Chạy lại).
DIGITISATION_REQUEUE_AFTER_MINUTES = env.int("DIGITISATION_REQUEUE_AFTER_MINUTES", default=15)
# Kho dữ liệu hồ sơ TTHC: hour (province time) of the nightly job that computes the retention of finished dossiers
# and puts the PDFs of digitisation jobs into the dossiers they were made for.
# Feedback and complaints (PAKN): answered within FEEDBACK_ANSWER_WORKING_DAYS working days (NĐ 20/2008/NĐ-CP);
# the escalation sweep reports overdue ones to the agency's leaders. Feedback without a dossier, procedure or
# agency goes to FEEDBACK_DEFAULT_AGENCY_CODE (else the province's one-stop centre). Filing is limited per client.
FEEDBACK_ANSWER_WORKING_DAYS = env.int("FEEDBACK_ANSWER_WORKING_DAYS", default=15)
FEEDBACK_DEFAULT_AGENCY_CODE = env.str("FEEDBACK_DEFAULT_AGENCY_CODE", default="")
FEEDBACK_FILE_LIMIT = env.int("FEEDBACK_FILE_LIMIT", default=5)
FEEDBACK_FILE_WINDOW_SECONDS = env.int("FEEDBACK_FILE_WINDOW_SECONDS", default=3600)
FEEDBACK_ESCALATION_SWEEP_MINUTES = env.int("FEEDBACK_ESCALATION_SWEEP_MINUTES", default=60)
CELERY_BEAT_SCHEDULE["dossiers-feedback-escalation"] = {
    "task": "dossiers.feedback_escalation_sweep",
    "schedule": FEEDBACK_ESCALATION_SWEEP_MINUTES * 60.0,
}
# Appointments at the desk: bookings allowed per client address and window.
APPOINTMENT_BOOK_LIMIT = env.int("APPOINTMENT_BOOK_LIMIT", default=5)
APPOINTMENT_BOOK_WINDOW_SECONDS = env.int("APPOINTMENT_BOOK_WINDOW_SECONDS", default=3600)

CELERY_BEAT_SCHEDULE["dossiers-archive-sweep"] = {
    "task": "dossiers.archive_sweep",
    "schedule": crontab(hour=env.int("REPOSITORY_ARCHIVE_SWEEP_HOUR", default=1), minute=30),
    "options": {"queue": "digitisation"},
}

# Procedure catalogue: the national procedure database (CSDL quốc gia về TTHC) the nightly sync reads.
# Empty URL: the local simulator (procedures/data/national_simulator.json).
NATIONAL_CATALOGUE_URL = env.str("NATIONAL_CATALOGUE_URL", default="")
NATIONAL_CATALOGUE_TOKEN = env.str("NATIONAL_CATALOGUE_TOKEN", default="")
NATIONAL_CATALOGUE_TIMEOUT = env.float("NATIONAL_CATALOGUE_TIMEOUT", default=30.0)
CELERY_BEAT_SCHEDULE["procedures-sync-national-catalogue"] = {
    "task": "procedures.tasks.sync_national_catalogue",
    "schedule": crontab(hour=env.int("NATIONAL_CATALOGUE_SYNC_HOUR", default=2), minute=0),
    "options": {"queue": "sync"},
}
CELERY_BEAT_SCHEDULE["procedures-mark-retired-versions"] = {
    "task": "procedures.tasks.mark_retired_versions",
    "schedule": crontab(hour=0, minute=5),
}

# Notifications (notifications/): rows written with the event, delivered by workers on the "notifications"
# queue after commit; the beat task re-queues rows left undelivered every NOTIFY_REQUEUE_SECONDS. A failed send
# is tried again after NOTIFY_RETRY_BASE_SECONDS, doubled each time, at most NOTIFY_MAX_ATTEMPTS times.
# NOTIFY_SIMULATORS mounts the local SMS / Zalo simulators on /gia-lap/ and sends to them instead of the
# providers: on in development and tests, never in production.
NOTIFY_SIMULATORS = env.bool("NOTIFY_SIMULATORS", default=not PRODUCTION)
if PRODUCTION and NOTIFY_SIMULATORS:
    raise ImproperlyConfigured("NOTIFY_SIMULATORS must be off in production.")
NOTIFY_PROVIDER_TIMEOUT_SECONDS = env.float("NOTIFY_PROVIDER_TIMEOUT_SECONDS", default=10.0)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=8)
NOTIFY_RETRY_BASE_SECONDS = env.int("NOTIFY_RETRY_BASE_SECONDS", default=60)
NOTIFY_REQUEUE_SECONDS = env.int("NOTIFY_REQUEUE_SECONDS", default=60)
NOTIFY_REQUEUE_AFTER_SECONDS = env.int("NOTIFY_REQUEUE_AFTER_SECONDS", default=30)
NOTIFY_REQUEUE_BATCH_SIZE = env.int("NOTIFY_REQUEUE_BATCH_SIZE", default=500)
NOTIFY_CLAIM_TIMEOUT_SECONDS = env.int("NOTIFY_CLAIM_TIMEOUT_SECONDS", default=600)
NOTIFY_DIGEST_HOUR = env.int("NOTIFY_DIGEST_HOUR", default=7)
# How the adapters reach the simulators: "inprocess" (an httpx transport calling the simulator views in this
# process: tests, a single runserver without workers) or "http" (real HTTP to the URLs below, e.g. a worker
# sending to the simulators of a running server; headers with "_", which WSGI servers drop, are repeated as
# X-Underscore-… for the simulators only). NOTIFY_SIMULATOR_REPORTS: the simulators report each accepted
# message as delivered (eSMS callback, Zalo webhook) after their commit; off, the simulator page's buttons do.
NOTIFY_SIMULATOR_TRANSPORT = env.str("NOTIFY_SIMULATOR_TRANSPORT", default="inprocess")
if NOTIFY_SIMULATOR_TRANSPORT not in ("inprocess", "http"):
    raise ImproperlyConfigured("NOTIFY_SIMULATOR_TRANSPORT must be 'inprocess' or 'http'.")
NOTIFY_SIMULATOR_REPORTS = env.bool("NOTIFY_SIMULATOR_REPORTS", default=True)
# Verification codes for a phone or e-mail (portal/ratelimit.py): codes sent per client address and per
# account in a window; wrong codes typed per client address and per account in a window.
NOTIFY_CODE_SEND_LIMIT = env.int("NOTIFY_CODE_SEND_LIMIT", default=5)
NOTIFY_CODE_SEND_WINDOW_SECONDS = env.int("NOTIFY_CODE_SEND_WINDOW_SECONDS", default=3600)
NOTIFY_CODE_VERIFY_LIMIT = env.int("NOTIFY_CODE_VERIFY_LIMIT", default=10)
NOTIFY_CODE_VERIFY_WINDOW_SECONDS = env.int("NOTIFY_CODE_VERIFY_WINDOW_SECONDS", default=900)
CELERY_BEAT_SCHEDULE["notifications-requeue"] = {
    "task": "notifications.requeue",
    "schedule": float(NOTIFY_REQUEUE_SECONDS),
    "options": {"queue": "notifications", "expires": float(NOTIFY_REQUEUE_SECONDS)},
}
CELERY_BEAT_SCHEDULE["dossiers-deadline-digests"] = {
    "task": "dossiers.notify_deadline_digests",
    "schedule": crontab(hour=NOTIFY_DIGEST_HOUR, minute=0),
    "options": {"queue": "notifications"},
}
_SIMULATOR = f"{SITE_URL}/gia-lap"
# SMS brandname, eSMS JSON API. SMS_MAX_LENGTH: longest SMS a template may produce (2 parts of 153 characters).
SMS_ESMS_URL = env.str(
    "SMS_ESMS_URL",
    default=f"{_SIMULATOR}/esms/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    if NOTIFY_SIMULATORS
    else "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/",
)
SMS_ESMS_API_KEY = env.str("SMS_ESMS_API_KEY", default="simulator" if NOTIFY_SIMULATORS else "")
SMS_ESMS_SECRET_KEY = env.str("SMS_ESMS_SECRET_KEY", default="simulator" if NOTIFY_SIMULATORS else "")
SMS_BRANDNAME = env.str("SMS_BRANDNAME", default="DVC_KHANHHOA")
SMS_SANDBOX = env.bool("SMS_SANDBOX", default=False)
SMS_MAX_LENGTH = env.int("SMS_MAX_LENGTH", default=306)
# eSMS delivery reports: each send carries CallbackUrl, which eSMS calls (GET, SMSID and SendStatus…) once the
# carrier reports. eSMS signs nothing, so the URL holds a secret path segment, SMS_ESMS_CALLBACK_TOKEN (empty:
# no CallbackUrl is sent and the endpoint refuses every call). SMS_ESMS_CALLBACK_URL overrides the whole URL
# (e.g. another public host); by default SITE_URL/thong-bao/bao-cao-gui/esms/<token>/.
SMS_ESMS_CALLBACK_TOKEN = env.str(
    "SMS_ESMS_CALLBACK_TOKEN", default="simulator-callback" if NOTIFY_SIMULATORS else ""
)
SMS_ESMS_CALLBACK_URL = env.str(
    "SMS_ESMS_CALLBACK_URL",
    default=f"{SITE_URL}/thong-bao/bao-cao-gui/esms/{SMS_ESMS_CALLBACK_TOKEN}/"
    if SMS_ESMS_CALLBACK_TOKEN
    else "",
)
# Zalo ZNS: the OA's app id and secret, the first token pair (later pairs are kept in the database, each
# refresh token used once), the approved template id, and the longest value of one template parameter.
ZALO_ZNS_URL = env.str(
    "ZALO_ZNS_URL",
    default=f"{_SIMULATOR}/zalo/message/template"
    if NOTIFY_SIMULATORS
    else "https://business.openapi.zalo.me/message/template",
)
ZALO_OAUTH_URL = env.str(
    "ZALO_OAUTH_URL",
    default=f"{_SIMULATOR}/zalo/v4/oa/access_token"
    if NOTIFY_SIMULATORS
    else "https://oauth.zaloapp.com/v4/oa/access_token",
)
ZALO_APP_ID = env.str("ZALO_APP_ID", default="simulator" if NOTIFY_SIMULATORS else "")
ZALO_APP_SECRET = env.str("ZALO_APP_SECRET", default="simulator-secret" if NOTIFY_SIMULATORS else "")
ZALO_OA_ACCESS_TOKEN = env.str("ZALO_OA_ACCESS_TOKEN", default="at-simulator" if NOTIFY_SIMULATORS else "")
ZALO_OA_REFRESH_TOKEN = env.str("ZALO_OA_REFRESH_TOKEN", default="rt-simulator" if NOTIFY_SIMULATORS else "")
ZALO_ZNS_TEMPLATE_ID = env.str("ZALO_ZNS_TEMPLATE_ID", default="100001")
ZALO_ZNS_DEVELOPMENT_MODE = env.bool("ZALO_ZNS_DEVELOPMENT_MODE", default=False)
ZNS_PARAM_MAX_LENGTH = env.int("ZNS_PARAM_MAX_LENGTH", default=100)
# Zalo webhook (SITE_URL/thong-bao/bao-cao-gui/zalo/, registered in the Zalo app's webhook settings): events are
# signed X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA secret key). ZALO_WEBHOOK_SECRET_KEY is
# that OA secret key (empty: every event is refused). Events older than ZALO_WEBHOOK_MAX_AGE_SECONDS are refused.
ZALO_WEBHOOK_SECRET_KEY = env.str(
    "ZALO_WEBHOOK_SECRET_KEY", default="simulator-oa-secret" if NOTIFY_SIMULATORS else ""
)
ZALO_WEBHOOK_MAX_AGE_SECONDS = env.int("ZALO_WEBHOOK_MAX_AGE_SECONDS", default=86400)
# Online payment of fees (payments/). Providers offered to applicants, in this order.
# Production offers none until each is configured (its keys are required once it is listed).
PAYMENTS_PROVIDERS = env.list("PAYMENTS_PROVIDERS", default=[]) or (
    [] if PRODUCTION else ["vnpay", "national", "vietqr"]
)
# Local simulators of the providers (payments/simulators/), mounted at /thanh-toan/mo-phong/: on in
# development and tests, refused in production.
PAYMENTS_SIMULATORS = env.bool("PAYMENTS_SIMULATORS", default=not PRODUCTION)
if PRODUCTION and PAYMENTS_SIMULATORS:
    raise ImproperlyConfigured("PAYMENTS_SIMULATORS must be off in production.")
PAYMENTS_HTTP_TIMEOUT = env.float("PAYMENTS_HTTP_TIMEOUT", default=15.0)
# This server's public address, sent as vnp_IpAddr in querydr and refund requests.
PAYMENTS_SERVER_IP = env.str("PAYMENTS_SERVER_IP", default="127.0.0.1")
# Minutes a started payment stays open; pending payments older than PAYMENTS_RECONCILE_AFTER_MINUTES are
# queried by the reconciliation beat every PAYMENTS_RECONCILE_EVERY_MINUTES.
PAYMENTS_EXPIRE_MINUTES = env.int("PAYMENTS_EXPIRE_MINUTES", default=15)
PAYMENTS_RECONCILE_AFTER_MINUTES = env.int("PAYMENTS_RECONCILE_AFTER_MINUTES", default=20)
PAYMENTS_RECONCILE_EVERY_MINUTES = env.int("PAYMENTS_RECONCILE_EVERY_MINUTES", default=10)
PAYMENTS_RECONCILE_BATCH = env.int("PAYMENTS_RECONCILE_BATCH", default=500)
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
    "task": "payments.reconcile",
    "schedule": PAYMENTS_RECONCILE_EVERY_MINUTES * 60.0,
}
# VNPay v2.1.0 merchant: terminal code and hash secret from VNPay; empty URLs mean the local simulator.
# Outside production an empty value falls back to the simulators' development keys.
PAYMENTS_VNPAY_TMN_CODE = env.str("PAYMENTS_VNPAY_TMN_CODE", default="") or ("" if PRODUCTION else "DVCKHOA1")
PAYMENTS_VNPAY_HASH_SECRET = env.str("PAYMENTS_VNPAY_HASH_SECRET", default="") or (
    "" if PRODUCTION else "development-only-vnpay-secret"
)
PAYMENTS_VNPAY_PAY_URL = env.str("PAYMENTS_VNPAY_PAY_URL", default="")
PAYMENTS_VNPAY_API_URL = env.str("PAYMENTS_VNPAY_API_URL", default="")
if (
    PRODUCTION
    and "vnpay" in PAYMENTS_PROVIDERS
    and not (PAYMENTS_VNPAY_HASH_SECRET and PAYMENTS_VNPAY_PAY_URL and PAYMENTS_VNPAY_API_URL)
):
    raise ImproperlyConfigured(
        "PAYMENTS_VNPAY_HASH_SECRET, PAYMENTS_VNPAY_PAY_URL and PAYMENTS_VNPAY_API_URL must be set in production."
    )
# National public-service portal's payment platform: partner code (MaDoiTac), secret, API URL (empty: the
# local simulator), bearer token, and the checksum scheme of MaXacThuc, which is not published: "sha256"
# (sha256 of the fields and the secret joined by "|", as the Thanh Hoá DVC system does) or "hmac-sha256"
# (HMAC-SHA256 with the secret as key, as OpenCPS does). See the README.
PAYMENTS_NATIONAL_PARTNER_CODE = env.str("PAYMENTS_NATIONAL_PARTNER_CODE", default="") or (
    "" if PRODUCTION else "DVCKHANHHOA"
)
PAYMENTS_NATIONAL_SECRET = env.str("PAYMENTS_NATIONAL_SECRET", default="") or (
    "" if PRODUCTION else "development-only-national-secret"
)
PAYMENTS_NATIONAL_URL = env.str("PAYMENTS_NATIONAL_URL", default="")
PAYMENTS_NATIONAL_TOKEN = env.str("PAYMENTS_NATIONAL_TOKEN", default="")
PAYMENTS_NATIONAL_CHECKSUM = env.str("PAYMENTS_NATIONAL_CHECKSUM", default="") or "sha256"
if PAYMENTS_NATIONAL_CHECKSUM not in ("sha256", "hmac-sha256"):
    raise ImproperlyConfigured("PAYMENTS_NATIONAL_CHECKSUM must be sha256 or hmac-sha256.")
if (
    PRODUCTION
    and "national" in PAYMENTS_PROVIDERS
    and not (PAYMENTS_NATIONAL_SECRET and PAYMENTS_NATIONAL_URL)
):
    raise ImproperlyConfigured(
        "PAYMENTS_NATIONAL_SECRET and PAYMENTS_NATIONAL_URL must be set in production."
    )
# VietQR transfers: the bank's statement notifications are signed with HMAC-SHA256 of the body under this
# shared secret (header X-Signature).
PAYMENTS_VIETQR_WEBHOOK_SECRET = env.str("PAYMENTS_VIETQR_WEBHOOK_SECRET", default="") or (
    "" if PRODUCTION else "development-only-bank-secret"
)
if PRODUCTION and "vietqr" in PAYMENTS_PROVIDERS and not PAYMENTS_VIETQR_WEBHOOK_SECRET:
    raise ImproperlyConfigured("PAYMENTS_VIETQR_WEBHOOK_SECRET must be set in production.")
# National public-service portal (Cổng DVC quốc gia, PROTOCOLS §5): every dossier and processing step is reported
# through the national adapter (session login, then the DongBoHoSoMC / CapNhatTienDoHoSoMC envelope). The paths
# of the login and integration calls are not published: ask the national portal's operator for them.
# Empty URL: the local simulator at SITE_URL/mo-phong/dvcqg/ when NATIONAL_SIMULATOR_ENABLED, otherwise no sync.
NATIONAL_PORTAL_URL = env.str("NATIONAL_PORTAL_URL", default="").rstrip("/")
NATIONAL_PORTAL_AUTH_PATH = env.str("NATIONAL_PORTAL_AUTH_PATH", default="/login")
NATIONAL_PORTAL_INTEGRATION_PATH = env.str("NATIONAL_PORTAL_INTEGRATION_PATH", default="/integration")
NATIONAL_PORTAL_USERNAME = env.str("NATIONAL_PORTAL_USERNAME", default="khanhhoa")
NATIONAL_PORTAL_PASSWORD = env.str("NATIONAL_PORTAL_PASSWORD", default="" if PRODUCTION else "mo-phong")
NATIONAL_PORTAL_DSTCODE = env.str("NATIONAL_PORTAL_DSTCODE", default="000.00.00.H32")
NATIONAL_PORTAL_MADONVI = env.str("NATIONAL_PORTAL_MADONVI", default="000.00.00.H32")
NATIONAL_PORTAL_TIMEOUT = env.float("NATIONAL_PORTAL_TIMEOUT", default=20.0)
# Report dossiers to the national portal at all (on by default; off for an installation not yet registered).
NATIONAL_SYNC_ENABLED = env.bool("NATIONAL_SYNC_ENABLED", default=True)
# The simulator of the national portal and of the national SSO (development and tests only).
NATIONAL_SIMULATOR_ENABLED = env.bool("NATIONAL_SIMULATOR_ENABLED", default=not PRODUCTION)
if PRODUCTION and NATIONAL_SIMULATOR_ENABLED:
    raise ImproperlyConfigured("NATIONAL_SIMULATOR_ENABLED must be off in production.")
# Sync attempts of one step before it waits for the nightly reconciliation; backoff doubles from the base.
NATIONAL_SYNC_MAX_RETRIES = env.int("NATIONAL_SYNC_MAX_RETRIES", default=8)
NATIONAL_SYNC_BACKOFF_SECONDS = env.int("NATIONAL_SYNC_BACKOFF_SECONDS", default=30)
# Nightly reconciliation: dossiers changed in the last NATIONAL_RECONCILE_DAYS days are looked up (TraCuuHoSo).
NATIONAL_RECONCILE_DAYS = env.int("NATIONAL_RECONCILE_DAYS", default=30)
CELERY_BEAT_SCHEDULE["dossiers-national-reconcile"] = {
    "task": "dossiers.national.reconcile",
    "schedule": crontab(hour=env.int("NATIONAL_RECONCILE_HOUR", default=3), minute=15),
    "options": {"queue": "sync"},
}
# Dossiers filed on the national portal are pushed to /api/lien-thong/dvcqg/ho-so/ with this bearer token.
NATIONAL_INBOUND_TOKEN = env.str("NATIONAL_INBOUND_TOKEN", default="" if PRODUCTION else "mo-phong-dvcqg")

# Citizen login through the national SSO (DVCQG SSO, VNeID behind it; PROTOCOLS §7) over OpenID Connect.
# With NATIONAL_SSO_DISCOVERY_URL the endpoints come from discovery; otherwise from the explicit URLs (the
# hosts seen in public configurations). With neither client id nor URLs and the simulator on, the local
# simulator IdP at SITE_URL/mo-phong/vneid/ is used.
NATIONAL_SSO_CLIENT_ID = env.str("NATIONAL_SSO_CLIENT_ID", default="")
NATIONAL_SSO_CLIENT_SECRET = env.str("NATIONAL_SSO_CLIENT_SECRET", default="")
NATIONAL_SSO_DISCOVERY_URL = env.str("NATIONAL_SSO_DISCOVERY_URL", default="")
NATIONAL_SSO_ISSUER = env.str("NATIONAL_SSO_ISSUER", default="https://xacthuc.dichvucong.gov.vn")
NATIONAL_SSO_AUTHORIZE_URL = env.str(
    "NATIONAL_SSO_AUTHORIZE_URL", default="https://xacthuc.dichvucong.gov.vn/oauth2/authorize"
)
NATIONAL_SSO_TOKEN_URL = env.str(
    "NATIONAL_SSO_TOKEN_URL", default="https://xacthuc.dichvucong.gov.vn/oauth2/token"
)
NATIONAL_SSO_USERINFO_URL = env.str(
    "NATIONAL_SSO_USERINFO_URL", default="https://xacthuc.dichvucong.gov.vn/oauth2/userinfo"
)
NATIONAL_SSO_JWKS_URL = env.str("NATIONAL_SSO_JWKS_URL", default="")
NATIONAL_SSO_SCOPE = env.str("NATIONAL_SSO_SCOPE", default="openid")
NATIONAL_SSO_ACR_VALUES = env.str("NATIONAL_SSO_ACR_VALUES", default="LoA1")
NATIONAL_SSO_TIMEOUT = env.float("NATIONAL_SSO_TIMEOUT", default=10.0)
# The simulator IdP signs its ID tokens with this RSA private key (PEM); empty: a key generated at start.
NATIONAL_SSO_SIMULATOR_SIGNING_KEY = env.str("NATIONAL_SSO_SIMULATOR_SIGNING_KEY", default="")
# Service index (QĐ 766): the nightly task rebuilds yesterday's snapshot (and the days before it, for late events);
# "today" is built live from the event history and kept this many seconds in the cache (0: never kept).
KPI_TODAY_CACHE_SECONDS = env.int("KPI_TODAY_CACHE_SECONDS", default=300)
KPI_REBUILD_DAYS_BACK = env.int("KPI_REBUILD_DAYS_BACK", default=3)
# Seconds a process keeps the figures of one (scope, period) for the dashboards (0: never kept); any snapshot
# rebuild or refresh of today's live figures drops them.
KPI_DASHBOARD_CACHE_SECONDS = env.int("KPI_DASHBOARD_CACHE_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["reporting-rebuild-snapshots"] = {
    "task": "reporting.tasks.rebuild_recent_snapshots",
    "schedule": crontab(hour=env.int("KPI_SNAPSHOT_HOUR", default=0), minute=40),
}
