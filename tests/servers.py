"""
The site as it runs in production, for the tests and the benchmark (``bench/``):
scratch databases, ``manage.py`` and gunicorn in child processes, plain HTTP.

Everything here is aimed at 127.0.0.1 only. ``HARNESS_PORTS=first-last`` keeps
the servers on a range of ports (so runs side by side on one machine never
meet); otherwise the system picks free ones.
"""

import contextlib
import http.client
import itertools
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"

# What a test run or a shell sets for itself, and a child site must not inherit:
# every setting that matters is passed to it explicitly.
_NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "CACHE_DIR",
    "DJANGO_ENV",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests only
    "PORT",
    "BIND",
    "WEB_CONCURRENCY",
    "STATIC_ROOT",
}


def site_env(**settings):
    """
    The environment a child process of the site runs in: this one without the
    settings of the test run, the real settings module, plus ``settings``
    (values made strings).
    """
    env = {key: value for key, value in os.environ.items() if key not in _NOT_INHERITED}
    env["DJANGO_SETTINGS_MODULE"] = "milcoop_site.settings"
    env["PYTHONUNBUFFERED"] = "1"
    env.update({key: str(value) for key, value in settings.items()})
    return env


def manage(*args, env, check=False, timeout=600):
    """
    ``manage.py <args>`` in a child process: the CompletedProcess, output captured
    as text. With ``check``, a failure raises, naming the command and its output.
    """
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result


def collect_static(static_root):
    """collectstatic into ``static_root``, as a deployment does before it starts gunicorn."""
    manage("collectstatic", "--noinput", "-v0", env=site_env(STATIC_ROOT=static_root), check=True)
    return static_root


def migrate_and_import(database, *, env, sources=()):
    """
    ``database`` made afresh and migrated, with ``sources`` (files or folders;
    by default the project's own) imported (``env`` names it).
    """
    database.create()
    manage("migrate", "--noinput", "-v0", env=env, check=True)
    manage("import_sources", "-v0", *map(str, sources), env=env, check=True)
    return database


# --- Ports and HTTP ----------------------------------------------------------------


def port_answers(host, port, timeout=0.3):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _port_is_free(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# Ports are handed out round the range, so a port just given to a server that
# is not listening yet is not given out again at once.
_turns = itertools.count()


def free_port():
    """A loopback port nothing listens on, from HARNESS_PORTS when it is set."""
    ports = os.environ.get("HARNESS_PORTS", "").strip()
    if not ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    first, last = (int(part) for part in ports.split("-"))
    size = last - first + 1
    for _ in range(size):
        port = first + next(_turns) % size
        if _port_is_free(port):
            return port
    raise RuntimeError(f"no free port in HARNESS_PORTS={ports}")


def http_request(base, method, path, *, body=None, headers=None, timeout=15):
    """(status, headers with lower-case names, body text); never follows redirects."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        received = {}
        for name, value in response.getheaders():
            name = name.lower()
            received[name] = f"{received[name]}\n{value}" if name in received else value
        return response.status, received, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


# --- Scratch databases -------------------------------------------------------------


class ScratchDatabase:
    """A database made afresh for one run: a SQLite file, or a PostgreSQL database by URL."""

    def __init__(self, url):
        parts = urlsplit(url)
        self.url = url
        self.is_postgres = parts.scheme in {"postgres", "postgresql", "pgsql"}
        self.sqlite_path = None if self.is_postgres else Path(parts.path)

    @classmethod
    def sqlite(cls, path):
        return cls(f"sqlite:///{Path(path).resolve()}")

    @classmethod
    def postgres(cls, name):
        return cls(f"{POSTGRES_SERVER}/{name}")

    @property
    def name(self):
        return urlsplit(self.url).path.lstrip("/")

    def _maintenance(self):
        import psycopg

        parts = urlsplit(self.url)
        admin_url = parts._replace(scheme="postgresql", path="/postgres").geturl()
        return psycopg.connect(admin_url, autocommit=True)

    def create(self):
        """An empty database under this URL, whatever was there before."""
        self.drop()
        if self.is_postgres:
            with self._maintenance() as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        else:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return self

    def drop(self):
        if not self.is_postgres:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.sqlite_path}{suffix}").unlink(missing_ok=True)
            return
        # The name goes into SQL unquoted by any driver: allow nothing surprising.
        if not re.fullmatch(r"[A-Za-z0-9_]+", self.name):
            raise ValueError(f"refusing database name {self.name!r}: letters, digits, _ only")
        with self._maintenance() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql, *params):
        """Rows of one query, straight from the database (not through the site)."""
        if self.is_postgres:
            import psycopg

            parts = urlsplit(self.url)._replace(scheme="postgresql")
            with psycopg.connect(parts.geturl()) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        with sqlite3.connect(self.sqlite_path) as conn:
            return conn.execute(sql, params).fetchall()

    def describe(self):
        if not self.is_postgres:
            path = self.sqlite_path
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            return f"SQLite {sqlite3.sqlite_version} (WAL), {shown}"
        import psycopg

        with psycopg.connect(urlsplit(self.url)._replace(scheme="postgresql").geturl()) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version} on {urlsplit(self.url).hostname}"


def postgres_answers():
    return port_answers("127.0.0.1", 5432)


def redis_answers():
    return port_answers("127.0.0.1", 6379)


# --- gunicorn ------------------------------------------------------------------------


def read_status(pid, fields=("VmHWM", "VmRSS")):
    """Fields of /proc/<pid>/status in kB, or None if the process is gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in fields:
                    values[name] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return values


def children(pid):
    """Direct children of a process, from /proc (no psutil)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


class Gunicorn:
    """
    One gunicorn master with the project's gunicorn.conf.py on 127.0.0.1:<port>,
    in ``env`` (see ``site_env``). Ready once every worker is up and /healthz
    answers (whatever it says: a test may start the site without its database).
    Keeps the peak memory of its workers.
    """

    def __init__(self, *, env, workers=2, log_path, port=None, name="gunicorn"):
        self.env = env
        self.port = port or free_port()
        self.workers = workers
        self.log_path = Path(log_path)
        self.name = name
        self.process = None
        self.peaks = {}  # worker pid -> peak VmHWM in kB
        self.first_seen = {}  # worker pid -> time.monotonic() it was first seen
        self._stop_polling = threading.Event()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    url = base_url

    def command(self):
        # Command-line settings win over the config file's.
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(GUNICORN_CONFIG),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "milcoop_site.wsgi",
        ]

    def start(self, timeout=60):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # stop() ends the master and its workers together
            )
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start:\n{self.log()[-5000:]}")
            time.sleep(0.1)
        self.sample_memory()
        threading.Thread(target=self._poll_memory, daemon=True).start()
        return self

    def _ready(self):
        if len(self.worker_pids()) < self.workers:
            return False
        try:
            self.get("/healthz", timeout=5)
        except OSError:
            return False
        return True

    def get(self, path, **kwargs):
        """(status, headers, body) of a GET, see ``http_request``."""
        return http_request(self.base_url, "GET", path, **kwargs)

    def log(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def worker_pids(self):
        return children(self.process.pid) if self.process else []

    def _poll_memory(self):
        while not self._stop_polling.wait(0.25):
            self.sample_memory()

    def sample_memory(self):
        now = time.monotonic()
        for pid in self.worker_pids():
            self.first_seen.setdefault(pid, now)
            status = read_status(pid)
            if status and "VmHWM" in status:
                self.peaks[pid] = max(self.peaks.get(pid, 0), status["VmHWM"])

    def stop(self):
        self._stop_polling.set()
        if self.process is None or self.process.poll() is not None:
            return
        self.sample_memory()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --- Sites of several processes (tests/test_scaleout*.py) ----------------------------


@contextlib.contextmanager
def embedded_site(directory, *, static_root, sources=()):
    """
    The sources imported into a SQLite file under ``directory``, served by two
    gunicorn workers with no REDIS_URL, as `make serve` runs the site (whose
    workers answer with X-Worker-Pid, see tests/worker_settings.py).
    Yields (server, database, env).
    """
    directory = Path(directory)
    database = ScratchDatabase.sqlite(directory / "site.sqlite3")
    env = site_env(
        DATABASE_URL=database.url,
        CACHE_DIR=directory / "cache",
        STATIC_ROOT=static_root,
        DJANGO_SETTINGS_MODULE="tests.worker_settings",
    )
    migrate_and_import(database, env=env, sources=sources)
    with Gunicorn(env=env, workers=2, log_path=directory / "gunicorn.log") as server:
        yield server, database, env


@contextlib.contextmanager
def shared_site(
    directory, *, static_root, database_name, redis_url, settings_module=None, sources=()
):
    """
    A scratch PostgreSQL database with the sources imported, a local editor,
    and two instances ("a" and "b", two workers each) sharing it and one Redis
    cache. ``sources`` as for ``migrate_and_import``; ``settings_module``
    instead of the real settings. Yields a dict: a, b, database, password, env.
    """
    directory = Path(directory)
    database = ScratchDatabase.postgres(database_name)
    settings = {"DJANGO_SETTINGS_MODULE": settings_module} if settings_module else {}
    env = site_env(
        DATABASE_URL=database.url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=f"scaleout-{uuid.uuid4().hex[:12]}",
        STATIC_ROOT=static_root,
        **settings,
    )
    try:
        migrate_and_import(database, env=env, sources=sources)
        result = manage("create_local_editor", "--local", env=env, check=True)
        password = re.search(r"^password: (\S+)$", result.stdout, re.M).group(1)
        with (
            Gunicorn(env=env, workers=2, log_path=directory / "a.log", name="a") as a,
            Gunicorn(env=env, workers=2, log_path=directory / "b.log", name="b") as b,
        ):
            yield {"a": a, "b": b, "database": database, "password": password, "env": env}
    finally:
        database.drop()
