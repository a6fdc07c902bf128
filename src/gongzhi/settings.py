"""12-factor settings: everything that differs between deployments comes from the environment.

DATABASE_URL   sqlite:///path (default: var/gongzhi.sqlite3 at the repository root) or postgres://
SECRET_KEY     optional on one machine (kept in var/secret_key); set it when machines share
DEBUG          "1" to turn on; off by default
ALLOWED_HOSTS  comma-separated (default: localhost,127.0.0.1)
REDIS_URL      optional: cache and background-job queue in Redis instead of the SQLite defaults
EMAIL_*        EMAIL_BACKEND / EMAIL_HOST / EMAIL_PORT / DEFAULT_FROM_EMAIL
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", PROJECT_ROOT / "var"))

# mypy's django-stubs plugin imports these settings too: it needs no SECRET_KEY either.
TESTING = (
    "pytest" in sys.modules or "mypy" in sys.modules or os.environ.get("GONGZHI_TESTING") == "1"
)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")


def _secret_key() -> str:
    """SECRET_KEY from the environment; else the key kept in var/secret_key.

    On the embedded default nobody has to set anything: the first process to need a key writes
    one there (O_EXCL, so two workers starting together agree on one key) and later runs reuse
    it. Several app machines must share one key: set SECRET_KEY in their environment.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if TESTING:
        return "insecure-key-for-tests-only"
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        import secrets
        import tempfile

        # Write a candidate, then publish it with link(): atomic, and it fails if another
        # process got there first, in which case its key is the one everybody reads.
        fd, tmp = tempfile.mkstemp(dir=VAR_DIR, prefix=".secret_key.")
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return key_file.read_text().strip()


VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from static files, not a CDN
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "huey.contrib.djhuey",
    "gongzhi.core",
    "gongzhi.accounts",
    "gongzhi.org",
    "gongzhi.web",
    "gongzhi.api",
    "gongzhi.appeals",
    "gongzhi.insights",
    "gongzhi.wishes",
    "gongzhi.open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gongzhi.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

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
                "gongzhi.web.context_processors.actor",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gongzhi.sqlite3'}")
_db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=0))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Tuned for a web server: WAL lets readers run beside the one writer, a busy timeout
    # waits for the write lock instead of failing, IMMEDIATE takes it at BEGIN so that two
    # transactions never deadlock upgrading a read lock.
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-32000;"
        ),
    }
else:
    # Under ASGI (granian) Django serves each request from a thread of its own, so a
    # persistent connection would never be reused and connections would pile up.
    _db["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "0"))
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing is not what the tests test; argon2 stays the production default.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "gongzhi.accounts.backends.PhoneOrUsernameBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gongzhi.accounts.views.locked_out"
AXES_VERBOSE = False
# Behind a reverse proxy, the client's address is the n-th from the right of X-Forwarded-For.
# Without this, every failed login would count against the proxy's own address.
_proxies = os.environ.get("TRUSTED_PROXY_COUNT", "")
if _proxies.isdigit() and int(_proxies) > 0:
    AXES_IPWARE_PROXY_COUNT = int(_proxies)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    # The proxy terminates HTTPS and says so in X-Forwarded-Proto (it must overwrite it).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- language and time -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS: list[Path] = []
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
if TESTING:
    # Uploads made by tests (appeal photos) go to a throwaway folder, never into var/.
    import tempfile

    MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="gongzhi-test-media-"))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- cache and background jobs ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "gongzhi",
        "url": REDIS_URL,
        "immediate": TESTING,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "gongzhi",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }

# --- mail ----------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "gongzhi@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- appeals routing ------------------------------------------------------------------------------
# "auto": the model trained on this platform's own appeals (`gongzhi appeals_train`) when one
# is published in GONGZHI_APPEAL_MODEL_DIR, else the categories' keywords. Tests use keywords
# so that a model trained on a developer's machine cannot change their results.
GONGZHI_APPEAL_ROUTER = os.environ.get("GONGZHI_APPEAL_ROUTER", "keyword" if TESTING else "auto")
GONGZHI_APPEAL_MODEL_DIR = Path(
    os.environ.get("GONGZHI_APPEAL_MODEL_DIR", VAR_DIR / "models" / "appeals")
)
