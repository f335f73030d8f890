"""`make serve`'s last words: the local editor's login, right before the server's own lines."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def test_the_login_comes_last_with_the_address(client, capsys):
    call_command("create_local_editor", local=True, site_url="http://127.0.0.1:18450")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    admin, username, password = lines[-3:]
    assert admin == "admin:    http://127.0.0.1:18450/admin/"
    assert username == "username: editor"
    assert password.startswith("password: ")
    assert lines[-4].startswith("site:     http://127.0.0.1:18450/")
    assert "make password" in lines[0]
    secret = password.removeprefix("password: ")
    assert User.objects.get(username="editor").check_password(secret)
    response = client.post("/admin/login/?next=/admin/", {"username": "editor", "password": secret})
    assert response.status_code == 302


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_starts_the_server_right_after_printing_the_login():
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "serve", "BIND=127.0.0.1:18451"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    commands = [line for line in result.stdout.splitlines() if line.strip()]
    assert "create_local_editor --local --site-url http://127.0.0.1:18451/" in commands[-2]
    assert "gunicorn" in commands[-1] and "--log-level warning" in commands[-1]
    for target in ("dev", "password"):
        dry = subprocess.run(
            ["make", "--no-print-directory", "-n", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "create_local_editor --local" in dry.stdout
