"""MediaDesk settings: everything comes from environment variables, parsed strictly."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from mediadesk.config import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.text("MEDIADESK_VAR_DIR", str(BASE_DIR.parent / "var"))).resolve()

MODE = env.choice("MEDIADESK_MODE", "development", {"development", "production"})
PRODUCTION = MODE == "production"
DEBUG = env.boolean("DEBUG", False)  # debug pages only when DEBUG=1 is set explicitly

SECRET_KEY = env.secret(
    "SECRET_KEY", production=PRODUCTION, file=VAR_DIR / "secret_key", generate=env.token
)
ENCRYPTION_KEYS = [
    key
    for key in env.secret(
        "MEDIADESK_ENCRYPTION_KEY",
        production=PRODUCTION,
        file=VAR_DIR / "encryption_key",
        generate=lambda: Fernet.generate_key().decode(),
    ).split(",")
    if key.strip()
]
for _key in ENCRYPTION_KEYS:
    try:
        Fernet(_key.strip())
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "MEDIADESK_ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
            "(32 url-safe base64-encoded bytes)"
        ) from None

ALLOWED_HOSTS = env.csv("ALLOWED_HOSTS", "127.0.0.1,localhost" if PRODUCTION else "*")
CSRF_TRUSTED_ORIGINS = env.csv("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "mediadesk.core",
    "mediadesk.orgs",
    "mediadesk.notifications",
    "mediadesk.matrix",
    "mediadesk.compliance",
    "mediadesk.content",
    "mediadesk.review",
    "mediadesk.analytics",
    "mediadesk.leads",
    "mediadesk.commissions",
    "mediadesk.publishing",
    "mediadesk.engagement",
    "mediadesk.live",
    "mediadesk.private",
    "mediadesk.planning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mediadesk.orgs.middleware.UserLanguageMiddleware",
    "mediadesk.orgs.middleware.LoginRequiredMiddleware",
    "mediadesk.core.middleware.RequestContextMiddleware",
    "mediadesk.core.middleware.OutOfRangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "mediadesk.config.urls"
WSGI_APPLICATION = "mediadesk.config.wsgi.application"

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
                "mediadesk.core.context_processors.shell",
            ],
        },
    }
]

DATABASE_URL = env.text("DATABASE_URL", f"sqlite:///{VAR_DIR / 'mediadesk.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = ["mediadesk.orgs.auth.UsernameOrPhoneBackend"]
LOGIN_URL = "orgs:login"
LOGIN_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.integer("SESSION_MAX_AGE_SECONDS", 8 * 3600, minimum=300)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.boolean("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Scripts only from our own static files (no inline script); Alpine.js evaluates its
# attribute expressions, hence 'unsafe-eval'; inline style attributes are used by widgets.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.UNSAFE_EVAL],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGIN_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_IP_FAILURE_LIMIT = env.integer("LOGIN_IP_FAILURE_LIMIT", 30, minimum=1)
LOGIN_LOCKOUT = timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
# Failed logins from an address past LOGIN_IP_FAILURE_LIMIT are answered after this delay.
LOGIN_IP_SLOWDOWN_MS = env.integer("LOGIN_IP_SLOWDOWN_MS", 1000)
# Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed.
TRUSTED_PROXIES = env.csv("TRUSTED_PROXIES", "")
try:
    [ipaddress.ip_network(item, strict=False) for item in TRUSTED_PROXIES]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None

LANGUAGE_CODE = env.text("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE={LANGUAGE_CODE!r} must be one of zh-hans, en")
TIME_ZONE = env.text("TIME_ZONE", "Asia/Shanghai")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone") from None
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.text("MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
UPLOAD_MAX_BYTES = env.integer("UPLOAD_MAX_MB", 5, minimum=1) * 1024 * 1024
IMPORT_MAX_BYTES = env.integer("IMPORT_MAX_MB", 20, minimum=1) * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = env.integer("IMPORT_MAX_UNPACKED_MB", 200, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": env.text("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": [],
    }
}

# A worker that has not said it is alive for this long is dead: the tasks it was running go back
# to the queue (every task is safe to run twice). Workers say so every `--tick` seconds.
WORKER_DEAD_AFTER_SECONDS = env.integer("WORKER_DEAD_AFTER_SECONDS", 90, minimum=5)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_MAX_LIMIT = 500

# Robots may only post to the platforms' own webhook hosts; add others (e.g. a proxy) here.
ROBOT_EXTRA_HOSTS = env.csv("ROBOT_EXTRA_HOSTS", "")

# Publishing (06-publishing.md): platform API base URLs (a proxy or a local fake can stand in),
# Douyin app key, Weibo safe domain, retries, leases and limits. See README "发布".
WECHAT_API_BASE = env.text("WECHAT_API_BASE", "https://api.weixin.qq.com")
WEIBO_API_BASE = env.text("WEIBO_API_BASE", "https://api.weibo.com")
DOUYIN_API_BASE = env.text("DOUYIN_API_BASE", "https://open.douyin.com")
DOUYIN_CLIENT_KEY = env.text("DOUYIN_CLIENT_KEY", "")
WEIBO_SAFE_DOMAIN = env.text("WEIBO_SAFE_DOMAIN", "")
PUBLISHING_MAX_ATTEMPTS = env.integer("PUBLISHING_MAX_ATTEMPTS", 5, minimum=1)
PUBLISHING_LEASE_SECONDS = env.integer("PUBLISHING_LEASE_SECONDS", 300, minimum=5)
PUBLISHING_BACKOFF_SECONDS = env.integer("PUBLISHING_BACKOFF_SECONDS", 30, minimum=0)
PUBLISHING_HTTP_TIMEOUT = env.integer("PUBLISHING_HTTP_TIMEOUT", 15, minimum=1)
PUBLISHING_RATE_PER_MINUTE = env.integer("PUBLISHING_RATE_PER_MINUTE", 30, minimum=1)
PUBLISHING_PACKAGE_OVERDUE_HOURS = env.integer("PUBLISHING_PACKAGE_OVERDUE_HOURS", 2, minimum=0)
DOUYIN_CLIENT_SECRET = env.text("DOUYIN_CLIENT_SECRET", "")
WEIBO_APP_KEY = env.text("WEIBO_APP_KEY", "")
WEIBO_APP_SECRET = env.text("WEIBO_APP_SECRET", "")
PUBLISHING_QUIET_HOURS = env.text("PUBLISHING_QUIET_HOURS", "23-7")
PUBLISHING_REDISPATCH_SECONDS = env.integer("PUBLISHING_REDISPATCH_SECONDS", 300, minimum=5)

# Engagement uses WEIBO_API_BASE above for comment replies and the comment pull.

# 私域 (capability 9): the WeCom API host; tests point it at the fake on 127.0.0.1.
WECOM_API_BASE = env.text("WECOM_API_BASE", "https://qyapi.weixin.qq.com")
