"""
Over-long requests: a search longer than the site searches is answered by the
site's own page, saying that only its beginning was searched, in the view and
through gunicorn (whose default limit on the request line is shorter).
"""

from urllib.parse import urlencode

import pytest

from articles.search import MAX_QUERY_LENGTH

from .factories import make_article
from .test_production import (  # noqa: F401 (collected_static and migrated_sqlite are fixtures)
    collected_static,
    gunicorn,
    migrated_sqlite,
)

SHORTENED = f"only its first {MAX_QUERY_LENGTH} were searched"


@pytest.mark.django_db
def test_an_over_long_query_searches_its_beginning_and_says_so(read):
    make_article("Military diplomacy", sections=[{"heading": "Attachés", "body": "Diplomacy."}])

    response = read("/search/", q="diplomacy " * 500)

    assert response.status_code == 200
    text = response.content.decode()
    assert SHORTENED in text
    query = response.context["query"]
    assert len(query) <= MAX_QUERY_LENGTH and set(query.split()) == {"diplomacy"}
    assert response.context["results"].total == 2  # the article and its section
    assert "Attachés" in text


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["diplomacy", "d" * MAX_QUERY_LENGTH, ""])
def test_a_query_within_the_limit_is_not_said_to_be_shortened(read, query):
    response = read("/search/", q=query)

    assert response.status_code == 200
    assert SHORTENED not in response.content.decode()


def test_gunicorn_answers_a_5000_character_search_with_the_site_page(
    tmp_path,
    migrated_sqlite,  # noqa: F811
    collected_static,  # noqa: F811
):
    # The word again and again: what is left after shortening still finds it.
    path = "/search/?" + urlencode({"q": "peacekeeping " * 400})
    assert len(path) > 5000

    with gunicorn(tmp_path, DATABASE_URL=migrated_sqlite, STATIC_ROOT=collected_static) as server:
        status, headers, body = server.get(path)

    assert status == 200, body[:500]
    assert "Request Line is too large" not in body
    assert headers["content-type"].startswith("text/html")
    assert "<h1>Search</h1>" in body
    assert SHORTENED in body
    assert "Nothing found" not in body  # the beginning was searched and found
    assert "<mark>Peacekeeping</mark>" in body or "<mark>peacekeeping</mark>" in body
