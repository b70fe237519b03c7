"""The one settings module: every knob comes from the environment (12-factor).

Read ``.env`` in the project root when it exists, so a deployer can keep the
variables in one file. See README.md for the full list.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.schedule import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or .env) before running "
            "with DEBUG off; `make demo` sets DEBUG=true for local use."
        )
    # Development only: a fixed key is harmless when nothing is exposed.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
# The site's address for links that leave it (the operators' mail, Collect keys), e.g.
# https://prices.example.org; by default https:// and the first host above (config/site.py).
SITE_URL = env.str("SITE_URL", default="")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Second factors: TOTP (RFC 6238) and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "agriprices",
    "sms_gateway",
    "voice",
    "telecentre",
    "openrosa",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    # Compressed pages and API answers cost a metered 2G link a fraction of the bytes.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every answer, and 304 Not Modified for a client that already has it.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # Accounts that must have a second factor are sent to enrol (or to give their
    # code) before any other page, the admin's included.
    "telecentre.two_factor.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "telecentre.context.deployment",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite is the embedded default so `make demo` needs no server. WAL lets readers (the
# dashboard, SMS replies) go on while a writer (an import) holds the lock, and IMMEDIATE
# transactions take the write lock up front instead of failing half-way with "locked".
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# Anything shared between processes (rate limits, name indexes) goes through the cache,
# so several gunicorn hosts behave as one when CACHE_URL points at Redis.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://agriprices")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # see config/cache.py
    # Fail fast when Redis is away: the cache then answers misses (config/cache.py).
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=0.5, socket_timeout=1.0
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("ky", _("Kyrgyz")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Bishkek")
USE_I18N = True
USE_TZ = True

LOGIN_URL = "telecentre:login"
#: Wrong passwords for one username, or from one address, before logins are refused for
#: the rest of the window.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_MAX_FAILURES_PER_ADDRESS = env.int("LOGIN_MAX_FAILURES_PER_ADDRESS", default=20)
LOGIN_LOCK_SECONDS = env.int("LOGIN_LOCK_SECONDS", default=900)
#: Form and JSON bodies larger than this are refused (400): nothing we take is larger.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
LOGIN_REDIRECT_URL = "telecentre:home"
#: Accounts that may review prices, publish bulletins or broadcast, and the admin's,
#: must sign in with a second factor (TOTP or a recovery code). Off by default in DEBUG
#: so `make demo` logs in with a password alone.
REQUIRE_TWO_FACTOR = env.bool("REQUIRE_TWO_FACTOR", default=not DEBUG)
#: The issuer name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env.str("TWO_FACTOR_ISSUER", default="AgriPrices")
#: Recovery codes issued at enrolment (each works once).
TWO_FACTOR_RECOVERY_CODES = 10
#: A training deployment: an operator may approve their own broadcast, and every page
#: says this is training.
TRAINING_MODE = env.bool("TRAINING_MODE", default=False)
#: Audit events older than this are deleted by the nightly prune.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
LOGOUT_REDIRECT_URL = "telecentre:home"

# Uploaded files (photos sent with ODK Collect forms): kept here, shown to operators only
# through a view that checks their permission, never served as public files.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
# No broker configured: run tasks in-process so one machine needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Replies and confirmations have a queue of their own, so a broadcast being sent never
# delays an answer: run `celery -A config worker -Q sms-replies,celery` and a bulk worker.
CELERY_TASK_ROUTES = {"sms_gateway.tasks.send_outbound": {"queue": "sms-bulk"}}
# What beat runs and when: config/schedule.py.
CELERY_BEAT_SCHEDULE = beat_schedule(env)

# --- The domain -----------------------------------------------------------------------
# Every comparison (latest prices, week changes, rankings, summaries, warnings) is in this
# ISO 4217 currency; a price in another one is kept apart. After changing it, run
# services.rebuild_latest_prices() (README: "One currency per comparison").
AGRIPRICES_CURRENCY = env.str("AGRIPRICES_CURRENCY", default="KGS").upper()
# Prices entered by people (web form, SMS, ODK Collect, API) are of the last this many
# days; older ones come in through a file import.
AGRIPRICES_MAX_AGE_DAYS = env.int("AGRIPRICES_MAX_AGE_DAYS", default=60)
# The country's outline under the map of markets: a JSON file of rings of [lon, lat]
# (telecentre/outlines/ holds Kyrgyzstan's, from Natural Earth, public domain).
AGRIPRICES_COUNTRY_OUTLINE = env.path(
    "AGRIPRICES_COUNTRY_OUTLINE", default=BASE_DIR / "telecentre" / "outlines" / "kgz.json"
)
# Outlier rule (see agriprices/validation.py): modified z-score above this is flagged.
AGRIPRICES_OUTLIER_THRESHOLD = env.float("AGRIPRICES_OUTLIER_THRESHOLD", default=3.5)

# --- Collection of prices (agriprices/collection) ---------------------------------------
# Reminders go to agents with prices still missing at this hour (local time) of each
# collection day; the operators' digest goes with them.
COLLECTION_REMINDER_HOUR = env.int("COLLECTION_REMINDER_HOUR", default=14)
# Markets missed this many rounds in a row are flagged to operators.
COLLECTION_ESCALATE_AFTER = env.int("COLLECTION_ESCALATE_AFTER", default=2)
# A market without a plan of its own: weekly, on the weekday its prices fell on most
# lately, else on this one (0 = Monday); a price this many days off a collection day counts.
# Three: any day of the week counts for the week's round, so a market that moved its
# market day within the default plan's 90 days is not judged late before the move.
COLLECTION_DEFAULT_WEEKDAY = env.int("COLLECTION_DEFAULT_WEEKDAY", default=0)
COLLECTION_TOLERANCE_DAYS = env.int("COLLECTION_TOLERANCE_DAYS", default=3)
# A farmer is told a price is old past its market's cycle plus this many cycles.
COLLECTION_STALE_GRACE_CYCLES = env.int("COLLECTION_STALE_GRACE_CYCLES", default=2)
# The operators' daily digest goes by e-mail (django-environ's EMAIL_URL; printed by default).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="agriprices@localhost")

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "agriprices.api.renderers.CSVRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "agriprices.api.throttles.ReadThrottle",
        "agriprices.api.throttles.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "read": env.str("API_READ_RATE", default="300/min"),
        "write": env.str("API_WRITE_RATE", default="60/min"),
    },
    # Behind a load balancer, the client address is the Nth from the right in X-Forwarded-For.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
    "DEFAULT_SCHEMA_CLASS": "agriprices.api.schema.AgriPricesAutoSchema",
    "EXCEPTION_HANDLER": "agriprices.api.errors.exception_handler",
    "DATE_INPUT_FORMATS": ["iso-8601"],
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AgriPrices API",
    "DESCRIPTION": (
        "Commodity prices from market agents, as farmers get them by SMS. Reading needs no "
        "account; agents and operators write with a token (`Authorization: Token <key>`). "
        "Every list is also CSV with `?format=csv`. Errors are JSON: "
        '`{"errors": [{"field": "price", "message": "...", "code": "invalid"}]}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PriceTypeEnum": "agriprices.models.PriceType",
        "QuoteStatusEnum": "agriprices.models.Quote.Status",
    },
}
#: Largest batch of prices one POST may carry.
API_MAX_BATCH = 500
#: How long a public price answer may sit in the cache (it is never stale: see api.views).
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=600)
#: Rows one CSV answer (?format=csv) streams at most; its last line says when the list
#: was longer, and its X-Row-Limit header states the limit.
API_CSV_MAX_ROWS = env.int("API_CSV_MAX_ROWS", default=100_000)

# --- SMS ------------------------------------------------------------------------------
#: Country whose national number forms (0555 123 456) are understood.
SMS_DEFAULT_REGION = env.str("SMS_DEFAULT_REGION", default="KG")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
#: Send from a Messaging Service (preferred) or from one number.
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
#: The WhatsApp sender's number (E.164) for answers sent later to WhatsApp addresses.
TWILIO_WHATSAPP_FROM = env.str("TWILIO_WHATSAPP_FROM", default="")
#: The pre-approved WhatsApp template (Content SID, one variable {{1}} for the text) that
#: alerts, digests and broadcasts to WhatsApp addresses go as.
TWILIO_WHATSAPP_CONTENT_SID = env.str("TWILIO_WHATSAPP_CONTENT_SID", default="")
#: Only to reach Twilio through a proxy or a test stub; empty means api.twilio.com.
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")
# How long a send waits for Twilio's answer. No answer in time is not "not sent": the
# message is settled by the recovery sweep, which asks Twilio, never sent blindly again.
TWILIO_TIMEOUT_SECONDS = env.float("TWILIO_TIMEOUT_SECONDS", default=10.0)
#: Where outbound SMS go: ...twilio.TwilioBackend, ...console.ConsoleBackend (demo),
#: ...locmem.LocmemBackend (tests).
# USSD aggregators call /ussd/<gateway>/?key=<this>; empty: the USSD endpoints answer 404.
USSD_CALLBACK_KEY = env.str("USSD_CALLBACK_KEY", default="")
SMS_BACKEND = env.str("SMS_BACKEND", default="sms_gateway.backends.console.ConsoleBackend")
#: The channels people reach us by (sms_gateway.channels): one object each, the address
#: scheme, rendering, cost of a reply, sending and webhooks of each in its module.
CHANNELS = [
    "sms_gateway.channels.sms.Sms",
    "sms_gateway.channels.whatsapp.WhatsApp",
    "sms_gateway.channels.ussd.Ussd",
    "sms_gateway.channels.telegram.Telegram",
]
#: The Telegram bot (sms_gateway/channels/telegram.py): its token from @BotFather, the
#: secret its webhook requests must carry (empty: /telegram/webhook/ answers 404), and
#: where the Bot API is (a local stub in tests; an egress proxy where needed).
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
TELEGRAM_API_BASE = env.str("TELEGRAM_API_BASE", default="https://api.telegram.org")
TELEGRAM_TIMEOUT_SECONDS = env.float("TELEGRAM_TIMEOUT_SECONDS", default=10.0)
#: Messages per second one worker hands to the provider (Twilio's default is 1/s a number).
SMS_SEND_RATE = env.str("SMS_SEND_RATE", default="10/s")
# A worker that claimed a message this long ago without finishing died mid-send: the
# recovery sweep asks the provider whether it got it (longer than any send can take).
SMS_SEND_LEASE_SECONDS = env.int("SMS_SEND_LEASE_SECONDS", default=120)
# A queued message whose task was published this long ago and is still waiting was lost
# with the broker (Redis restarted empty): the sweep publishes it again.
SMS_REPUBLISH_AFTER_SECONDS = env.int("SMS_REPUBLISH_AFTER_SECONDS", default=900)
# A message (or broadcast) whose task never reached the broker is published again by the
# sweep once it is this old (the broker was down when it was queued).
SMS_PUBLISH_GRACE_SECONDS = env.int("SMS_PUBLISH_GRACE_SECONDS", default=30)
# Where inbound SMS wait while the database is down (the spool), until the replay task
# answers them: this Redis, else files in SMS_SPOOL_DIR. Beside the broker's queues by
# default; run it with appendonly on, since a spooled message lives nowhere else.
SMS_REDIS_URL = env.str(
    "SMS_REDIS_URL",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "",
)
# The spool's directory when SMS_REDIS_URL is unset or unreachable (it must survive a
# restart).
SMS_SPOOL_DIR = env.path("SMS_SPOOL_DIR", default=BASE_DIR / "var" / "sms-spool")
#: Countries we send SMS to, replies included (ISO codes; "*" for all).
SMS_ALLOWED_COUNTRIES = env.list("SMS_ALLOWED_COUNTRIES", default=["KG"])
#: What one number may cost us: queries per hour, reply segments per day.
SMS_MAX_QUERIES_PER_HOUR = env.int("SMS_MAX_QUERIES_PER_HOUR", default=30)
SMS_MAX_SEGMENTS_PER_DAY = env.int("SMS_MAX_SEGMENTS_PER_DAY", default=60)
#: The same for a number a market agent reports prices from: a round is one SMS a price
#: (18 to 24 at a demo market, each answered), and an agent may have several markets.
SMS_AGENT_MAX_QUERIES_PER_HOUR = env.int("SMS_AGENT_MAX_QUERIES_PER_HOUR", default=150)
SMS_AGENT_MAX_SEGMENTS_PER_DAY = env.int("SMS_AGENT_MAX_SEGMENTS_PER_DAY", default=400)
#: "Unreachable" delivery reports in a row after which a number is sent nothing more.
SMS_UNREACHABLE_LIMIT = env.int("SMS_UNREACHABLE_LIMIT", default=5)
#: Wrong PINs in an hour before an agent's SMS reports are locked for that hour.
SMS_PIN_TRIES = env.int("SMS_PIN_TRIES", default=5)
#: Subscriptions: digest day (0 = Monday) unless the subscriber chose one, how much a
#: price must move (%) for an alert, and how many crops one number may follow.
SMS_DIGEST_WEEKDAY = env.int("SMS_DIGEST_WEEKDAY", default=0)
SMS_ALERT_CHANGE_PCT = env.float("SMS_ALERT_CHANGE_PCT", default=10.0)
SMS_MAX_SUBSCRIPTIONS = env.int("SMS_MAX_SUBSCRIPTIONS", default=5)
#: Recipients per task when a digest run or broadcast is fanned out.
SMS_FANOUT_CHUNK = env.int("SMS_FANOUT_CHUNK", default=1000)
#: How many SMS a bulletin's summary may take (each recipient costs this many).
BULLETIN_SMS_MAX_SEGMENTS = env.int("BULLETIN_SMS_MAX_SEGMENTS", default=2)
#: A broadcast to more recipients than this waits for a second operator's approval, and
#: is dropped if nobody approves it within BROADCAST_APPROVAL_HOURS.
BROADCAST_APPROVAL_MIN = env.int("BROADCAST_APPROVAL_MIN", default=1000)
BROADCAST_APPROVAL_HOURS = env.int("BROADCAST_APPROVAL_HOURS", default=24)
#: How long the provider keeps a message queued before failing it (Twilio: 10 hours by
#: default), and how many segments a second the senders push out (one long code: 1).
#: A broadcast that could not leave within the first at the second is refused.
SMS_MAX_QUEUE_HOURS = env.float("SMS_MAX_QUEUE_HOURS", default=10.0)
SMS_SEGMENTS_PER_SECOND = env.float("SMS_SEGMENTS_PER_SECOND", default=1.0)
#: The URL Twilio calls, when the service sits behind a proxy that rewrites it
#: (signatures are computed over the public URL), e.g. https://prices.example.org
TWILIO_PUBLIC_BASE_URL = env.str("TWILIO_PUBLIC_BASE_URL", default="")

# --- Voice line -----------------------------------------------------------------------
#: Where clips' audio files are kept (recordings and speech made by espeak-ng).
VOICE_CLIPS_DIR = env.path("VOICE_CLIPS_DIR", default=BASE_DIR / "var" / "voice-clips")
#: Twilio voices for clips not recorded, by language, e.g. "ru=Polly.Tatyana,en=alice";
#: only en, fr and ru (Twilio has no Kyrgyz voice); unset: espeak-ng speaks them.
VOICE_SAY_VOICES = env.dict("VOICE_SAY_VOICES", default={})
VOICE_ESPEAK = env.str("VOICE_ESPEAK", default="espeak-ng")
VOICE_ESPEAK_SPEED = env.int("VOICE_ESPEAK_SPEED", default=175)  # words a minute
VOICE_SOX = env.str("VOICE_SOX", default="sox")
VOICE_OPUSDEC = env.str("VOICE_OPUSDEC", default="opusdec")  # opus-tools: Opus uploads
#: A recording longer than this is refused (a clip is a word or a sentence).
VOICE_CLIP_MAX_SECONDS = env.int("VOICE_CLIP_MAX_SECONDS", default=20)
#: How long a menu waits for a key before it is said again.
VOICE_GATHER_SECONDS = env.int("VOICE_GATHER_SECONDS", default=6)
#: Free to ask: reject calls (the caller pays nothing) and call the number back.
VOICE_CALLBACK = env.bool("VOICE_CALLBACK", default=False)
VOICE_CALLBACKS_PER_DAY = env.int("VOICE_CALLBACKS_PER_DAY", default=3)
VOICE_CALLBACK_DELAY_SECONDS = env.int("VOICE_CALLBACK_DELAY_SECONDS", default=10)
#: What the whole service calls back, an hour and a day (what a storm of missed calls
#: can cost); past either a missed call is rejected without one and operators are told.
VOICE_CALLBACKS_SERVICE_PER_HOUR = env.int("VOICE_CALLBACKS_SERVICE_PER_HOUR", default=30)
VOICE_CALLBACKS_SERVICE_PER_DAY = env.int("VOICE_CALLBACKS_SERVICE_PER_DAY", default=200)
#: A number ringing again this soon after its callback was placed (or while one is
#: queued) gets no other: one callback a missed call, not one a ring.
VOICE_CALLBACK_REDIAL_SECONDS = env.int("VOICE_CALLBACK_REDIAL_SECONDS", default=180)
#: A callback not placed within this long is given up (the farmer has moved on).
VOICE_CALLBACK_EXPIRES_SECONDS = env.int("VOICE_CALLBACK_EXPIRES_SECONDS", default=600)
#: The number callbacks come from (a Twilio voice number); else TWILIO_FROM_NUMBER.
VOICE_FROM_NUMBER = env.str("VOICE_FROM_NUMBER", default="")
VOICE_BACKEND = env.str("VOICE_BACKEND", default="voice.backends.ConsoleCallBackend")

#: Backups (manage.py backup / restore) as JSON Lines with exact times.
SERIALIZATION_MODULES = {"backup": "telecentre.backup_format"}

# --- Security -------------------------------------------------------------------------
#: Set HTTPS=true when the service is reached over TLS (directly or through a proxy that
#: sets X-Forwarded-Proto): HTTP is redirected, HSTS is sent, cookies are secure.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancers probe over HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Asking browsers to preload HSTS binds the whole domain for years: the deployer's call
# (SECURE_HSTS_PRELOAD), not a default; check --deploy need not remind of it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Secure cookies follow HTTPS, not DEBUG: a telecentre serving its LAN over plain HTTP
# (DEBUG off, HTTPS unset) must still be able to log in, since a browser never sends a
# Secure cookie back over HTTP. `check --deploy` warns about it there, as Django does.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
#: No inline script, nothing from elsewhere (the pages need none; see the CSP test).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

#: json (one object a line, for log collectors) or plain; JSON unless DEBUG.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logs.RequestIdFilter"},
        "mask_phones": {"()": "config.logs.PhoneMaskFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "mask_phones"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's default handlers for these write unmasked lines ("Unauthorized:
        # /openrosa/key/<token>/...", runserver's request lines): only ours, via root.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
    },
}
