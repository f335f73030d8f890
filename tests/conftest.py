from pathlib import Path

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import Client

from tests.factories import make_editor

SOURCES_DIR = Path(__file__).resolve().parent.parent / "articles" / "sources" / "texts"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    caches["versions"].clear()  # what a process keeps per version is not carried from test to test
    yield
    cache.clear()


@pytest.fixture
def imported_sources(db):
    """The three source articles, imported and published as `make serve` does."""
    call_command("import_sources", str(SOURCES_DIR), verbosity=0)
    from articles.models import Article

    return list(Article.objects.order_by("source_file"))


@pytest.fixture
def read(client):
    """
    GET as an anonymous reader, never served a page cached before the test
    changed content (in a test transaction the on-commit version bump never runs).
    """

    def get(url, **params):
        cache.clear()
        return client.get(url, params or None)

    return get


@pytest.fixture
def editor(db):
    """A staff user in the Editors group (not a superuser)."""
    return make_editor()


@pytest.fixture
def editor_client(editor):
    """A browser-like client logged in as ``editor``."""
    client = Client()
    client.force_login(editor)
    return client
