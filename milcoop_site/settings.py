"""
Settings for milcoop_site, read from the environment (12-factor).

Every value an operator may change comes from an environment variable; the
defaults give a safe single-machine site on the embedded SQLite database.
See README.md, "Configuration", for the full list.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# DJANGO_ENV=production: HTTPS on by default, and required settings must be
# given explicitly (no local fallbacks); `manage.py check --deploy` is clean.
PRODUCTION = os.environ.get("DJANGO_ENV", "").strip().lower() == "production"


def load_secret_key():
    """SECRET_KEY from the environment, else (local use only) from an untracked file made once."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DJANGO_ENV=production."
        )
    key_file = Path(os.environ.get("SECRET_KEY_FILE", BASE_DIR / ".secret_key"))
    try:
        key = key_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = ""
    if not key:
        key = secrets.token_urlsafe(50)
        try:
            key_file.write_text(key + "\n", encoding="utf-8")
            key_file.chmod(0o600)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"SECRET_KEY is not set and {key_file} cannot be written ({exc}). "
                "Set the SECRET_KEY environment variable."
            ) from exc
    return key


SECRET_KEY = load_secret_key()
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")
if PRODUCTION and not os.environ.get("ALLOWED_HOSTS", "").strip():
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set (comma-separated host names) when DJANGO_ENV=production."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "taggit",
    "reversion",
    "axes",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A stored page for a reader without a session, before any per-user middleware.
    "articles.caching.middleware.CachedPageFastPathMiddleware",
    # Database unreachable → a plain 503 with Retry-After, never a traceback.
    "milcoop_site.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag / Last-Modified → 304; outside the page cache so cached pages get 304s too.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Needs request.user; stores the headers the middleware below it adds.
    "articles.caching.middleware.PageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "milcoop_site.urls"
WSGI_APPLICATION = "milcoop_site.wsgi.application"

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
                "csp.context_processors.nonce",
                "articles.reading.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# DATABASE_URL selects the database; the default is the embedded SQLite file.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast (then answer 503) rather than hang when PostgreSQL is unreachable.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer. Connections persist like PostgreSQL's
    # (CONN_MAX_AGE): SQLite's page cache and parsed schema belong to the
    # connection, so a connection per request starts every request cold.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command",
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
        f"PRAGMA cache_size=-{int(os.environ.get('SQLITE_CACHE_KIB', '16384'))};",
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -------------------------------------------------------
# Two caches (articles/caching/store.py): "default" holds rendered pages and the
# figures they show, "versions" the content version they are stored under. The
# version must be one value for every worker and management command; the pages
# need not be shared.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    _redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "milcoop"),
        "TIMEOUT": 600,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    CACHES = {"default": _redis, "versions": _redis}
    SESSION_ENGINE = "milcoop_site.sessions"
else:
    # No server: pages in each process's memory, the version in a directory
    # that every process on this machine reads (one symbolic link per value).
    CACHE_DIR = Path(os.environ.get("CACHE_DIR", BASE_DIR / ".cache"))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "milcoop",
            "TIMEOUT": 600,
        },
        "versions": {
            "BACKEND": "articles.caching.backends.SymlinkCache",
            "LOCATION": CACHE_DIR / "versions",
            "TIMEOUT": None,
        },
    }

# The anonymous page cache (articles.caching.middleware). Pages are stored
# under the versions of what they show, so writes invalidate them at once; the
# lifetime only bounds how long an unchanged page is kept.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# When a page's versions change, one request renders it again while the others
# are served the page as it was, for at most this long after the change (never
# after an article was unpublished, rescheduled or deleted).
PAGE_CACHE_GRACE_SECONDS = float(os.environ.get("PAGE_CACHE_GRACE_SECONDS", "2"))
PAGE_BROWSER_MAX_AGE = int(os.environ.get("PAGE_BROWSER_MAX_AGE", "60"))
PAGE_CACHE_EXCLUDED_PATHS = ["/admin/", "/preview/", "/healthz", "/static/"]
# After a cache failure, leave the cache alone this long before trying again.
CACHE_RETRY_SECONDS = float(os.environ.get("CACHE_RETRY_SECONDS", "5"))

# --- Authentication -----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Admin login throttling: lock a user name out *from one address* after repeated
# failures, so that a stranger cannot lock out an editor who logs in from elsewhere.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The reverse proxies in front of gunicorn, each appending to X-Forwarded-For
# (1 for the documented TLS proxy). The client's address is read from that
# header only when this is set, and only from the entries the proxies wrote.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or a positive number of proxies.")
AXES_CLIENT_IP_CALLABLE = "milcoop_site.login_throttling.client_address"
# The wait in words and in a Retry-After header.
AXES_LOCKOUT_CALLABLE = "milcoop_site.login_throttling.lockout_response"

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise) ------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
USE_HTTPS = env_bool("USE_HTTPS", PRODUCTION)
if USE_HTTPS:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_SSL_HOST = None
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a one-way commitment made by submitting the domain to
        # hstspreload.org; it stays the operator's choice, so --deploy is
        # not asked to nag about it.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Site ---------------------------------------------------------------------
SITE_NAME = os.environ.get("SITE_NAME", "Milcoop")
SITE_TAGLINE = "Long-form writing on military diplomacy and defence cooperation"
# Shareable draft previews expire after this many days unless revoked earlier.
PREVIEW_LINK_MAX_AGE_DAYS = int(os.environ.get("PREVIEW_LINK_MAX_AGE_DAYS", "7"))
ARTICLES_PER_PAGE = 10
SEARCH_RESULTS_PER_PAGE = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
