"""Settings shared by every environment, read from the environment through django-environ.

Policy numbers (lockout, session lengths, password expiry, retention) live in config/settings/policy.py
so a county can change them in one place.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.settings.policy import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First, so that its createsuperuser (password rules in --noinput mode) overrides Django's.
    "accounts",
    "accounts.admin_site.PortalAdminConfig",  # django.contrib.admin for system administrators, inside their area
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",  # the authenticator app's device (TOTP)
    "django_otp.plugins.otp_static",  # the one-time recovery codes
    "csp",
    "import_export",
    "pgtrigger",
    "pghistory",
    "regions",
    "audit",
    "households",
    "households.roster",
    "contacts",
    "visits",
    "benefits",
    "medical",
    "policies",
    "activities",
    "reports",
    "portal",
    "demo",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.PortalLocaleMiddleware",  # Chinese unless the user switched; not Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the session's second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionExpiryMiddleware",
    "accounts.middleware.SecondFactorMiddleware",  # before any other page: the code, or setting up the device
    "accounts.middleware.PasswordExpiryMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "portal.navigation.navigation",
            ],
        },
    },
]

# Development, tests and production all run on PostgreSQL; dev.py starts an embedded one when unset.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A restarted PostgreSQL fails the request in flight only; the next one reconnects.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# The application role (README "Database roles"): DATABASE_URL names the role a process connects as — the
# owner for `migrate`, this role for the web process and the workers; grants keep it to reading and writing rows.
DATABASE_APP_ROLE = env("DATABASE_APP_USER", default="portal_app")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # https://django-axes.readthedocs.io/en/latest/2_installation.html — AxesStandaloneBackend goes first.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},  # noqa: F405
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "accounts.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},  # noqa: F405
    },
]

# Sessions: idle expiry by re-saving with a short age, at most once a SESSION_IDLE_REFRESH_SECONDS (not on
# every request: a write and a commit per page); both limits in accounts.middleware.SessionExpiryMiddleware.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_SECONDS  # noqa: F405
SESSION_SAVE_EVERY_REQUEST = False
SESSION_IDLE_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock by username so one attacker cannot lock a whole office behind one NAT address.
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT  # noqa: F405
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_COOLOFF  # noqa: F405
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The account lockout above plus a throttle per address across usernames (accounts/throttle.py), and one lockout
# page that says which of the two refused the login.
AXES_HANDLER = "accounts.throttle.PortalAxesHandler"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.login_lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # audit/admin.py registers the login records, scoped to the administrator's area

# The second factor (docs/SECURITY.md "Identity and sessions"): off unless a deployment names the roles that must
# use it, e.g. OTP_REQUIRED_ROLES=county_staff,admin (README "Security baseline"). Those users set up an
# authenticator app after their first password login and give a code (or a recovery code) after every one. An
# unknown role name fails the system checks (accounts/checks.py). The policy numbers (throttle, number of
# recovery codes) are in policy.py.
OTP_REQUIRED_ROLES = [role.strip() for role in env.list("OTP_REQUIRED_ROLES", default=[]) if role.strip()]
# The name the authenticator app shows beside the account.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="计生特殊家庭帮扶服务平台")
OTP_TOTP_THROTTLE_FACTOR = OTP_THROTTLE_FACTOR  # noqa: F405
OTP_STATIC_THROTTLE_FACTOR = OTP_THROTTLE_FACTOR  # noqa: F405

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".local" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".local" / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Secure headers. Everything is served from our own static files: no CDN, no inline script.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
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
    },
}

# Celery. With no broker configured (dev.py without Redis) the embedded filesystem transport is used,
# so the worker and beat still run; see dev.py.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="memory://"))
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 15 * 60
CELERY_TASK_TIME_LIMIT = 20 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queuing must answer in bounded time when Redis is down (docs/SECURITY.md §Faults).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "accounts.tasks.sessions_clear_expired",
        "schedule": 60 * 60,
    },
    # The nightly pipeline (portal.tasks): overdue engine, inbox messages, coverage snapshots; after the day's visits.
    "portal-nightly": {
        "task": "portal.tasks.nightly_pipeline",
        "schedule": crontab(hour=1, minute=30),
    },
    # Email and SMS of the inbox messages not yet delivered (a failed delivery is tried again here).
    "visits-notifications-deliver": {
        "task": "visits.tasks.notifications_deliver",
        "schedule": 15 * 60,
    },
    # The statistical forms' reminders, some days before each deadline (reports.statforms.services).
    "reports-form-reminders": {
        "task": "reports.tasks.report_reminders_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "roster-jobs-requeue": {
        "task": "households.tasks.roster_jobs_requeue_task",
        "schedule": 60,
    },
    "roster-files-delete-expired": {
        "task": "households.tasks.roster_files_delete_expired_task",
        "schedule": 6 * 60 * 60,
    },
}

# The SMS channel of the notifications: a class with send(*, phone, text); the default only logs.
VISITS_SMS_CHANNEL = env("VISITS_SMS_CHANNEL", default="visits.channels.LoggingSmsChannel")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@localhost")

# pghistory records every row change (bulk writes included) through PostgreSQL triggers.
PGHISTORY_APPEND_ONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
