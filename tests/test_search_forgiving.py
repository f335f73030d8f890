"""
Search that forgives (issue 13, point 7), on whichever database the suite runs
against: other forms of a word (stemming), compounds written with a hyphen,
apart or as one word, and "Did you mean …" from the index's own vocabulary.
"""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from articles import search as search_module
from articles.models import Article
from articles.search import index_size, search
from articles.search.suggest import edit_distance
from articles.search.text import Form, compounds, replace_words, requirements

from .factories import make_article

pytestmark = pytest.mark.django_db


def urls(results):
    return {hit.url for hit in results.hits}


# --- Other forms of a word -------------------------------------------------------------


def test_exercise_and_exercises_find_each_other():
    one = make_article(
        "Drills", summary="A lead.", sections=[{"heading": "Spring", "body": "One exercise."}]
    )
    many = make_article(
        "Manoeuvres",
        summary="A lead.",
        sections=[{"heading": "Autumn", "body": "Three exercises at sea."}],
    )
    expected = {f"{one.get_absolute_url()}#spring", f"{many.get_absolute_url()}#autumn"}

    assert urls(search("exercise")) == expected
    assert urls(search("exercises")) == expected
    # Snippets mark the form the text has, whichever form was typed.
    snippets = {hit.url: str(hit.snippet) for hit in search("exercise").hits}
    assert "<mark>exercises</mark>" in snippets[f"{many.get_absolute_url()}#autumn"]
    assert "<mark>exercise</mark>" in snippets[f"{one.get_absolute_url()}#spring"]


# --- Compounds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["peacekeeping", "peace-keeping", "peace keeping", "Peace-Keeping"]
)
def test_every_spelling_of_a_compound_finds_the_word(query):
    article = make_article(
        "Blue helmets",
        summary="A lead.",
        sections=[{"heading": "Mandates", "body": "UN peacekeeping in Mali."}],
    )

    results = search(query)

    assert urls(results) == {f"{article.get_absolute_url()}#mandates"}
    assert "<mark>peacekeeping</mark>" in results.hits[0].snippet


@pytest.mark.parametrize("query", ["peacekeeping", "peace-keeping", "peace keeping"])
def test_every_spelling_of_a_compound_finds_it_hyphenated(query):
    article = make_article(
        "Blue helmets",
        summary="A lead.",
        sections=[{"heading": "Mandates", "body": "UN peace-keeping in Mali."}],
    )

    assert urls(search(query)) == {f"{article.get_absolute_url()}#mandates"}


def test_a_hyphenated_compound_in_a_heading_or_lead_is_found_as_one_word():
    article = make_article(
        "Blue helmets",
        summary="Peace-keeping, from Suez to Mali.",
        sections=[{"heading": "Cease-fire lines", "body": "Patrols."}],
    )

    assert urls(search("peacekeeping")) == {article.get_absolute_url()}
    assert urls(search("ceasefire")) == {f"{article.get_absolute_url()}#cease-fire-lines"}


def test_a_hyphenated_query_is_a_phrase_not_two_words_anywhere():
    make_article(
        "Elsewhere",
        summary="A lead.",
        sections=[{"heading": "Notes", "body": "Keeping the region at peace."}],
    )

    assert search("peace-keeping").total == 0
    assert search("peace keeping").total == 1  # two words typed apart: both, anywhere


def test_query_forms():
    assert requirements("peace-keeping") == [
        (Form(("peace", "keeping"), True), Form(("peacekeeping",), True))
    ]
    assert requirements("peace keeping") == [
        (Form(("peace",), False), Form(("peacekeeping",), True)),
        (Form(("keeping",), True), Form(("peacekeeping",), True)),
    ]
    # A one-letter word is never joined to its neighbour.
    assert requirements("a symmetric") == [(Form(("a",), False),), (Form(("symmetric",), True),)]
    assert requirements("") == requirements("-- ::") == []
    assert compounds("Peace-keeping and cease\u2011fire; 1990–1995.", "peace-keeping") == (
        "peacekeeping ceasefire"
    )


# --- Did you mean ----------------------------------------------------------------------


def peacekeeping_corpus():
    return make_article(
        "Blue helmets",
        summary="A lead on peacekeeping.",
        sections=[
            {"heading": "Missions", "body": "Peacekeeping missions in Mali."},
            {"heading": "Mandates", "body": "Peacekeeping mandates."},
        ],
    )


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("peacekeping", "peacekeeping"),
        ("Peacekeping", "Peacekeeping"),
        ("peacekeeipng missons", "peacekeeping missions"),
        ("mandtes", "mandates"),
    ],
)
def test_a_misspelling_gets_a_correction_that_finds_results(typed, suggested):
    peacekeeping_corpus()

    results = search(typed)

    assert results.total == 0
    assert results.suggestion == suggested
    assert search(results.suggestion).total > 0


def test_the_search_page_links_to_the_corrected_search(client):
    peacekeeping_corpus()
    cache.clear()

    page = client.get("/search/", {"q": "peacekeping"}).content.decode()

    assert "Nothing found for “peacekeping”" in page
    assert 'Did you mean <a href="/search/?q=peacekeeping">peacekeeping</a>?' in page
    link = urlparse("/search/?q=peacekeeping")
    corrected = client.get(link.path, parse_qs(link.query))
    assert corrected.context["results"].total == 3
    assert "Did you mean" not in corrected.content.decode()


def test_a_word_found_only_once_is_corrected_towards_a_common_one():
    peacekeeping_corpus()
    for n in range(3):
        make_article(f"More {n}", sections=[{"heading": "Peacekeeping", "body": "Peacekeeping."}])
    make_article("Typo", sections=[{"heading": "Notes", "body": "A peacekeping force."}])

    results = search("peacekeping")

    assert results.total == 1
    assert results.suggestion == "peacekeeping"


def test_no_correction_when_the_query_finds_enough_or_nothing_is_near():
    peacekeeping_corpus()

    assert search("peacekeeping").suggestion == ""
    assert search("zanzibar").suggestion == ""
    assert search("mali").suggestion == ""  # found: too few results, but no better word


def test_words_of_drafts_and_words_edited_away_are_never_suggested():
    make_article(
        "Secret plans",
        status=Article.Status.DRAFT,
        sections=[{"heading": "Operation", "body": "Operation Thunderclap."}],
    )
    article = make_article(
        "Edited", sections=[{"heading": "Notes", "body": "Operation Stormbreaker."}]
    )
    section = article.sections.get()
    section.body = "Nothing here now."
    section.save()

    assert search("thunderclep").suggestion == ""
    assert search("stormbraker").suggestion == ""


def test_a_correction_of_several_words_is_offered_only_if_they_are_found_together():
    make_article("One", sections=[{"heading": "Notes", "body": "Peacekeeping in Mali."}])
    make_article("Two", sections=[{"heading": "Notes", "body": "Logistics by train."}])

    assert search("peacekeping logistcs").suggestion == ""
    assert search("peacekeping mali").suggestion == "peacekeeping mali"


def test_replace_words_keeps_the_rest_of_the_query():
    assert replace_words(
        "Peacekeping, in MALLI!", {"peacekeping": "peacekeeping", "malli": "mali"}
    ) == ("Peacekeeping, in MALI!")


@pytest.mark.parametrize(
    ("first", "second", "bound", "expected"),
    [
        ("peacekeping", "peacekeeping", 2, 1),
        ("peacekeeipng", "peacekeeping", 2, 1),  # two letters swapped: one edit
        ("mandtes", "mandates", 2, 1),
        ("kitten", "sitting", 2, None),  # three edits
        ("kitten", "sitting", 3, 3),
        ("same", "same", 1, 0),
        ("a", "abcd", 2, None),
    ],
)
def test_edit_distance(first, second, bound, expected):
    assert edit_distance(first, second, bound) == expected


# --- The vocabulary and the rebuild ----------------------------------------------------


def test_the_rebuild_restores_compounds_and_the_vocabulary():
    make_article("Blue helmets", sections=[{"heading": "Notes", "body": "UN peace-keeping."}])
    search_module.clear_index()
    assert search("peacekeeping").total == search("peace-keeping").total == 0

    call_command("rebuild_search_index", verbosity=0)

    assert index_size() == (1, 1)
    assert search("peacekeeping").total == 1
    assert search("peacekepping").suggestion == "peacekeeping"


# --- Statements ------------------------------------------------------------------------


def corpus(size):
    for n in range(size):
        make_article(
            f"Extra {n}",
            sections=[
                {"heading": f"Part {k}", "body": "Peacekeeping and military diplomacy."}
                for k in range(3)
            ],
        )


# Statements of the search page, with nothing cached: the search's own (on
# PostgreSQL its page runs in a savepoint of its own that turns off parallel
# plans), then, on a page with no result, the site-wide tag counts behind the
# suggested topics (two). A correction looks for words near each typed word,
# then counts the nearest in the published entries: two statements more.
PAGE_STATEMENTS = {
    "sqlite": {"peacekeeping": 2, "peace-keeping": 2, "peacekeping": 6, "qwxzvb": 5},
    "postgresql": {"peacekeeping": 4, "peace-keeping": 4, "peacekeping": 8, "qwxzvb": 7},
}


@pytest.mark.parametrize("size", [2, 30])
@pytest.mark.parametrize("query", ["peacekeeping", "peace-keeping", "peacekeping", "qwxzvb"])
def test_the_search_page_runs_a_fixed_number_of_statements(
    client, settings, django_assert_num_queries, size, query
):
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]
    corpus(size)
    cache.clear()

    with django_assert_num_queries(PAGE_STATEMENTS[connection.vendor][query]):
        response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert bool(response.context["results"].suggestion) == (query == "peacekeping")


# --- The migration ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_existing_index_searches_with_forgiveness_after_migrate():
    article = make_article(
        "Blue helmets",
        summary="A lead on peace-keeping.",
        sections=[{"heading": "Missions", "body": "Peacekeeping missions in Mali."}],
    )
    expected = index_size()
    try:
        call_command("migrate", "articles", "0007", verbosity=0)
        assert index_size() == expected  # the index of before, without its vocabulary
    finally:
        call_command("migrate", "articles", verbosity=0)

    assert index_size() == expected
    assert urls(search("peacekeeping")) == {
        article.get_absolute_url(),  # its lead says "peace-keeping"
        f"{article.get_absolute_url()}#missions",
    }
    results = search("peacekeping")
    assert results.suggestion == "peacekeeping"
    # The rebuilt index keeps snippets and anchors.
    (hit,) = search("mali").hits
    assert hit.url.endswith("#missions") and "<mark>Mali</mark>" in hit.snippet
