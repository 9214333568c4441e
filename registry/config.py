"""Configuration read from the environment.

Development keeps generated secrets in ``instance/`` so that sessions and encrypted
fields survive restarts; production must be given its secrets explicitly.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("REGISTRY_INSTANCE_DIR", PROJECT_ROOT / "instance"))


class ConfigError(RuntimeError):
    """Raised when the application cannot start with the configuration it was given."""


def _persistent_secret(name: str, factory) -> str:
    """Return a secret kept in ``instance/<name>``, creating it on first use."""
    path = INSTANCE_DIR / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    value = factory()
    # Created with owner-only permissions: the file holds a key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def _positive_int(name: str, default: int) -> int:
    """The whole number in the environment variable ``name`` (``default`` when unset)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1.")
    return value


def _whole_number(name: str, default: int) -> int:
    """The whole number, 0 or more, in the environment variable ``name`` (``default`` when unset)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 or more), not {raw!r}.")
    return int(raw)


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "development"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PER_PAGE = 20
    # Forms and JSON bodies are small; imports (later) set their own limit.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # API bodies: larger or more deeply nested JSON is refused (400) before it is parsed.
    JSON_MAX_BYTES = 256 * 1024
    JSON_MAX_DEPTH = 32
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: every limit keeps applying, counted in each worker's memory (so a client
    # gets up to workers × the limit) until Redis answers again; checked with a short timeout
    # so that a Redis that does not answer cannot hold a request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    FORCE_HTTPS = False
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host/-Port/
    # -Prefix (nginx on the same host: 1). 0 trusts none: a client could forge them.
    TRUSTED_PROXY_HOPS = 0
    # The scheme of absolute URLs made outside a request (commands, e-mails); inside one, the
    # request's (the proxy's X-Forwarded-Proto when trusted).
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # werkzeug's scrypt (N=2^15): ~0.15 s a check by design, which is what slows guessing.
    PASSWORD_HASH_METHOD = "scrypt"
    # Who verifies qualifications: regulators; add "assessor" where the regulator delegates.
    QUALIFICATION_VERIFIERS = ("regulator",)
    # Certificate look-ups (page and API together) per client address.
    CERTIFICATE_LOOKUP_LIMIT = "30 per minute"
    # Complaints filed, and tracking look-ups, per client address (no CAPTCHA: a honeypot too).
    COMPLAINT_LIMIT = os.environ.get("COMPLAINT_LIMIT", "5 per hour;20 per day")
    COMPLAINT_TRACK_LIMIT = os.environ.get("COMPLAINT_TRACK_LIMIT", "20 per minute;200 per day")
    # Evaluation and eligibility: thresholds are configuration, not code.
    DEMONSTRATION_MAX_CYCLE_AGE = 1  # the 优秀 evaluation's cycle must be ≥ this year − N
    PRACTICE_BASE_MIN_PRACTITIONERS = 5
    SERIOUS_SANCTION_TYPES = ("suspension", "abnormal_list", "exit", "licence_revocation_referral")
    # Sanctions: appeals within this many days of the decision (行政复议: 60);
    # per-type disclosure rules override registry/sanctions/publication.py's defaults.
    APPEAL_DEADLINE_DAYS = 60
    SANCTION_DISCLOSURE_RULES: dict = {}
    EVALUATION_RATE_TARGET = 0.8  # 社会心理咨询机构评估率 (Yantai plan: 80%)
    DEMONSTRATION_TARGET = 100  # 示范心理咨询机构 (Yantai plan: 100)
    # Regions whose organisations the demo seeder spreads over (烟台, 临沂, 枣庄/滕州, 绵阳).
    DEMO_CITIES = ("370600", "371300", "370400", "510700")
    # Search. The index is written only by ``flask search worker`` (one per index folder),
    # which follows the change log: on PostgreSQL woken by NOTIFY at each commit and reading
    # anyway every SEARCH_WORKER_IDLE_SECONDS, on SQLite reading every
    # SEARCH_WORKER_POLL_SECONDS. Log rows are kept SEARCH_LOG_RETENTION_SECONDS (and until
    # every replica has applied them); a replica silent for longer rebuilds. The replica's
    # name in search_replicas: SEARCH_REPLICA_NAME, default host name and index folder.
    SEARCH_WORKER_POLL_SECONDS = 0.5
    SEARCH_WORKER_IDLE_SECONDS = 10.0
    SEARCH_LOG_RETENTION_SECONDS = 7 * 24 * 3600
    SEARCH_REPLICA_NAME = os.environ.get("SEARCH_REPLICA_NAME") or None
    # How long an index writer (the worker, flask search sync) waits for another one.
    SEARCH_LOCK_WAIT = 0.5
    # Bytes of posting sets, columns and term masks the search engine keeps per process
    # (environment variable of the same name).
    SEARCH_CACHE_BYTES = 256 * 1024 * 1024
    # Test-harness setting, not for installations: apply the log to the index right after
    # each commit, inside the committing process (what the worker would do a moment later),
    # so that a test can search what it has just written. None means "when TESTING";
    # production forces it off: there, requests never write the index.
    SEARCH_APPLY_AFTER_COMMIT = None

    @classmethod
    def from_environment(cls, overrides: dict) -> dict:
        """Settings for this environment; a key given in ``overrides`` is not read at all
        (so tests never create secrets or database files in instance/)."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        readers = {
            "SQLALCHEMY_DATABASE_URI": cls.database_url,
            "SEARCH_INDEX_DIR": lambda: os.environ.get(
                "SEARCH_INDEX_DIR", str(PROJECT_ROOT / "search_index")
            ),
            "SECRET_KEY": cls.secret_key,
            "PII_KEY": cls.pii_key,
            "TRUSTED_PROXY_HOPS": cls.trusted_proxy_hops,
            # Login sessions (ASVS 3.3): refused after this long without a request, and this
            # long after login whatever happens.
            "SESSION_IDLE_MINUTES": lambda: _positive_int("SESSION_IDLE_MINUTES", 30),
            "SESSION_MAX_HOURS": lambda: _positive_int("SESSION_MAX_HOURS", 12),
            "SEARCH_CACHE_BYTES": lambda: _positive_int("SEARCH_CACHE_BYTES",
                                                        cls.SEARCH_CACHE_BYTES),
            # Anonymous public pages and API reads: how long a proxy or browser keeps them
            # (0: revalidate every time), and how long a proxy may serve one stale while it
            # revalidates (registry/http_cache.py).
            "PUBLIC_CACHE_SECONDS": lambda: _whole_number("PUBLIC_CACHE_SECONDS", 60),
            "PUBLIC_CACHE_STALE_SECONDS": lambda: _whole_number("PUBLIC_CACHE_STALE_SECONDS", 300),
            # Public pages drawn from the records alone, kept rendered by each worker: for at
            # most this long (0: not kept), in at most this many bytes (registry/http_cache.py).
            "PAGE_CACHE_SECONDS": lambda: _whole_number("PAGE_CACHE_SECONDS", 60),
            "PAGE_CACHE_BYTES": lambda: _whole_number("PAGE_CACHE_BYTES", 32 * 1024 * 1024),
        }
        for key, read in readers.items():
            if key not in overrides:
                settings[key] = read()
        settings.update(overrides)
        return settings

    @staticmethod
    def database_url() -> str:
        """``DATABASE_URL``, normalised for SQLAlchemy; default an SQLite file in instance/."""
        url = os.environ.get("DATABASE_URL")
        if not url:
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{INSTANCE_DIR / 'registry.sqlite3'}"
        # Hosting platforms hand out postgres:// URLs; we use psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @staticmethod
    def trusted_proxy_hops() -> int:
        """``TRUSTED_PROXY_HOPS``: a whole number from 0 (the default) to 5."""
        raw = os.environ.get("TRUSTED_PROXY_HOPS", "0").strip() or "0"
        if not raw.isascii() or not raw.isdigit() or int(raw) > 5:
            raise ConfigError(f"TRUSTED_PROXY_HOPS must be a whole number from 0 to 5, not {raw!r}.")
        return int(raw)

    @classmethod
    def secret_key(cls) -> str:
        """``SECRET_KEY`` from the environment, else one generated once into instance/."""
        return os.environ.get("SECRET_KEY") or _persistent_secret(
            "secret_key", lambda: secrets.token_hex(32)
        )

    @classmethod
    def pii_key(cls) -> str:
        """Key protecting ID numbers (``PII_KEY``, a Fernet key); generated in development."""
        return os.environ.get("PII_KEY") or _persistent_secret("pii_key", _fernet_key)


class ProductionConfig(Config):
    """Production: secrets must come from the environment, cookies are secure."""

    ENV_NAME = "production"
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = True
    SEARCH_APPLY_AFTER_COMMIT = False  # web workers never write the index

    @classmethod
    def secret_key(cls) -> str:
        value = os.environ.get("SECRET_KEY")
        if not value:
            raise ConfigError("SECRET_KEY must be set in production (REGISTRY_ENV=production).")
        return value

    @classmethod
    def pii_key(cls) -> str:
        value = os.environ.get("PII_KEY")
        if not value:
            raise ConfigError("PII_KEY must be set in production (REGISTRY_ENV=production).")
        return value


def load_settings(overrides: dict | None = None) -> dict:
    """Settings for the environment named by ``REGISTRY_ENV`` (development by default)."""
    env = os.environ.get("REGISTRY_ENV", "development")
    config_class = ProductionConfig if env == "production" else Config
    return config_class.from_environment(overrides or {})
