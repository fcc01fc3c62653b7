"""Fancity settings: everything that differs between machines comes from the environment.

Development defaults point at the embedded PostgreSQL and Redis that scripts/run.py starts.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL (or REDIS_CACHE_URL and
CELERY_BROKER_URL) and the EMAIL_* values.
"""

import os
from pathlib import Path
from typing import Any
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
    "community",
    "messaging",
    "forum",
    "meetups",
    "servicedesk",
    "servicedesk.wechat",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fancity.lib.dbrouting.DatabaseRoutingMiddleware",  # replicas and read-only mode (README, "Scaling out")
    "csp.middleware.CSPMiddleware",
    "fancity.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fancity.lib.params.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "meetups.waiting_room.WaitingRoomMiddleware",  # a large event's sign-up rush: before any database work
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
                "fancity.lib.dbrouting.read_only_mode",
            ],
            "libraries": {"kept": "fancity.lib.kept"},
        },
    },
]

# --- Data stores ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/fancity")


def database(url: str) -> dict[str, Any]:
    """Django's settings for one database URL. Several hosts (`postgres://u@h1:5432,h2:5432/db?
    target_session_attrs=read-write`) go to libpq as they are: it connects to the first that answers
    and accepts writes, so the site follows a promoted replica without a restart (README, "Scaling out")."""
    parts = urlsplit(url)
    user, at, hosts = parts.netloc.rpartition("@")
    first = hosts.split(",")[0]
    # Each process keeps its connections (60 s, checked at the start of each request): the pool that was
    # chosen (README, "Connections"). DATABASE_POOL_SIZE=N switches to Django's psycopg pool instead
    # (psycopg-pool must then be installed) and DATABASE_CONN_MAX_AGE=0 to a connection per request.
    config: dict[str, Any] = dj_database_url.parse(  # type: ignore[assignment]
        urlunsplit(parts._replace(netloc=f"{user}{at}{first}")),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if "," in hosts:
        pairs = [host.rpartition(":") for host in hosts.split(",")]
        config["HOST"] = ",".join(name or port for name, _, port in pairs)  # "h" rpartitions to ("", "", "h")
        config["PORT"] = ",".join(port if name else "5432" for name, _, port in pairs)
    # Parameters are bound on the server and psycopg prepares a statement once it has run five times on a
    # connection (its default, which Django turns off): PostgreSQL then plans each statement once per
    # connection, the ORM's and the hot reads' (fancity.lib.raw). A pooler in front of PostgreSQL must
    # keep prepared statements (PgBouncer 1.21+ with max_prepared_statements) or run in session mode.
    config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    if pool_size := int(os.environ.get("DATABASE_POOL_SIZE", "0")):
        config.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)
        config["OPTIONS"]["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": 10}
    return config


DATABASES = {"default": database(DATABASE_URL)}
# Read replicas (README, "Scaling out: database"): hot standbys that serve the pages in
# DATABASE_REPLICA_VIEWS (fancity.lib.dbrouting). None configured: every query goes to "default".
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", ""), start=1):
    DATABASES[f"replica{_number}"] = {**database(_url), "TEST": {"MIRROR": "default"}}
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["fancity.lib.dbrouting.Router"] if DATABASE_REPLICAS else []
# A replica more than this many seconds behind the primary is skipped; each process measures every
# replica at most once per DATABASE_CHECK_SECONDS. A fan who has written reads from the primary for
# READ_YOUR_WRITES_SECONDS (which must exceed the other two together).
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "3"))
DATABASE_CHECK_SECONDS = float(os.environ.get("DATABASE_CHECK_SECONDS", "1"))
READ_YOUR_WRITES_SECONDS = int(os.environ.get("READ_YOUR_WRITES_SECONDS", "10"))
# The pages that may read from a replica (URL names): those a reader can take a few seconds old.
DATABASE_REPLICA_VIEWS = {
    "home",
    "forum:index",
    "forum:board",
    "forum:thread",
    "forum:post",
    "forum:search",
    "forum:fan_threads",
    "forum:fan_posts",
    "profile",
    "meetups:index",
    "meetups:cities",
    "meetups:detail",
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")


def _redis_db(url: str, db: int) -> str:
    """The cache lives in its own Redis database so that clearing it never drops queued tasks."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# Cache and broker are two URLs, so that in production they are two Redis servers and a flood of cache
# keys (the cache's Redis runs with maxmemory and an LRU policy) can never evict queued work. Both
# default to REDIS_URL (the broker in its database 0, the cache in 1). Either may name Redis Sentinels
# instead of a server (`sentinel://host:26379/db;sentinel://host2:26379/db`, kombu's form) with the name of
# the master they watch: the clients then find the master the Sentinels promoted by themselves.
REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL") or os.environ.get("CACHE_URL") or _redis_db(REDIS_URL, 1)
REDIS_CACHE_MASTER = os.environ.get("REDIS_CACHE_MASTER", "fancity-cache")
# Everything in the cache can be lost: a Redis that does not answer is "no cache" for a few seconds
# (fancity.lib.cache), never a failed request.
CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "fancity.lib.cache.ForgivingRedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": "fancity",
        "OPTIONS": {"sentinel_master": REDIS_CACHE_MASTER} if REDIS_CACHE_URL.startswith("sentinel://") else {},
    },
}
# Sessions are kept in PostgreSQL and read from Redis (Django's cached_db); with Redis down they are
# read from PostgreSQL. The cached copy lives at most 5 minutes, which bounds how long a sign-out made
# while Redis was unreachable could be undone by it; the user query also checks that the session's
# row still exists (accounts/backends.py), so it is not undone at all.
CACHES["sessions"] = {**CACHES["default"], "MAX_TIMEOUT": 300}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
# The waiting room of a large event's sign-up (meetups/waiting_room.py): fans let through per second, and
# how many may pass at once after a quiet moment. Set it to what the web tier takes (bench/launch_rush.py).
LAUNCH_ADMIT_PER_SECOND = int(os.environ.get("LAUNCH_ADMIT_PER_SECOND", 400))
LAUNCH_ADMIT_BURST = int(os.environ.get("LAUNCH_ADMIT_BURST", 200))
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
# Fans' replies to desk mails go to reply+<token>@ this domain (the site's host when empty); its MX points
# at the desk's SMTP listener (`manage.py desk_smtp`, DESK_SMTP_HOST/DESK_SMTP_PORT).
DESK_REPLY_DOMAIN = os.environ.get("DESK_REPLY_DOMAIN", "")
# What higher apps do in the forum, which never imports them (forum/hooks.py).
FORUM_FEEDBACK_HOOKS = ["servicedesk.forum_hooks.triage_new_feedback"]
FORUM_REPLY_HOOKS = ["servicedesk.lifecycle.thread_reply_posted"]
FORUM_THREAD_PANELS = ["servicedesk.forum_hooks.thread_state_panel"]
# What higher apps show on a fan's profile page (accounts/views.py): `panel(request, fan)` returns
# `(template name, context)` or None; the template gets that context as `panel`.
ACCOUNT_PROFILE_PANELS = ["community.profile.profile_panel", "forum.reading.profile.profile_panel"]
# What higher apps read with the signed-in fan's own row (accounts/backends.py), so that no page runs
# a query for it: attribute name -> dotted path of an SQL expression, `{user}` standing for the fan's id.
ACCOUNT_FAN_COLUMNS = {
    "appointed_board_ids": "forum.permissions.APPOINTED_BOARDS_SQL",
    "checked_in_today": "community.checkin.CHECKED_IN_TODAY_SQL",
    "unread_messages": "messaging.conversations.UNREAD_SQL",
}
# What higher apps know about fans for the automatic medals (community/medals.py):
# `facts(user_ids) -> {user_id: {fact: number}}`.
COMMUNITY_MEDAL_FACTS = ["forum.community_facts.facts", "meetups.community_facts.facts"]
# What higher apps add to the community panel of a profile, as columns of its one statement:
# name -> dotted path of SQL with `{user}` for the fan's id.
COMMUNITY_PROFILE_COLUMNS = {"meetups_attended": "meetups.community_facts.ATTENDED_SQL"}
# How notifications are shown (accounts/notifications.py): the prefix of their group ("thread" of
# "thread:12") -> `describe(user, notifications) -> {id: Shown | None}`, by the app that owns it.
NOTIFICATION_SUBJECTS = {"thread": "forum.writing.notifying.describe"}
# Files attached to a notification's mail: each hook, `(notification) -> [(filename, content,
# mimetype)]`, adds what its app has for it (a meetup's change mail carries the updated .ics).
NOTIFICATION_ATTACHMENTS = ["meetups.mail.change_calendar"]
# Where replies to a notification's mail go, by the prefix of its group: `(notification) -> address or
# None`. The service desk takes a fan's reply to the mail about their feedback thread or private request.
NOTIFICATION_REPLY_TO = {
    "thread": "servicedesk.answer_mail.reply_to",
    "servicedesk": "servicedesk.answer_mail.reply_to",
}
# A fan's personal data, app by app (accounts/export.py): each export adds its part of the JSON
# download; each eraser, `(user) -> None`, erases what its app stores, in the account deletion's
# transaction. An app that stores something about a fan registers both.
PERSONAL_DATA_EXPORTS = [
    "accounts.export.accounts_data",
    "community.export.community_data",
    "messaging.export.messaging_data",
    "forum.export.forum_data",
    "forum.attachments.attachments_data",
    "forum.writing.drafts.drafts_data",
    "forum.writing.history.versions_data",
    "forum.writing.bookmarks.bookmarks_data",
    "meetups.export.meetups_data",
    "servicedesk.export.servicedesk_data",
    "servicedesk.wechat.export.wechat_data",
]
PERSONAL_DATA_ERASERS = [
    "accounts.export.erase_accounts_data",
    "community.export.erase_community_data",
    "messaging.export.erase_messaging_data",
    "forum.export.erase_forum_data",
    "forum.attachments.erase_attachments",
    "forum.writing.drafts.erase_drafts",
    "forum.writing.history.erase_versions",
    "forum.writing.bookmarks.erase_bookmarks",
    "meetups.export.erase_meetups_data",
    "servicedesk.export.erase_servicedesk_data",
    "servicedesk.wechat.export.erase_wechat_data",
]
# Absolute links in mail and calendar files (unsubscribe, notification targets, tickets) and the host
# of Message-IDs. scripts/run.py sets it from FANCITY_PORT; `check --deploy` refuses the default, plain
# http and a host outside ALLOWED_HOSTS (accounts/checks.py).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
CELERY_BROKER_MASTER = os.environ.get("CELERY_BROKER_MASTER", "fancity-broker")
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
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
if CELERY_BROKER_URL.startswith("sentinel://"):
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "master_name": CELERY_BROKER_MASTER,
        "sentinel_kwargs": {"socket_connect_timeout": 1, "socket_timeout": 2},
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
# forum.writing.markup allows; the check-in page's camera stream is a MediaStream, not a URL, so needs no source.
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
