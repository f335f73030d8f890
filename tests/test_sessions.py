"""Editors stay logged in while the shared cache is down (sessions fall back to the database)."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings

from milcoop_site.sessions import SessionStore
from tests.factories import make_editor

_NOTHING_LISTENS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:6399/0",  # nothing listens here
    "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
}
DEAD_REDIS = {"default": _NOTHING_LISTENS, "versions": _NOTHING_LISTENS}
pytestmark = pytest.mark.django_db


@override_settings(CACHES=DEAD_REDIS, SESSION_ENGINE="milcoop_site.sessions")
def test_a_session_is_saved_and_read_while_the_cache_is_down():
    assert isinstance(caches["default"], RedisCache)
    store = SessionStore()
    store["who"] = "editor"
    store.save()
    again = SessionStore(store.session_key)
    assert again["who"] == "editor"
    assert again.exists(store.session_key)


def test_an_editor_can_use_the_admin_while_the_cache_is_down(client):
    with override_settings(SESSION_ENGINE="milcoop_site.sessions"):
        client.force_login(make_editor())
        with override_settings(CACHES=DEAD_REDIS):
            response = client.get("/admin/articles/article/")
    assert response.status_code == 200
