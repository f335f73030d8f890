"""
Gunicorn settings for milcoop_site: `gunicorn -c gunicorn.conf.py milcoop_site.wsgi`.

Everything an operator may change comes from the environment:
PORT or BIND, WEB_CONCURRENCY, GUNICORN_THREADS, GUNICORN_TIMEOUT,
GUNICORN_MAX_REQUESTS, GUNICORN_ACCESS_LOG ("-" for stdout, "" to turn off).
"""

import multiprocessing
import os


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where to listen: BIND wins, then PORT (as platforms set it), else loopback
# only, behind a reverse proxy that terminates TLS.
if os.environ.get("BIND", "").strip():
    bind = [address.strip() for address in os.environ["BIND"].split(",") if address.strip()]
elif os.environ.get("PORT", "").strip():
    bind = [f"0.0.0.0:{os.environ['PORT'].strip()}"]
else:
    bind = ["127.0.0.1:8000"]

# Sync workers: the work is database reads and template rendering. The usual
# 2 × cores + 1, capped so a large machine does not open too many database
# connections (each worker keeps one for CONN_MAX_AGE seconds).
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then (jittered, so they do not all restart at once):
# bounds the damage of any slow memory growth.
# At hundreds of requests a second, 1,000 would restart a worker every few
# seconds, emptying its local page cache each time; 20,000 still bounds any leak.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# Each worker imports the app itself: a code reload (HUP) picks up new code,
# and no database connection is ever shared across a fork.
preload_app = False

# The longest request line (method, address with its query, protocol) served:
# gunicorn's own maximum, as long as a default nginx accepts (8 KiB). Under
# the default (4,094 bytes) a long search typed into an address bar got
# gunicorn's bare "Request Line is too large" instead of the site's page.
limit_request_line = 8190

# Trust X-Forwarded-* only from the local reverse proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# One JSON line per request on stdout: method, path, status, duration, cache.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = (
    '{"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
    '"query": "%(q)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"cache": "%({x-cache}o)s", "referer": "%(f)s", "user_agent": "%(a)s"}'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
