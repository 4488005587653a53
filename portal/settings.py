"""Steward settings, read from the environment.

With neither ``DATABASE_URL`` nor ``REDIS_URL`` set, Steward runs in its *embedded* mode: a SQLite
file under ``var/``, an in-memory channel layer and Celery in eager mode, so that one command shows
the whole portal on any machine. Production sets both (PostgreSQL and Redis).
"""

from pathlib import Path

import django_stubs_ext
import environ
from celery.schedules import crontab

# Generic Django classes (ModelAdmin[City], QuerySet[Read], Manager[...]) are subscriptable at run
# time as they are to the type checker (django-stubs-ext; see docs/adr/0008).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("STEWARD_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and env.str("STEWARD_ENV", default="dev") == "production":
        raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - development and tests only
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED = not DATABASE_URL and not REDIS_URL

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    "guardian",
    "axes",
    "django_celery_beat",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal",
    "audits",
    "cameras",
    "sharing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.tenancy.CityScopeMiddleware",
    "portal.mfa.MfaRequiredMiddleware",
    "portal.access.AccessRuleMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"
WSGI_APPLICATION = None

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
                "portal.navigation.menu",
            ],
        },
    },
]

if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The city scope reaches PostgreSQL's row-level security through this backend (portal/rls.py).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "portal.pgbackend"
    # Under ASGI (Daphne) every request runs in a thread of its own, so a persistent connection
    # (CONN_MAX_AGE > 0) is left open per request until it ages out: 100 dispatchers and 15
    # requests/s used up PostgreSQL's 100 connections (docs/reliability.md). Web processes set
    # DJANGO_DB_POOL to a pool size instead (psycopg_pool; persistent connections off).
    DATABASE_POOL_SIZE = env.int("DJANGO_DB_POOL", default=0)
    if DATABASE_POOL_SIZE and DATABASES["default"]["ENGINE"] == "portal.pgbackend":
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": env.float("DJANGO_DB_POOL_TIMEOUT", default=10.0),
        }
    # Searches read from a streaming replica when one is set (portal/routers.py); past the lag bound,
    # or when it is down, they read from the primary.
    DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
    if DATABASE_REPLICA_URL:
        DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
        DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
        DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
        if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
            DATABASES["replica"]["ENGINE"] = "portal.pgbackend"
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "steward.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }

DATABASE_ROUTERS = ["portal.routers.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=5.0)
DATABASE_REPLICA_LAG_CHECK_SECONDS = env.float("DATABASE_REPLICA_LAG_CHECK_SECONDS", default=1.0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions end after 30 minutes (CJIS): each request pushes the expiry forward.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Five failed logins lock that account from that address for ten minutes. By user name *and*
# address together: by name alone, anyone anywhere could lock the chief out by guessing five times;
# by address alone, a station's shared NAT address would lock every officer out.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=10 / 60)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("STEWARD_PROXY_COUNT", default=0)

# Two-step sign-in (django-otp, portal/mfa.py): required for chiefs, clerks, auditors and Django
# staff. Each wrong code doubles the wait before the next try (1, 2, 4 ... seconds).
OTP_TOTP_ISSUER = env.str("STEWARD_OTP_ISSUER", default="Steward")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret or recovery codes

# Guardian: no anonymous user row; anonymous visitors have no object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(env.str("STEWARD_MEDIA_ROOT", default=str(VAR_DIR / "media")))
PRIVATE_STORAGE_ROOT = Path(env.str("STEWARD_PRIVATE_STORAGE", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    # Token first, so that an API caller without valid credentials gets 401 with a challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.access.DeclaredAccessRule"],
    "DEFAULT_PARSER_CLASSES": [
        "portal.validation.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON only: DRF's browsable HTML page (``?format=api``) is a second, unwalked interface
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.apis.exception_handler",
}
SPECTACULAR_SETTINGS = {"TITLE": "Steward API", "VERSION": "0.1.0"}

# Channels: Redis in production, in memory in the embedded mode.
CHANNEL_REDIS_HOSTS = [
    # redis-py 8 times reads out after 5 s by default, which is also how long channels-redis
    # blocks waiting for a message: give reads room to outlast it. Several hosts
    # (CHANNEL_REDIS_URLS, comma-separated) shard the layer: each channel and group lives on one of
    # them, chosen by hash; every process lists the same hosts in the same order.
    {"address": address, "socket_timeout": 30}
    for address in env.list("CHANNEL_REDIS_URLS", default=[])
    or [env.str("CHANNELS_REDIS_URL", default=REDIS_URL)]
]
if REDIS_URL and env.str("CHANNEL_LAYER", default="pubsub") == "pubsub":
    # One PUBLISH per group message: Redis sends it once to each process with a member of the
    # group, and the process hands it to its own sockets in memory (docs/scaling.md, "Hits"). The
    # list layer below stores one copy per socket and each process pops them one round trip at a
    # time, which made a hit's fan-out grow with the sockets of the city.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": CHANNEL_REDIS_HOSTS},
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": CHANNEL_REDIS_HOSTS,
                # Sized for the hits fan-out (docs/reliability.md, "Load"): every hit goes to every
                # dispatcher's socket, each channel holding what its socket has not sent yet, and
                # channels-redis drops silently what is over ``capacity`` or older than ``expiry``.
                # 2.5 hits/s (50 reads/s, 5 % hits) for 120 s is 300 messages on one channel: 500
                # leaves room for bursts, so that expiry, not capacity, bounds a backlog. A hit
                # delivered two minutes late still belongs on the page (it merges with the catch-up
                # fetch on its id); older than that, the page's catch-up on reconnect is the path.
                # Worst case in Redis: 500 messages of about 1 KB per socket.
                "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=500),
                "expiry": env.int("CHANNEL_LAYER_EXPIRY", default=120),
                # A socket's group membership lapses after this long unless it re-joins; a
                # dispatcher's socket may stay open a whole shift (the session moves with each
                # request), so a day, the channels-redis default, stated here on purpose.
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: the broker is Redis; with no Redis the tasks run eagerly in the caller.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "cameras.tasks.recognize_frame": {"queue": "recognition"},
    "audits.tasks.*": {"queue": "reviews"},
    # Partition upkeep is DDL (months created ahead, expired months dropped): the worker of this
    # queue connects as the database owner; every other process as the application's role, which
    # owns nothing (docs/adr/0011-row-level-security.md).
    "cameras.tasks.create_read_partitions": {"queue": "maintenance"},
    "cameras.tasks.purge_expired_reads": {"queue": "maintenance"},
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # A broker that does not answer a connect (a host down, a dropped route) fails a send within
    # seconds instead of the system's TCP timeout (minutes): the upload is answered and its frame
    # left to the sweeper (cameras.tasks.requeue_unsent_frames; docs/reliability.md).
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0),
}
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "sharing-agreement-expire-daily": {
        "task": "sharing.tasks.agreement_expire_due",
        "schedule": crontab(hour=0, minute=10),
    },
    "match-pending-reads": {"task": "cameras.tasks.match_pending_reads", "schedule": 60.0},
    "requeue-unsent-frames": {"task": "cameras.tasks.requeue_unsent_frames", "schedule": 60.0},
    "sharing-search-holds-expire": {"task": "sharing.tasks.search_holds_expire_due", "schedule": 300.0},
    "read-partitions-daily": {
        "task": "cameras.tasks.create_read_partitions",
        "schedule": crontab(hour=1, minute=45),
    },
    "camera-health-sweep": {"task": "cameras.tasks.camera_health_sweep", "schedule": 300.0},
    "retention-purge-daily": {
        "task": "cameras.tasks.purge_expired_reads",
        "schedule": crontab(hour=2, minute=30),
    },
    "compliance-review-monthly": {
        "task": "audits.tasks.review_schedule_monthly",
        "schedule": crontab(day_of_month=1, hour=1, minute=5),
    },
    "compliance-review-sweep": {
        "task": "audits.tasks.review_sweep",
        "schedule": crontab(minute=20),
    },
    "compliance-review-text-daily": {
        "task": "audits.tasks.review_prepare_text",
        "schedule": crontab(hour=1, minute=40),
    },
    "audit-checkpoint-daily": {
        "task": "audits.tasks.audit_checkpoint_daily",
        "schedule": crontab(hour=0, minute=5),
    },
    "audit-verify-nightly": {
        "task": "audits.tasks.audit_verify_all",
        "schedule": crontab(hour=3, minute=15),
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="steward@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Production (STEWARD_ENV=production) is served over HTTPS only: redirect plain HTTP, tell browsers
# to keep to HTTPS for a year (HSTS), and send cookies over HTTPS only. Behind a proxy that ends TLS,
# set DJANGO_PROXY_SSL_HEADER=1 so that X-Forwarded-Proto: https counts as secure.
PRODUCTION = env.str("STEWARD_ENV", default="dev") == "production"
SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes inside the deployment speak plain HTTP
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
if env.bool("DJANGO_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)

# A strict content security policy in every mode (so the browser tests see any violation): scripts,
# styles and images from this origin only, no inline script or style, no plugins, no framing.
# Templates load JavaScript from static/ and pass data with json_script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Camera uploads: checked before anything is stored.
# A search the policy screen held waits this long for a supervisor, then expires (nothing runs).
STEWARD_SEARCH_HOLD_HOURS = env.int("STEWARD_SEARCH_HOLD_HOURS", default=24)
STEWARD_MAX_FRAME_BYTES = env.int("STEWARD_MAX_FRAME_BYTES", default=10 * 1024 * 1024)
# Well below Pillow's decompression-bomb limit (89 megapixels).
STEWARD_MAX_FRAME_PIXELS = env.int("STEWARD_MAX_FRAME_PIXELS", default=25_000_000)
STEWARD_MAX_CROP_BYTES = env.int("STEWARD_MAX_CROP_BYTES", default=512 * 1024)
STEWARD_MAX_READS_PER_BATCH = 500
# Frames may say they were captured at most this far in the future (camera clock drift).
STEWARD_CAPTURE_CLOCK_SKEW_SECONDS = env.int("STEWARD_CAPTURE_CLOCK_SKEW_SECONDS", default=300)
# Recognition models: defaults are the weights shipped in platedet, the project's plate recogniser
# (cameras/recognition/models/plate_rec.onnx, with its card; the default recogniser since
# 2026-12-02) and rapidocr-onnxruntime (its fallback below confidence 0.8). STEWARD_RECOGNIZER=rapidocr
# goes back to RapidOCR voting alone (then set its own thresholds per city: verify_below 0.95,
# unread_below 0.8). STEWARD_RECOGNITION_BY_CITY lets a city use its own weights and thresholds:
# {"city-slug": {"plate_model_path": ..., "verify_below": ...}}.
STEWARD_RECOGNITION = {
    "detector_path": env.str("STEWARD_DETECTOR_PATH", default="") or None,
    "ocr_rec_model_path": env.str("STEWARD_OCR_REC_MODEL_PATH", default="") or None,
    "plate_model_path": env.str("STEWARD_PLATE_MODEL_PATH", default="") or None,
    "recognizer": env.str("STEWARD_RECOGNIZER", default="") or None,
    "device": env.str("STEWARD_RECOGNITION_DEVICE", default="cpu"),
}
STEWARD_RECOGNITION_BY_CITY = env.json("STEWARD_RECOGNITION_BY_CITY", default={})
# A recognition task takes up to this many waiting frames at once when the queue is behind.
STEWARD_RECOGNITION_BATCH = env.int("STEWARD_RECOGNITION_BATCH", default=8)
# A live socket re-checks its session and grant at least this often even when nothing is sent
# (every service that ends access also closes it at once, and the idle deadline has its own timer).
STEWARD_SOCKET_RECHECK_SECONDS = env.float("STEWARD_SOCKET_RECHECK_SECONDS", default=60)

# Every JSON body: at most this many bytes and this many levels of nesting (a 400 otherwise).
STEWARD_MAX_JSON_BYTES = env.int("STEWARD_MAX_JSON_BYTES", default=2 * 1024 * 1024)
STEWARD_MAX_JSON_DEPTH = env.int("STEWARD_MAX_JSON_DEPTH", default=16)

# Signed audit checkpoints: the Ed25519 private key lives in a file outside the database. In
# development and tests a key is generated under var/ when the file is missing; in production a
# missing key is an error (audits.checkpoints.signing_key).
STEWARD_ENV = env.str("STEWARD_ENV", default="dev")
STEWARD_CHECKPOINT_KEY_PATH = Path(
    env.str("STEWARD_CHECKPOINT_KEY_PATH", default=str(VAR_DIR / "checkpoint-ed25519.pem"))
)

# Maps: a tile URL template such as "https://tile.openstreetmap.org/{z}/{x}/{y}.png". Unset, maps
# show the cameras as markers on a plain background (offline, nothing sent to a tile server).
STEWARD_MAP_TILE_URL = env.str("STEWARD_MAP_TILE_URL", default="")
STEWARD_MAP_ATTRIBUTION = env.str("STEWARD_MAP_ATTRIBUTION", default="")
# How long the public page and its open data are cached (they are also invalidated on change).
STEWARD_PUBLIC_CACHE_SECONDS = env.int("STEWARD_PUBLIC_CACHE_SECONDS", default=300)

# One cache for every process when Redis is there (the public page is invalidated across processes).
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
