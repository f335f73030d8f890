"""
Production behaviour: /healthz, `check --deploy`, security headers, login
lockout, error pages without tracebacks, a 503 when the database is gone and
recovery when it returns, and the real thing under gunicorn.

Child processes and gunicorn come from tests/servers.py.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from unittest import mock

import pytest
from django.conf import settings as site_settings
from django.contrib.messages.middleware import MessageMiddleware
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from . import servers
from .factories import make_article, make_editor
from .servers import Gunicorn, ScratchDatabase, free_port, site_env

STRONG_SECRET = "k3J9v!x2Q#p8Lr6Zt0Wm4Yc7Hb1Nf5Sd9Ga2Ue8Io3Py6Tq0Rw4Ez7Xs1Vj5Bn9Mh"


def manage(*args, **env):
    return servers.manage(*args, env=site_env(**env), timeout=180)


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """collectstatic into a scratch STATIC_ROOT, as a deployment does before starting gunicorn."""
    return servers.collect_static(tmp_path_factory.mktemp("static"))


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite database file with the sources, for the gunicorn tests."""
    database = ScratchDatabase.sqlite(tmp_path_factory.mktemp("db") / "site.sqlite3")
    return servers.migrate_and_import(database, env=site_env(DATABASE_URL=database.url)).url


@contextlib.contextmanager
def gunicorn(tmp_path, **env):
    """One gunicorn worker in ``env``, with a scratch cache directory."""
    env = site_env(CACHE_DIR=tmp_path / "cache", **env)
    with Gunicorn(env=env, workers=1, log_path=tmp_path / "gunicorn.log") as server:
        yield server


# --- Test pages ------------------------------------------------------------------------


def broken_view(request):
    raise ValueError("SECRET-DETAIL: something went wrong deep inside")


def database_gone_view(request):
    raise OperationalError("could not connect to server: Connection refused")


def plain_view(request):
    return HttpResponse("<!DOCTYPE html><title>ok</title><p>ok</p>")


urlpatterns = [
    path("broken/", broken_view),
    path("database-gone/", database_gone_view),
    path("plain/", plain_view),
    path("", include("milcoop_site.urls")),
]


# --- /healthz --------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert not response.has_header("X-Cache")


@pytest.mark.django_db
def test_healthz_is_503_naming_the_database_when_it_fails(client):
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_naming_the_cache_when_it_fails(client, settings):
    settings.CACHE_RETRY_SECONDS = 0
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6399/0",  # nothing listens here
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    with override_settings(CACHES={"default": redis, "versions": redis}):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "unavailable"}


@pytest.mark.django_db
def test_healthz_is_503_when_only_the_content_version_cannot_be_kept(client, tmp_path):
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    caches = {
        **site_settings.CACHES,
        "versions": {
            "BACKEND": "articles.caching.backends.SymlinkCache",
            "LOCATION": not_a_directory / "versions",
            "TIMEOUT": None,
        },
    }
    with override_settings(CACHES=caches):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "unavailable"}


# --- Configuration ------------------------------------------------------------------


PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": STRONG_SECRET,
    "ALLOWED_HOSTS": "milcoop.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://milcoop.example.org",
}


def test_check_deploy_reports_nothing_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_is_clean_with_debug_off_and_https_on_too():
    env = {"SECRET_KEY": STRONG_SECRET, "ALLOWED_HOSTS": "milcoop.example.org", "USE_HTTPS": "1"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SECRET_KEY", "SECRET_KEY must be set"), ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set")],
)
def test_production_refuses_to_start_without_required_settings(missing, message):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_refuses_debug():
    result = manage("check", DEBUG="1", **PRODUCTION_ENV)
    assert result.returncode != 0 and "DEBUG must be off" in result.stderr


def test_postgres_connections_are_persistent_and_health_checked():
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d['OPTIONS']['connect_timeout'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=servers.ROOT,
        env=site_env(DATABASE_URL="postgres://postgres@127.0.0.1:5432/milcoop"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["60", "True", "5"], result.stderr


# --- Security headers, lockout, error pages ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tests.test_production")
@pytest.mark.parametrize("repeat", [1, 2], ids=["fresh", "from-cache"])
def test_security_headers_on_public_pages(client, repeat):
    make_article("Defence attaché networks")
    for _ in range(repeat):
        response = client.get("/plain/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_security_headers_on_the_home_page(client):
    make_article("Defence attaché networks")
    response = client.get("/")
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_sixth_wrong_password_is_locked_out_with_a_clear_page(settings):
    # AXES_FAILURE_LIMIT = 5: the fifth failure locks the account, so the
    # sixth attempt meets the lockout page (not a 500, not the form again).
    assert settings.AXES_FAILURE_LIMIT == 5
    make_editor(username="alice", password="right-password-123")
    client = Client(raise_request_exception=False)

    def attempt(password):
        return client.post(
            "/admin/login/?next=/admin/", {"username": "alice", "password": password}
        )

    for _ in range(4):
        response = attempt("wrong")
        assert response.status_code == 200  # the login form again, with an error
        assert "correct username and password" in response.content.decode()
    attempt("wrong")
    response = attempt("wrong")
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower()
    # Even the right password is refused during the cool-off.
    assert attempt("right-password-123").status_code == 429


@pytest.mark.django_db
@pytest.mark.urls("tests.test_production")
def test_an_error_shows_the_500_page_without_details(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "SECRET-DETAIL" not in body
    assert "Traceback" not in body and "SECRET_KEY" not in body and "settings" not in body.lower()


# --- The database going away --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tests.test_production")
def test_database_error_in_a_view_is_a_plain_503():
    response = Client(raise_request_exception=False).get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Temporarily unavailable" in body
    assert "Traceback" not in body and "Connection refused" not in body


@pytest.mark.django_db
def test_database_error_on_a_real_page_is_a_503(client):
    make_article("Defence attaché networks")
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("gone")):
        response = Client(raise_request_exception=False).get("/articles/")
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()
    # And the page works again once the database answers.
    assert client.get("/articles/").status_code == 200


@pytest.mark.django_db
def test_a_reader_with_a_session_cookie_gets_the_503_page_when_the_database_is_gone():
    make_article("Defence attaché networks")
    reader = Client(raise_request_exception=False)
    reader.cookies[site_settings.SESSION_COOKIE_NAME] = "a-session-from-yesterday"
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("gone")):
        response = reader.get("/articles/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Temporarily unavailable" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.test_production")
def test_database_error_outside_a_view_is_a_503_too(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(MessageMiddleware, "process_response", fail)
    response = Client(raise_request_exception=False).get("/plain/")
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()


# --- Under gunicorn ---------------------------------------------------------------------------


def test_gunicorn_serves_pages_static_files_health_and_logs_each_request(
    tmp_path, migrated_sqlite, collected_static
):
    static_root = collected_static
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed_css = manifest["paths"]["admin/css/base.css"]
    assert (static_root / (hashed_css + ".gz")).exists()

    with gunicorn(tmp_path, DATABASE_URL=migrated_sqlite, STATIC_ROOT=static_root) as server:
        status, headers, body = server.get("/")
        assert status == 200, body[:2000]
        assert headers["x-cache"] == "miss"
        status, headers, _ = server.get("/")
        assert status == 200 and headers["x-cache"] == "hit"

        status, headers, body = server.get("/healthz")
        assert status == 200 and json.loads(body) == {"database": "ok", "cache": "ok"}

        status, headers, _ = server.get(
            f"/static/{hashed_css}", headers={"Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert "max-age=315360000" in headers["cache-control"]
        assert "immutable" in headers["cache-control"]
        assert headers.get("content-encoding") == "gzip"
        time.sleep(0.3)  # let the access log reach the file
        log = server.log()

    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    home = [line for line in lines if line["path"] == "/"]
    assert [line["cache"] for line in home] == ["miss", "hit"]
    assert {"method", "path", "status", "duration_ms"} <= set(home[0])
    assert home[0]["method"] == "GET" and home[0]["status"] == 200
    assert isinstance(home[0]["duration_ms"], int)


def test_gunicorn_answers_503_when_the_database_is_unreachable(tmp_path):
    closed = free_port()
    url = f"postgres://postgres@127.0.0.1:{closed}/milcoop"
    with gunicorn(tmp_path, DATABASE_URL=url) as server:
        status, headers, body = server.get("/healthz")
        assert status == 503
        assert json.loads(body) == {"database": "unavailable", "cache": "ok"}
        status, headers, body = server.get("/articles/")
        assert status == 503
        assert headers["retry-after"] == "30"
        assert "Temporarily unavailable" in body and "Traceback" not in body


class TcpProxy:
    """A loopback TCP forwarder that can be cut and restored, to play a database outage."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = free_port()
        self.listener = None
        self.connections = []

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        for sock in self.connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.connections = []

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.mark.skipif(not servers.postgres_answers(), reason="needs PostgreSQL on 127.0.0.1:5432")
def test_site_recovers_by_itself_when_the_database_returns(tmp_path, collected_static):
    database = ScratchDatabase.postgres(f"milcoop_outage_{os.getpid()}").create()
    proxy = TcpProxy(5432)
    try:
        result = manage("migrate", "--noinput", "-v0", DATABASE_URL=database.url)
        assert result.returncode == 0, result.stderr
        proxy.start()
        via_proxy = f"postgres://postgres@127.0.0.1:{proxy.port}/{database.name}"
        with gunicorn(
            tmp_path,
            DATABASE_URL=via_proxy,
            DATABASE_CONNECT_TIMEOUT=2,
            STATIC_ROOT=collected_static,
        ) as server:
            assert server.get("/articles/")[0] == 200
            assert server.get("/healthz")[0] == 200

            proxy.stop()  # the database goes away, connections and all
            # A page already in the cache is still served; any other is a 503.
            assert server.get("/articles/")[0] == 200
            status, headers, body = server.get("/articles/?during-the-outage")
            assert status == 503 and "Temporarily unavailable" in body
            assert server.get("/healthz")[0] == 503

            proxy.start()  # it comes back: no restart of the site
            assert server.get("/articles/?after-the-outage")[0] == 200
            assert json.loads(server.get("/healthz")[2]) == {"database": "ok", "cache": "ok"}
    finally:
        with contextlib.suppress(Exception):
            proxy.stop()
        database.drop()


def test_settings_module_imports_cleanly_under_python_warnings_as_errors():
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "manage.py", "check"],
        cwd=servers.ROOT,
        env=site_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
