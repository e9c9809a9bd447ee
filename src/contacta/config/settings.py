"""Django settings: one module, configured from the environment (see config/env.py)."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from contacta.config.env import data_dir, database_from_url, env_bool, redis_channel_layer

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()

DEBUG = env_bool("CONTACTA_DEBUG", False)
SECRET_KEY = os.environ.get("CONTACTA_SECRET_KEY") or "insecure-dev-key-set-CONTACTA_SECRET_KEY"
ALLOWED_HOSTS = os.environ.get("CONTACTA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CONTACTA_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "contacta.tenants",
    "contacta.accounts",
    "contacta.contacts",
    "contacta.routing",
    "contacta.connectors",
    "contacta.conversations",
    "contacta.voice",
    "contacta.realtime",
    "contacta.web",
    "contacta.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "contacta.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "contacta.config.urls"
ASGI_APPLICATION = "contacta.config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL"), DATA_DIR / "contacta.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Parallel test workers share one Redis: each gets its own key prefix.
REDIS_PREFIX = os.environ.get("CONTACTA_REDIS_PREFIX", "contacta") + os.environ.get(
    "PYTEST_XDIST_WORKER", "")
if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL, REDIS_PREFIX)}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    # Single node: the web server, routing loop and traffic generator share one process.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Run the routing loop inside the web process (single node). Multi-node installs set this off
# and run `contacta worker` processes instead.
EMBEDDED_WORKER = env_bool("CONTACTA_EMBEDDED_WORKER", not REDIS_URL)
TRAFFIC_GENERATOR = env_bool("CONTACTA_TRAFFIC", False)
# The embedded call engine inside `contacta serve` (single node: real-time events stay in one
# process); multi-node installs run `contacta voice` beside Redis instead.
VOICE_IN_SERVER = env_bool("CONTACTA_VOICE", False)
ROUTING_TICK_SECONDS = float(os.environ.get("CONTACTA_ROUTING_TICK_SECONDS", "0.5"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["contacta.accounts.backends.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
LOGIN_FAILURE_LIMIT = int(os.environ.get("CONTACTA_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("CONTACTA_LOGIN_LOCKOUT_SECONDS", "900"))

SECURE_COOKIES = env_bool("CONTACTA_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "media-src": ["'self'", "data:"],
        "frame-ancestors": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Bogota"
USE_I18N = True
USE_TZ = True

# The address providers reach this installation at (https://contact.example.com); needed only
# by channels that fetch reply media by link (Twilio MMS, Instagram).
PUBLIC_URL = os.environ.get("CONTACTA_PUBLIC_URL", "")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"

# Input limits: every entry point checks its size before doing work.
MESSAGE_MAX_CHARS = 4000
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_CONTENT_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
                        "audio/ogg", "audio/mpeg", "audio/wav", "audio/mp4", "video/mp4"}
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
WEBSOCKET_MAX_FRAME_BYTES = 16 * 1024
PUBLIC_RATE_LIMIT_PER_MINUTE = int(os.environ.get("CONTACTA_PUBLIC_RATE_LIMIT", "60"))
# New chats per client address and inbox per minute (a NAT'd office may need more).
PUBLIC_START_RATE_LIMIT_PER_MINUTE = int(os.environ.get("CONTACTA_PUBLIC_START_RATE_LIMIT", "20"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CONTACTA_LOG_LEVEL", "WARNING")},
}
