"""
Admin login throttling: a user name is locked out from one client address, the
address is read correctly behind the configured proxies (and only then from
X-Forwarded-For), and the lockout page says how long to wait.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from .factories import make_editor

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
STRANGER = "203.0.113.5"
EDITOR = "198.51.100.7"
PASSWORD = "right-password-123"


@pytest.fixture
def alice():
    return make_editor(username="alice", password=PASSWORD)


def log_in(password, *, remote=PROXY, forwarded=None, username="alice"):
    """One POST to the admin login, as a fresh browser from ``remote`` (X-Forwarded-For: ``forwarded``)."""
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client(raise_request_exception=False)
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        **headers,
    )


def lock_out(**where):
    for _ in range(5):
        response = log_in("wrong", **where)
        assert response.status_code in {200, 429}
    assert log_in("wrong", **where).status_code == 429


def test_a_stranger_behind_the_proxy_does_not_lock_out_an_editor_elsewhere(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    lock_out(forwarded=STRANGER)

    # The stranger stays locked out; the editor, through the same proxy, logs in.
    assert log_in(PASSWORD, forwarded=STRANGER).status_code == 429
    response = log_in(PASSWORD, forwarded=EDITOR)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


def test_addresses_a_client_writes_into_x_forwarded_for_are_not_believed(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    # The stranger claims the editor's address; the proxy appends the real one.
    lock_out(forwarded=f"{EDITOR}, {STRANGER}")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert log_in(PASSWORD, forwarded=EDITOR).status_code == 302


def test_two_proxies_take_the_address_the_outer_one_saw(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 2
    lock_out(forwarded=f"192.0.2.1, {STRANGER}, 10.0.0.1")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert log_in(PASSWORD, forwarded=f"{EDITOR}, 10.0.0.1").status_code == 302


def test_without_a_configured_proxy_x_forwarded_for_is_ignored(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 0
    # A new made-up address on every attempt does not escape the lockout...
    for n in range(5):
        log_in("wrong", remote=STRANGER, forwarded=f"192.0.2.{n}")
    assert log_in("wrong", remote=STRANGER, forwarded="192.0.2.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    # ...and claiming the editor's address does not lock her out.
    assert log_in(PASSWORD, remote=EDITOR).status_code == 302


def test_a_request_that_skipped_a_proxy_is_judged_by_its_peer(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 2
    lock_out(remote=STRANGER, forwarded=EDITOR)  # one entry where two proxies add two

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


def test_the_lockout_page_says_how_long_to_wait_in_words_and_retry_after(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    lock_out(forwarded=STRANGER)

    response = log_in("wrong", forwarded=STRANGER)

    assert response.status_code == 429
    assert abs(int(response["Retry-After"]) - 15 * 60) <= 2
    text = response.content.decode()
    assert "Try again in 15 minutes" in text
    assert "locked" in text.lower()
    assert "Traceback" not in text


def test_the_right_password_from_the_locked_address_still_gets_the_wait(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    lock_out(forwarded=STRANGER)

    response = log_in(PASSWORD, forwarded=STRANGER)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Try again in" in response.content.decode()


def test_retry_after_counts_down_from_the_latest_failure(settings, alice):
    settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    lock_out(remote=STRANGER)
    # Ten minutes ago, as far as the lock is concerned.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=10)
    )

    response = log_in("wrong", remote=STRANGER)

    assert response.status_code == 429
    assert abs(int(response["Retry-After"]) - 5 * 60) <= 2
    assert "Try again in 5 minutes" in response.content.decode()
