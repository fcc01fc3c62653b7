"""Fancity settings: everything that differs between machines comes from the environment.

Development defaults point at the embedded PostgreSQL and Redis that scripts/run.py starts.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and the EMAIL_* values.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("FANCITY_DATA_DIR", BASE_DIR / ".data"))


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(int(default))).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for development).")
    SECRET_KEY = "development-only-key-never-used-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "django_celery_beat",
    "outbox",
    "accounts",
    "forum",
    "meetups",
    "servicedesk",
    "servicedesk.wechat",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "fancity.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fancity.lib.params.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "fancity.errors.SiteNotFound",  # DEBUG only: the site's 404 page, not Django's (fancity/errors.py)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",  # Django's, the user in one query (accounts.backends)
    "accounts.middleware.FanMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "fancity.urls"
WSGI_APPLICATION = "fancity.wsgi.application"

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
                "forum.context_processors.navigation",
            ],
            "libraries": {"kept": "fancity.lib.kept"},
        },
    },
]

# --- Data stores ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/fancity")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
# Parameters are bound on the server and psycopg prepares a statement once it has run five times on a
# connection (its default, which Django turns off): PostgreSQL then plans each statement once per
# connection, the ORM's and the hot reads' (fancity.lib.raw). A pooler in front of PostgreSQL must keep
# prepared statements (PgBouncer 1.21+ with max_prepared_statements) or run in session mode.
DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")


def _redis_db(url: str, db: int) -> str:
    """The cache lives in its own Redis database so that clearing it never drops queued tasks."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# Everything in the cache can be lost: a Redis that does not answer is "no cache" for a few seconds
# (fancity.lib.cache), never a failed request.
CACHES = {
    "default": {
        "BACKEND": "fancity.lib.cache.ForgivingRedisCache",
        "LOCATION": os.environ.get("CACHE_URL", _redis_db(REDIS_URL, 1)),
        "KEY_PREFIX": "fancity",
    }
}
# Sessions are kept in PostgreSQL and read from Redis (accounts/sessions.py: Django's cached_db, the
# cached copy kept 5 minutes); with Redis down they are read from PostgreSQL. The user query checks
# that the session's row still exists (accounts/backends.py), so a sign-out made while Redis was
# unreachable is not undone by the cached copy when Redis returns.
SESSION_ENGINE = "accounts.sessions"
# The one HTML memo (fancity/lib/memo.py): what each worker may hold of rendered HTML, in bytes, and
# whether every piece served from it is also rendered afresh and compared (DEBUG and the tests).
HTML_MEMO_BYTES = int(os.environ.get("HTML_MEMO_BYTES", 64 * 2**20))
HTML_MEMO_VERIFY = env_bool("HTML_MEMO_VERIFY", DEBUG)

# Under DEBUG, errors are the site's own 404/400/500/503 pages with Django's detail as text below them;
# FANCITY_DEBUG_PAGES=1 shows Django's technical pages instead (fancity/errors.py).
FANCITY_DEBUG_PAGES = env_bool("FANCITY_DEBUG_PAGES", False)
DEFAULT_EXCEPTION_REPORTER = "fancity.errors.SiteExceptionReporter"

# --- Accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, whose get_user reads the fan with their groups, unread count and
# session check in one query (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAdapter"
# `hook(user, provider, uid, extra_data)` after a social login (accounts.adapter.SocialAdapter): a WeChat
# login links the fan's Official Account conversations (servicedesk/README.md, the WeChat channel).
SOCIAL_LOGIN_HOOKS = ["servicedesk.wechat.linking.social_login"]
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
# The product asks for a clear "email taken" error at sign-up; the rate limits above bound probing.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so that operators see them; sign-up is limited too.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# The subject prefix is the brand in the recipient's language (accounts.adapter.format_email_subject).
# Security notices: password changed or reset, and the OLD address is told when the email changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# The ".../ip" limits key on accounts.client_ip.client_ip: REMOTE_ADDR unless the site runs behind
# this many proxies of its own, each appending to X-Forwarded-For (1 for the README's TLS proxy).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Weibo and WeChat sign-in appear only when their keys are configured.
SOCIALACCOUNT_PROVIDERS = {}
for provider, prefix in (("weibo", "WEIBO"), ("weixin", "WECHAT")):
    client_id = os.environ.get(f"{prefix}_CLIENT_ID")
    secret = os.environ.get(f"{prefix}_SECRET")
    if client_id and secret:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{provider}")
        SOCIALACCOUNT_PROVIDERS[provider] = {"APPS": [{"client_id": client_id, "secret": secret}]}

# --- WeChat Official Account (servicedesk/wechat) ---------------------------------------------
# The API the site's client calls (a local stand-in in tests and the demo), the order system's lookup
# hook (servicedesk/README.md documents its contract; empty: order numbers are not looked up), and the
# key the accounts' token, AES key and secret are encrypted with (default: derived from SECRET_KEY).
WECHAT_API_BASE_URL = os.environ.get("WECHAT_API_BASE_URL", "https://api.weixin.qq.com/cgi-bin/")
WECHAT_ORDER_HOOK_URL = os.environ.get("WECHAT_ORDER_HOOK_URL", "")
WECHAT_FIELD_KEY = os.environ.get("WECHAT_FIELD_KEY", "")

# --- Language and time -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Two storages for uploads (forum/README.md): "default" holds what anyone who sees the post may fetch
# by URL (avatars, web copies and thumbnails of images in posts), "private" what only a permission-checked
# view streams (logs on feedback threads, and images until they are processed), never under MEDIA_URL.
# Local directories by default; S3-compatible object storage (django-storages) once a bucket is named.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(os.environ.get("PRIVATE_MEDIA_ROOT", DATA_DIR / "private")), "base_url": "/-/"},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if AWS_STORAGE_BUCKET_NAME := os.environ.get("AWS_STORAGE_BUCKET_NAME", ""):
    _S3 = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_S3,
            "location": os.environ.get("AWS_PUBLIC_PREFIX", "media"),
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,  # public copies: plain URLs (the bucket policy or a CDN makes them readable)
        },
    }
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_S3,
            "bucket_name": os.environ.get("AWS_PRIVATE_BUCKET_NAME") or AWS_STORAGE_BUCKET_NAME,
            "location": os.environ.get("AWS_PRIVATE_PREFIX", "private"),
            "default_acl": "private",
            "querystring_auth": True,  # a URL of a private object, if one is ever made, is signed
            "querystring_expire": int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "60")),
        },
    }
# Without object storage, gunicorn serves MEDIA_URL itself (put a proxy's own file serving in front to
# spare it); with object storage the files' URLs point at the bucket or SERVE_MEDIA=0 turns it off.
SERVE_MEDIA = env_bool("SERVE_MEDIA", not AWS_STORAGE_BUCKET_NAME)
# Non-file fields stay small; files stream to temporary files past FILE_UPLOAD_MAX_MEMORY_SIZE.
# fancity.lib.uploads drops a file over UPLOAD_MAX_FILE_SIZE as it arrives (the form says so and keeps
# the text) and refuses a request over UPLOAD_MAX_REQUEST_SIZE before reading it (the 400 page):
# room for a post's nine images and three logs at the per-file limit (forum/attachments/inspection.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
UPLOAD_MAX_FILE_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_REQUEST_SIZE = 12 * UPLOAD_MAX_FILE_SIZE + 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "fancity.lib.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Mail --------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Fancity <noreply@fancity.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# What higher apps do in the forum, which never imports them (forum/hooks.py).
FORUM_FEEDBACK_HOOKS = ["servicedesk.forum_hooks.triage_new_feedback"]
FORUM_REPLY_HOOKS = ["servicedesk.lifecycle.thread_reply_posted"]
FORUM_THREAD_PANELS = ["servicedesk.forum_hooks.thread_state_panel"]
# What higher apps show on a fan's profile page (accounts/views.py): `panel(request, fan)` returns
# `(template name, context)` or None; the template gets that context as `panel`.
ACCOUNT_PROFILE_PANELS = ["forum.profile.profile_panel"]
# What higher apps read with the signed-in fan's own row (accounts/backends.py), so that no page runs
# a query for it: attribute name -> dotted path of an SQL expression, `{user}` standing for the fan's id.
ACCOUNT_FAN_COLUMNS = {"appointed_board_ids": "forum.moderators.APPOINTED_BOARDS_SQL"}
# How notifications are shown (accounts/notifications.py): the prefix of their group ("thread" of
# "thread:12") -> `describe(user, notifications) -> {id: Shown | None}`, by the app that owns it.
NOTIFICATION_SUBJECTS = {"thread": "forum.notifying.describe"}
# A fan's personal data, app by app (accounts/export.py): each export adds its part of the JSON
# download; each eraser, `(user) -> None`, erases what its app stores, in the account deletion's
# transaction. An app that stores something about a fan registers both.
PERSONAL_DATA_EXPORTS = [
    "accounts.export.accounts_data",
    "forum.export.forum_data",
    "forum.attachments.attachments_data",
    "forum.drafts.drafts_data",
    "forum.history.versions_data",
    "forum.bookmarks.bookmarks_data",
    "meetups.export.meetups_data",
    "servicedesk.export.servicedesk_data",
]
PERSONAL_DATA_ERASERS = [
    "accounts.export.erase_accounts_data",
    "forum.export.erase_forum_data",
    "forum.attachments.erase_attachments",
    "forum.drafts.erase_drafts",
    "forum.history.erase_versions",
    "forum.bookmarks.erase_bookmarks",
    "meetups.export.erase_meetups_data",
    "servicedesk.export.erase_servicedesk_data",
]
# Absolute links in mail and calendar files (unsubscribe, notification targets, tickets) and the host
# of Message-IDs. scripts/run.py sets it from FANCITY_PORT; `check --deploy` refuses the default, plain
# http and a host outside ALLOWED_HOSTS (accounts/checks.py).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task a worker has taken is delivered again this long after, if the worker has not acknowledged it
# (acks_late: it died, or it is still running). Work in flight on a killed worker resumes this long
# after it started, and every task must finish well within it: mail and notification fan-outs are
# chunks of 200 fans that hand the rest on after 60 s, retries wait at most 90 s (accounts.tasks).
# Workers look for such tasks every 5 s (kombu's default is every 100 s).
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("BROKER_VISIBILITY_TIMEOUT", "120"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
# A request must not hang on a dead broker: try once and move on; the outbox row is sent later (outbox.queueing).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere (tests/site/test_security_headers.py checks the templates): scripts
# and styles come from our static files only. Images in posts may come from any https address, as
# forum.markup allows; the check-in page's camera stream is a MediaStream, not a URL, so needs no source.
_SIGN_IN_ELSEWHERE = ["https://api.weibo.com", "https://open.weixin.qq.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Forms post here; Weibo/WeChat sign-in continues on the provider's site when it is configured.
        "form-action": ["'self'", *(_SIGN_IN_ELSEWHERE if SOCIALACCOUNT_PROVIDERS else [])],
    }
}
# Browser features: the camera for this site only (check-in scans tickets), everything else off.
PERMISSIONS_POLICY = {
    "camera": ["self"],
    **{
        feature: []
        for feature in ("accelerometer", "autoplay", "display-capture", "geolocation", "gyroscope", "magnetometer")
        + ("microphone", "midi", "payment", "publickey-credentials-get", "usb", "xr-spatial-tracking")
    },
}
# The language cookie gets the same flags as the session and CSRF cookies (Secure below).
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
