"""Settings, read from environment variables only (see .env.example)."""

import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from environs import Env

from panier.traffic.pages import STYLE_CSP_SOURCE as _TRAFFIC_STYLE_SOURCE

env = Env()
env.read_env(recurse=False)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env.str("PANIER_DATA_DIR", default=str(Path.cwd() / "var")))

DEBUG = env.bool("DEBUG", default=False)


ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# A site that answers a public host name with DEBUG off is a production site:
# it must get its secrets from the environment (see _production_secrets).
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "testserver"}
PANIER_PRODUCTION = not DEBUG and any(host not in _LOCAL_HOSTS for host in ALLOWED_HOSTS)


def _secret_key() -> str:
    """Use SECRET_KEY, or (outside production) a random key kept in the data
    directory."""
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if PANIER_PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off and "
            "ALLOWED_HOSTS names a public host (see .env.example)."
        )
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "panier.core",
    "panier.notifications",
    "panier.accounts",
    "panier.hubs",
    "panier.producers",
    "panier.tax",
    "panier.catalog",
    "panier.inventory",
    "panier.delivery",
    "panier.cart",
    "panier.payments",
    "panier.orders",
    "panier.checkout",
    "panier.invoicing",
    "panier.aftersales",
    "panier.fulfilment",
    "panier.rounds",
    "panier.reviews",
    "panier.traffic",
    "panier.backups",
    "panier.audit",
    "panier.privacy",
    "panier.web",
    "panier.demo",
    "panier.subscriptions",
]
# Background tasks (django-tasks, database backend: no extra service).
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": env.str("PANIER_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}

MIDDLEWARE = [
    # First, so that every answer, the waiting room's included, carries the
    # Content-Security-Policy header.
    "panier.core.csp.SiteWideCSPMiddleware",
    "panier.traffic.middleware.TrafficMiddleware",
    "panier.traffic.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "panier.config.urls"
WSGI_APPLICATION = "panier.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

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
                "panier.web.context_processors.shop",
            ],
        },
    },
]

# Common form parts (inputs, labels, error lists, field groups) written in
# Python, with the same HTML as Django's templates.
FORM_RENDERER = "panier.core.form_renderer.FastFormRenderer"


def _database() -> dict:
    default_url = f"sqlite:///{DATA_DIR / 'panier.sqlite3'}"
    url = env.str("DATABASE_URL", default=default_url)
    config = dj_database_url.parse(url, conn_max_age=env.int("DB_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Writers are serialised on SQLite: IMMEDIATE takes the write lock at
        # the start of each transaction, so "check then write" cannot
        # interleave, and WAL lets readers run during a write.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        if config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    elif config["ENGINE"] == "django.db.backends.postgresql" and env.int("DATABASE_POOL_MAX", 0) > 0:
        # Django's native psycopg pool: one bounded pool per worker process.
        # Size DATABASE_POOL_MAX to the threads of a worker (no more than
        # PANIER_MAX_IN_FLIGHT), so the database sees at most workers × max
        # connections. A request waits up to DATABASE_POOL_TIMEOUT seconds
        # for a connection, then fails; connections go back to the pool at
        # the end of each request, so CONN_MAX_AGE must be 0.
        pool_max = env.int("DATABASE_POOL_MAX")
        config["CONN_MAX_AGE"] = 0
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env.int("DATABASE_POOL_MIN", 2), pool_max),
            "max_size": pool_max,
            "timeout": env.float("DATABASE_POOL_TIMEOUT", 10.0),
        }
    if config["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_PREPARED", True):
        # Parameters sent apart from the SQL, and a statement run five times
        # on a connection is prepared there: PostgreSQL then skips parsing
        # and planning it (its CPU per order fell by about two fifths in the
        # checkout bench). Django keeps this off by default for PgBouncer in
        # transaction mode, where a prepared statement may be missing on the
        # next transaction's server connection: set DATABASE_PREPARED=0 there.
        config.setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env.int("DATABASE_PREPARE_THRESHOLD", 5)
        )
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "panier.core.redis_cache.PanierRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "panier",
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }

# Where sessions live (PANIER_SESSION_STORE):
# - "cookie" (the default): a visitor's session (basket tokens, the checkout
#   form, keys of the orders placed) travels signed in the session cookie, so
#   a visitor's requests cost no session read or write on the server; a
#   signed-in user's session goes to the server-side store below, where
#   signing out revokes it.
# - "database": every session in the server-side store.
# - "redis" (needs REDIS_URL): every session in Redis only, which is safe only
#   when Redis keeps its data on disk (appendonly) and never evicts keys.
# The server-side store is the database, read through Redis when REDIS_URL
# is set (one query less on every request of a session kept there).
PANIER_SESSION_SERVER_ENGINE = "panier.core.sessions.cached_db" if REDIS_URL else "panier.core.sessions.db"
_SESSION_ENGINES = {"cookie": "panier.core.sessions.guest_cookie", "database": PANIER_SESSION_SERVER_ENGINE}
if REDIS_URL:
    _SESSION_ENGINES["redis"] = "panier.core.sessions.cache"
_session_store = env.str("PANIER_SESSION_STORE", default="cookie")
if _session_store not in _SESSION_ENGINES:
    raise ImproperlyConfigured(
        f"PANIER_SESSION_STORE must be one of {', '.join(_SESSION_ENGINES)}"
        f"{'' if REDIS_URL else ' (redis needs REDIS_URL)'}, not {_session_store!r}."
    )
SESSION_ENGINE = _SESSION_ENGINES[_session_store]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
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
WHITENOISE_USE_FINDERS = DEBUG
# Media are served by the application only when asked (demo, small sites);
# a production set-up serves them from the reverse proxy.
PANIER_SERVE_MEDIA = env.bool("PANIER_SERVE_MEDIA", default=DEBUG)

EMAIL_HOST = env.str("EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
else:
    # Without an SMTP server, e-mails are written as files that an operator
    # can read (var/mail); nothing is lost.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="boutique@panier.invalid")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    # Django sends HSTS only on HTTPS responses; one year is the usual value.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    # TLS and the redirect to HTTPS are the reverse proxy's job (README,
    # "Production"); other subdomains of the operator's domain are not this
    # application's to pin, nor is the preload list. SECURE_SSL_REDIRECT=1
    # turns the redirect on here.
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W008", "security.W021"]
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https")
        if env.bool("PANIER_BEHIND_TLS_PROXY", default=False)
        else None
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Panier's own settings.
PANIER_PAYMENT_PROVIDER = env.str("PANIER_PAYMENT_PROVIDER", default="sandbox")
PANIER_SANDBOX_WEBHOOK_SECRET = env.str(
    "PANIER_SANDBOX_WEBHOOK_SECRET", default=SECRET_KEY[:32]
)
# How long stock and a slot stay reserved for an order waiting for payment.
PANIER_PAYMENT_TIMEOUT_MIN = env.int("PANIER_PAYMENT_TIMEOUT_MIN", default=30)
PANIER_DEFAULT_HUB = env.str("PANIER_DEFAULT_HUB", default="")

# --- Backups (docs/disaster-recovery.md) ---------------------------------
# Comma-separated URLs: file:///srv/backups, s3://bucket/prefix?endpoint=URL,
# sftp://user@host/path. With none, archives go to PANIER_BACKUP_LOCAL_DIR
# and every backup warns that one place is not a backup.
PANIER_BACKUP_DESTINATIONS = env.list("PANIER_BACKUP_DESTINATIONS", default=[])
PANIER_BACKUP_LOCAL_DIR = Path(env.str("PANIER_BACKUP_LOCAL_DIR", default=str(DATA_DIR / "backups")))
# The key: PANIER_BACKUP_KEY, else the key file (created by the first backup).
PANIER_BACKUP_KEY = env.str("PANIER_BACKUP_KEY", default="")
PANIER_BACKUP_KEY_FILE = Path(env.str("PANIER_BACKUP_KEY_FILE", default=str(DATA_DIR / "backup.key")))
PANIER_BACKUP_S3_ENDPOINT_URL = env.str("PANIER_BACKUP_S3_ENDPOINT_URL", default="")
PANIER_BACKUP_SFTP_KEY_FILE = env.str("PANIER_BACKUP_SFTP_KEY_FILE", default="")
PANIER_BACKUP_SFTP_KNOWN_HOSTS = env.str("PANIER_BACKUP_SFTP_KNOWN_HOSTS", default="")
PANIER_BACKUP_KEEP_DAILY = env.int("PANIER_BACKUP_KEEP_DAILY", default=7)
PANIER_BACKUP_KEEP_WEEKLY = env.int("PANIER_BACKUP_KEEP_WEEKLY", default=4)
PANIER_BACKUP_KEEP_MONTHLY = env.int("PANIER_BACKUP_KEEP_MONTHLY", default=12)
# Recovery point objective: the dashboard turns red past it.
PANIER_BACKUP_RPO_HOURS = env.int("PANIER_BACKUP_RPO_HOURS", default=24)
# `panier backup` also runs a restore drill when the last good one is older.
PANIER_BACKUP_DRILL_EVERY_DAYS = env.int("PANIER_BACKUP_DRILL_EVERY_DAYS", default=30)
PANIER_BACKUP_DRILL_CHECKS = env.list("PANIER_BACKUP_DRILL_CHECKS", default=[])
# --- End of backups --------------------------------------------------------

if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

# Round planning: "vroom" (default), "ortools" or "nearest" (see docs/performance.md).
PANIER_ROUNDS_SOLVER = env.str("PANIER_ROUNDS_SOLVER", default="vroom")
# Straight-line travel times: distance × detour factor at this speed.
PANIER_ROUNDS_SPEED_KMH = env.float("PANIER_ROUNDS_SPEED_KMH", default=30.0)
PANIER_ROUNDS_DETOUR = env.float("PANIER_ROUNDS_DETOUR", default=1.3)
# An OSRM server (e.g. http://osrm:5000) for road travel times; empty: straight line.
PANIER_ROUNDS_OSRM_URL = env.str("PANIER_ROUNDS_OSRM_URL", default="")
# The French national address API (https://api-adresse.data.gouv.fr) or a mirror; empty: none.
PANIER_GEOCODER_URL = env.str("PANIER_GEOCODER_URL", default="")
PANIER_ROUNDS_HTTP_TIMEOUT_S = env.float("PANIER_ROUNDS_HTTP_TIMEOUT_S", default=5.0)
# Minutes spent at each door, and the weight assumed for an item sold by the unit.
PANIER_ROUNDS_SERVICE_MIN = env.int("PANIER_ROUNDS_SERVICE_MIN", default=3)
PANIER_ROUNDS_ITEM_WEIGHT_G = env.int("PANIER_ROUNDS_ITEM_WEIGHT_G", default=500)

# --- Traffic protections (panier.traffic) ---------------------------------
# Requests handled at once by one process before new ones get an immediate
# 503 (load shedding); 0 turns shedding off.
PANIER_MAX_IN_FLIGHT = env.int("PANIER_MAX_IN_FLIGHT", default=48)
# Requests one process runs in the application at once (panier.traffic.gate);
# the others wait up to PANIER_APP_QUEUE_S seconds for a slot without
# holding the interpreter, so the server threads left answer the waiting
# room and the interstitial at once. 0: no bound. Serve with more threads
# than slots (`panier serve --threads`).
PANIER_APP_SLOTS = env.int("PANIER_APP_SLOTS", default=4)
PANIER_APP_QUEUE_S = env.float("PANIER_APP_QUEUE_S", default=20.0)
# Interpreter switch interval of a served process, in ms (Python's default
# is 5): shorter hands the lock to a thread with a tiny answer sooner.
PANIER_GIL_SWITCH_MS = env.float("PANIER_GIL_SWITCH_MS", default=1.0)
# The waiting room opens when a process has more requests in flight than
# this, or when more new visitors than PANIER_ADMISSION_ARRIVALS_PER_S
# arrive in a second; it then lets PANIER_ADMISSION_RATE_PER_S in a second.
PANIER_ADMISSION_IN_FLIGHT = env.int("PANIER_ADMISSION_IN_FLIGHT", default=24)
PANIER_ADMISSION_ARRIVALS_PER_S = env.int("PANIER_ADMISSION_ARRIVALS_PER_S", default=60)
PANIER_ADMISSION_RATE_PER_S = env.float("PANIER_ADMISSION_RATE_PER_S", default=20.0)
# Hops of X-Forwarded-For written by proxies of the operator (0: none).
PANIER_TRUSTED_PROXIES = env.int("PANIER_TRUSTED_PROXIES", default=0)
# Rate limits: class -> (per client address, per /24 or /48 network, window s).
PANIER_RATE_LIMITS = {
    "search": (60, 600, 60),
    "basket": (120, 1200, 60),
    "checkout": (60, 600, 60),
    "login": (10, 100, 60),
    "api": (300, 3000, 60),
}
if not env.bool("PANIER_RATE_LIMITS_ENABLED", default=True):
    PANIER_RATE_LIMITS = {}
# A MaxMind/DB-IP .mmdb file, or tor-geoipdb's /usr/share/tor/geoip (with
# PANIER_GEOIP6_PATH=/usr/share/tor/geoip6). Empty: the geo policy is off.
PANIER_GEOIP_PATH = env.str("PANIER_GEOIP_PATH", default="")
PANIER_GEOIP6_PATH = env.str("PANIER_GEOIP6_PATH", default="")
# Anonymous page cache of catalog pages. Its versions must be shared by
# every worker, so it is on by default only with Redis (or one process).
PANIER_PAGE_CACHE = env.bool("PANIER_PAGE_CACHE", default=bool(REDIS_URL))
PANIER_PAGE_CACHE_TTL_S = env.int("PANIER_PAGE_CACHE_TTL_S", default=600)
# Memory each worker process gives to its copy of the hot catalog pages
# (0 turns it off: every hit then reads the page from the shared cache).
PANIER_PAGE_MEMORY_MB = env.float("PANIER_PAGE_MEMORY_MB", default=16)
# How long a shared cache (CDN, nginx proxy_cache) may serve a page before
# revalidating it with its ETag.
PANIER_SHARED_CACHE_S = env.int("PANIER_SHARED_CACHE_S", default=2)

# Render the invoice PDF in the request that confirms a payment (after
# commit). Rendering takes 0.1-0.3 s of CPU, which caps the orders a web
# worker confirms per second: busy shops set this to 0 and run
# `panier invoices render` every minute (PDFs also render on first download).
PANIER_INVOICE_PDF_ON_PAYMENT = env.bool("PANIER_INVOICE_PDF_ON_PAYMENT", default=True)
# Send the order confirmation e-mail and render the invoice PDF (if the
# setting above is on) in a background task instead of the customer's
# request. The task is queued in the payment's own transaction, so it is
# never lost; it needs a running `panier db_worker`.
PANIER_ORDER_FOLLOWUP_DEFERRED = env.bool("PANIER_ORDER_FOLLOWUP_DEFERRED", default=False)

# Payments: the sandbox provider's knobs, weighed goods, SCA, reconciliation.
# Where the sandbox sends its signed notifications (empty: they wait in its
# outbox for `panier payments deliver-webhooks --url ...`).
PANIER_SANDBOX_WEBHOOK_URL = env.str("PANIER_SANDBOX_WEBHOOK_URL", default="")
# Send every notification this many times (2 shows duplicates are harmless).
PANIER_SANDBOX_WEBHOOK_COPIES = env.int("PANIER_SANDBOX_WEBHOOK_COPIES", default=1)
# Notifications older (or newer) than this are refused as replays.
PANIER_SANDBOX_WEBHOOK_TOLERANCE_S = env.int("PANIER_SANDBOX_WEBHOOK_TOLERANCE_S", default=300)
# The timeout test card 4000 0000 0000 0119 is answered after this delay.
PANIER_SANDBOX_TIMEOUT_SETTLE_S = env.int("PANIER_SANDBOX_TIMEOUT_SETTLE_S", default=120)
# Orders with goods sold by weight authorise their weighed lines plus this margin.
PANIER_WEIGHT_MARGIN_PERCENT = env.int("PANIER_WEIGHT_MARGIN_PERCENT", default=15)
# The provider's fraud rate for remote card payments, in parts per million
# (1300 = 0.13 %); empty: unknown, so no transaction-risk-analysis exemption.
PANIER_PAYMENT_FRAUD_RATE_PPM = env.int("PANIER_PAYMENT_FRAUD_RATE_PPM", default=None)
# Ask for the low-value exemption (RTS art. 16) on small payments.
PANIER_PAYMENT_REQUEST_LOW_VALUE = env.bool("PANIER_PAYMENT_REQUEST_LOW_VALUE", default=True)
# Payments still pending after this many minutes are settled by reconciliation.
PANIER_RECONCILE_AFTER_MIN = env.int("PANIER_RECONCILE_AFTER_MIN", default=10)
# Accounts: Argon2 first (older hashes are upgraded at the next log-in),
# TOTP two-factor authentication (django-otp), e-mail confirmation links
# and log-in throttling (counters in the cache: Redis when REDIS_URL is set).
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
_AUTH_MIDDLEWARE = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
MIDDLEWARE[_AUTH_MIDDLEWARE + 1 : _AUTH_MIDDLEWARE + 1] = [
    "django_otp.middleware.OTPMiddleware",
    "panier.accounts.middleware.TwoFactorMiddleware",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
OTP_TOTP_ISSUER = env.str("PANIER_OTP_ISSUER", default="Panier")
PANIER_EMAIL_VERIFY_MAX_AGE_S = env.int("PANIER_EMAIL_VERIFY_MAX_AGE_S", default=3 * 86400)
PANIER_LOGIN_MAX_FAILURES_ACCOUNT = env.int("PANIER_LOGIN_MAX_FAILURES_ACCOUNT", default=5)
PANIER_LOGIN_MAX_FAILURES_IP = env.int("PANIER_LOGIN_MAX_FAILURES_IP", default=30)
PANIER_LOGIN_WINDOW_S = env.int("PANIER_LOGIN_WINDOW_S", default=15 * 60)
PANIER_LOGIN_LOCKOUT_S = env.int("PANIER_LOGIN_LOCKOUT_S", default=15 * 60)
# Map tiles drawn under the SVG map of the rounds page, as a {z}/{x}/{y}
# template (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png, or a tile
# server of your own); empty: the map is drawn without tiles.
PANIER_MAP_TILE_URL = env.str("PANIER_MAP_TILE_URL", default="")
# Wall-time budget of one VROOM planning run, in seconds: the search stops
# there and keeps the best rounds found (see docs/performance.md).
PANIER_ROUNDS_TIME_BUDGET_S = env.float("PANIER_ROUNDS_TIME_BUDGET_S", default=3.0)
# --- Security headers and cookies (README, "Privacy and security") ---------
# Only first-party resources: no CDN, no analytics, no web fonts from
# elsewhere, no inline scripts. Static files carry every script and style;
# the one inline style block allowed is that of the tiny pages served under
# load, by its hash.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, _TRAFFIC_STYLE_SOURCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        # No form-action: a payment provider's hosted page is reached by a
        # redirect after the checkout form, which form-action would block.
    },
}
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG and env.bool("SESSION_COOKIE_SECURE", default=True)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Uploaded images: larger files or pictures are refused (panier.core.images);
# Pillow itself refuses anything above about 89 megapixels.
PANIER_UPLOAD_MAX_BYTES = env.int("PANIER_UPLOAD_MAX_BYTES", default=8 * 1024 * 1024)
PANIER_UPLOAD_MAX_PIXELS = env.int("PANIER_UPLOAD_MAX_PIXELS", default=60_000_000)


def _production_secrets() -> None:
    """Refuse to start a production site with a secret missing or left at
    the example value of .env.example."""
    problems = []
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("replace-me", "django-insecure")):
        problems.append("SECRET_KEY must be at least 50 random characters")
    if EMAIL_HOST and EMAIL_HOST_USER and not EMAIL_HOST_PASSWORD:
        problems.append("EMAIL_HOST_PASSWORD must be set with EMAIL_HOST_USER")
    for name in ("DATABASE_URL", "EMAIL_HOST_PASSWORD", "REDIS_URL"):
        if "change-this-password" in env.str(name, default=""):
            problems.append(f"{name} still holds the example password of .env.example")
    if problems:
        raise ImproperlyConfigured("; ".join(problems) + ".")


if PANIER_PRODUCTION:
    _production_secrets()
# Audit log and GDPR tools (docs/privacy.md). The audit chains are keyed
# with PANIER_AUDIT_KEY (default: derived from SECRET_KEY; changing it
# makes `panier audit verify` fail for the entries written before).
PANIER_AUDIT_KEY = env.str("PANIER_AUDIT_KEY", default="")
PANIER_EXPORT_MAX_ROWS_PER_USER_DAY = env.int("PANIER_EXPORT_MAX_ROWS_PER_USER_DAY", default=5000)
PANIER_EXPORT_MAX_ROWS_PER_HUB_DAY = env.int("PANIER_EXPORT_MAX_ROWS_PER_HUB_DAY", default=20000)
PANIER_EXPORT_ALERT_ROWS = env.int("PANIER_EXPORT_ALERT_ROWS", default=1000)
# Hub-local night hours as "start-end" (e.g. 22-6); exports then alert the owner.
PANIER_EXPORT_NIGHT_HOURS = tuple(
    int(h) for h in env.str("PANIER_EXPORT_NIGHT_HOURS", default="22-6").split("-", 1)
)
PANIER_RETENTION_CUSTOMER_DAYS = env.int("PANIER_RETENTION_CUSTOMER_DAYS", default=3 * 365)
PANIER_RETENTION_PROSPECT_DAYS = env.int("PANIER_RETENTION_PROSPECT_DAYS", default=3 * 365)
PANIER_RETENTION_AUDIT_DAYS = env.int("PANIER_RETENTION_AUDIT_DAYS", default=365)
PANIER_CONSENT_TEXT_VERSION = env.str("PANIER_CONSENT_TEXT_VERSION", default="2026-11")

# Card payment providers (hosted pages only: card data never reaches Panier).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
MOLLIE_API_KEY = env.str("MOLLIE_API_KEY", default="")
MOLLIE_API_BASE = env.str("MOLLIE_API_BASE", default="https://api.mollie.com")
# Seconds to wait for a provider's answer before treating the call as failed.
PANIER_PAYMENT_TIMEOUT_S = env.float("PANIER_PAYMENT_TIMEOUT_S", default=20.0)
# --- Geocoding at checkout (panier.checkout) -------------------------------
# Seconds the web checkout waits for the address service (PANIER_GEOCODER_URL)
# when the hub has polygon or radius zones; past it, postal codes decide.
PANIER_CHECKOUT_GEOCODE_TIMEOUT_S = env.float("PANIER_CHECKOUT_GEOCODE_TIMEOUT_S", default=2.0)
# --- VAT numbers of business customers (panier.tax.vat_numbers) -------------
# The VIES REST service that confirms EU VAT numbers, e.g.
# https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number;
# empty: numbers are checked for format only and VAT is charged.
PANIER_VIES_URL = env.str("PANIER_VIES_URL", default="")
# Seconds the checkout waits for VIES; past it, VAT is charged.
PANIER_VIES_TIMEOUT_S = env.float("PANIER_VIES_TIMEOUT_S", default=4.0)

# --- Place of taxation of distance sales (panier.checkout.taxation) ----------
