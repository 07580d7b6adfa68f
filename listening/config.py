"""Settings, read from the environment with safe defaults for one machine."""

import os


class Config:
    """The embedded default: SQLite in the instance folder, one process."""

    #: signs cookies; unset, a random one is made and kept in the instance folder (never a
    #: value known from this code), and `listening serve` refuses to listen beyond loopback
    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: None means SQLite in the instance folder (set in the factory, which knows where that is)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    #: Redis URL for Flask-SocketIO's message queue when several processes serve one site
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE")
    #: how many people a room may hold
    ROOM_CAP = int(os.environ.get("LISTENING_ROOM_CAP", "8"))
    #: how long a room waits for a speaker who is not connected when their turn comes
    AWAY_WAIT_SECONDS = float(os.environ.get("LISTENING_AWAY_WAIT_SECONDS", "10"))
    #: how much the host's "+30 s" adds
    EXTEND_SECONDS = 30
    #: the longest the ticker sleeps without looking; it wakes at each room's deadline, and at
    #: once when a change sets a nearer one, so this only bounds how late it notices a stepped
    #: clock (and is the first wait of its backoff while the store fails)
    TICK_SECONDS = float(os.environ.get("LISTENING_TICK_SECONDS", "1.0"))
    #: run the background ticker (tests drive time themselves instead); with several processes
    #: every one may run it: a lease lets one at a time move rooms on
    RUN_TICKER = os.environ.get("LISTENING_RUN_TICKER", "1") != "0"
    #: how often a web process says it is alive and mends its list of screens in the store
    HEARTBEAT_SECONDS = float(os.environ.get("LISTENING_HEARTBEAT_SECONDS", "5"))
    #: a process silent this long is given up for dead: its screens stop counting as connected
    PROCESS_TIMEOUT_SECONDS = float(os.environ.get("LISTENING_PROCESS_TIMEOUT_SECONDS", "15"))
    #: how many shares the ticker's work is split into, by room: several processes then move
    #: rooms on side by side, each holding about as many shares as the others (1: one ticker)
    TICKER_SHARES = int(os.environ.get("LISTENING_TICKER_SHARES", "1"))
    #: how long the ticker's lease lasts unrenewed: another process takes over within this
    LEASE_SECONDS = float(os.environ.get("LISTENING_LEASE_SECONDS", "5"))
    #: load Alembic for ``flask db …`` and upgrades (``serve`` upgrades in a child process and
    #: serves without it)
    SCHEMA_TOOLS = True
    #: let sessions be created with turns shorter than 30 s (for rehearsals and live tests)
    ALLOW_SHORT_TURNS = os.environ.get("LISTENING_ALLOW_SHORT_TURNS") == "1"
    #: Socket.IO async mode inside the app; the server entry point sets eventlet or gevent
    ASYNC_MODE = "threading"
    #: refuse request bodies larger than this (names, titles and prompts are small)
    MAX_CONTENT_LENGTH = 64 * 1024
    #: the most people one session may have (a room each 8, so 25 rooms); stops a link flood
    MAX_PEOPLE = int(os.environ.get("LISTENING_MAX_PEOPLE", "200"))
    #: ended sessions are deleted this many days after they ended; their counts stay
    KEEP_DAYS = float(os.environ.get("LISTENING_KEEP_DAYS", "90"))
    #: sessions still open this many hours after they were created (or scheduled to start)
    #: are ended, erasing names
    STALE_AFTER_HOURS = float(os.environ.get("LISTENING_STALE_AFTER_HOURS", "12"))
    #: the address people reach the site at, for links and QR codes (https://listen.example.org)
    PUBLIC_URL = os.environ.get("LISTENING_PUBLIC_URL")
    #: the sign-in cookie: never readable by scripts, not sent with other sites' requests, and
    #: only over HTTPS when the site is served over HTTPS
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = (PUBLIC_URL or "").startswith("https://")
    SESSION_COOKIE_NAME = "listening_signed_in"
    #: how many proxies in front of the server to trust for X-Forwarded-For/-Proto/-Host
    TRUSTED_PROXIES = int(os.environ.get("LISTENING_TRUSTED_PROXIES", "0"))
    #: per-address limits: creating sessions, joining one, and opening a live connection. A
    #: hospital's staff may share one address, so these allow a whole session arriving at once.
    LIMIT_CREATE = os.environ.get("LISTENING_LIMIT_CREATE", "20 per hour")
    LIMIT_JOIN = os.environ.get("LISTENING_LIMIT_JOIN", "60 per minute")
    LIMIT_CONNECT = os.environ.get("LISTENING_LIMIT_CONNECT", "300 per minute")
    LIMIT_SIGN_IN = os.environ.get("LISTENING_LIMIT_SIGN_IN", "10 per minute")
    #: addresses the limits do not apply to: this machine (rehearsals, monitors). Behind a proxy,
    #: set LISTENING_TRUSTED_PROXIES so clients are told apart rather than all seen as the proxy.
    LIMIT_EXEMPT = os.environ.get("LISTENING_LIMIT_EXEMPT", "127.0.0.1,::1")
    RATELIMIT_ENABLED = os.environ.get("LISTENING_RATE_LIMITS", "on") != "off"
    RATELIMIT_STORAGE_URI = os.environ.get("LISTENING_RATE_LIMIT_STORAGE", "memory://")
    #: while shared storage (Redis) is away, count in this process rather than fail requests
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: people whose last screen goes within this many seconds are marked away together
    PRESENCE_COALESCE_SECONDS = float(os.environ.get("LISTENING_PRESENCE_COALESCE_SECONDS", "0.2"))
    #: a lobby that keeps changing (a storm of joins) is sent at most this often, in seconds
    #: the ICE servers browsers use for voice, as JSON ([{"urls": "stun:…"}, {"urls": "turn:…"}]);
    #: none: host candidates only, enough on one machine or a LAN
    ICE_SERVERS = os.environ.get("LISTENING_ICE_SERVERS", "")
    #: coturn's static-auth-secret: TURN servers get credentials derived from it (REST convention)
    TURN_SECRET = os.environ.get("LISTENING_TURN_SECRET", "")
    #: how long those credentials last
    TURN_TTL_SECONDS = int(os.environ.get("LISTENING_TURN_TTL_SECONDS", str(12 * 3600)))
    #: how many signalling messages one connection may send in a burst, and per second after
    SIGNAL_BURST = int(os.environ.get("LISTENING_SIGNAL_BURST", "200"))
    SIGNAL_RATE = float(os.environ.get("LISTENING_SIGNAL_RATE", "20"))
    #: how long after a session ends "Did you feel heard?" may be answered; its answers are
    #: counted on the coordinators' page only after that, all at once, so none can be told apart
    HEARD_WINDOW_SECONDS = float(os.environ.get("LISTENING_HEARD_WINDOW_SECONDS", "3600"))
    LOBBY_COALESCE_SECONDS = float(os.environ.get("LISTENING_LOBBY_COALESCE_SECONDS", "0.5"))
    #: the most connections the server holds at once (screens, page loads and idle sockets)
    MAX_CONNECTIONS = int(os.environ.get("LISTENING_MAX_CONNECTIONS", "5000"))
    #: the most connections one address may hold; a hospital's staff may share one address,
    #: so this is generous (behind a proxy, set LISTENING_TRUSTED_PROXIES and limit there)
    CONNECTIONS_PER_ADDRESS = int(os.environ.get("LISTENING_CONNECTIONS_PER_ADDRESS", "500"))
    #: seconds a connection may sit without sending a request, or between keep-alive requests
    IDLE_SECONDS = float(os.environ.get("LISTENING_IDLE_SECONDS", "30"))
    #: how long SQLite itself waits for another writer's lock before the app retries (seconds)
    SQLITE_BUSY_SECONDS = float(os.environ.get("LISTENING_SQLITE_BUSY_SECONDS", "0.05"))
