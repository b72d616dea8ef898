"""Project wiring. Environments differ only through environment variables (see README)."""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(environ.Env().str("DEALERCARE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# development / test: `make run` and `make test` set it; production leaves it unset.
DEALERCARE_ENV = env.str("DEALERCARE_ENV", default="production")
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and DEALERCARE_ENV == "production":
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (the same on every web node and worker), "
            "or DEALERCARE_ENV=development on a development machine."
        )
    # A per-checkout key kept under var/, so links and sessions survive a restart.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "dealercare.core",
    "dealercare.org",
    "dealercare.customers",
    "dealercare.notifications",
    "dealercare.appointments",
    "dealercare.workorders",
    "dealercare.followups",
    "dealercare.reminders",
    "dealercare.complaints",
    "dealercare.surveys",
    "dealercare.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dealercare.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dealercare.core.middleware.ActorContextMiddleware",
]

ROOT_URLCONF = "dealercare.urls"
WSGI_APPLICATION = "dealercare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dealercare.org.context_processors.staff_context",
            ],
        },
    },
]

# SQLite (WAL, IMMEDIATE transactions, busy timeout) by default; PostgreSQL via DATABASE_URL.
_default_sqlite = f"sqlite:///{VAR_DIR / 'dealercare.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=_default_sqlite)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs: huey on SQLite next to the database, or Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
HUEY_IMMEDIATE = env.bool("HUEY_IMMEDIATE", default=False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": env.str("HUEY_NAME", default="dealercare"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "immediate_use_memory": False,
        "utc": True,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": env.str("HUEY_NAME", default="dealercare"),
        "filename": env.str("HUEY_SQLITE_PATH", default=str(VAR_DIR / "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
        "immediate_use_memory": False,
        "utc": True,
    }
HUEY["consumer"] = {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"}

# The cache: Redis when REDIS_URL is set (shared by every web worker and the job worker; its own
# database, the next after the queue's), otherwise each process's memory. Users and permissions
# are cached only in a shared cache: a private one would not hear of a role change made in
# another process. Sessions stay in the database alone: Django's cached_db sessions fail sign-in
# and sign-out while the cache cannot be reached, and the database is the truth.
if REDIS_URL:
    _queue_db = urlsplit(REDIS_URL).path.strip("/") or "0"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str(
                "REDIS_CACHE_URL",
                default=urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{int(_queue_db) + 1}")),
            ),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Signed-in users, their permissions and API tokens kept in the cache (dealercare/org/backends.py).
AUTH_CACHE_SECONDS = env.int("AUTH_CACHE_SECONDS", default=300 if REDIS_URL else 0)
if AUTH_CACHE_SECONDS > 0 and not REDIS_URL:
    raise ImproperlyConfigured(
        "AUTH_CACHE_SECONDS needs REDIS_URL: a cache in each process's memory would keep a revoked "
        "token or a changed role alive in the other processes."
    )
AUTHENTICATION_BACKENDS = ["dealercare.org.backends.RoleBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "customers:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Uploaded files (add-on photos) are served by Django on one machine (make run); in production
# serve MEDIA_ROOT from the proxy or use a shared storage backend, and leave this off.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEALERCARE_ENV != "production")

# Outgoing e-mail (the `smtp` notification channel).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DealerCare <noreply@localhost>")

# Customer links (signed, expiring) are built on this public base URL.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
CUSTOMER_LINK_MAX_AGE_DAYS = env.int("CUSTOMER_LINK_MAX_AGE_DAYS", default=14)
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=30)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
SURVEY_INVITATION_DELAY_HOURS = env.int("SURVEY_INVITATION_DELAY_HOURS", default=24)

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

# Behind our own reverse proxy only: take the client address from X-Forwarded-For.
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
