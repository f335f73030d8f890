"""
Backlinks with context (issue 13, item 2): "Referenced by" shows, for each
citing passage, the sentence that cites the article (or, for a See also line,
that passage) with a link to it; a reference to one passage also shows beside
that passage ("cited in …"). The sentence is stored with the cross-reference
when its passage is parsed, by the reference service, and by the migration
for the rows stored before it.
"""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.backup import export_content, load_content
from articles.content.reference_syntax import references_in_context
from articles.models import Article, CrossReference
from articles.reading import backlinks
from tests.factories import make_article
from tests.test_query_counts import EXPECTED


def contexts(body):
    return [found[3] for found in references_in_context(body)]


# --- The sentence around a reference -----------------------------------------------------


def test_the_context_is_the_sentence_the_reference_stands_in():
    body = (
        "Intro text. As **[[The Target]]** argues, and [[the target#Part Two]] agrees. Last.\n\n"
        "See also: [[Other]], [[Another]]"
    )
    assert contexts(body) == [
        "As The Target argues, and the target § Part Two agrees.",
        "As The Target argues, and the target § Part Two agrees.",
        "",  # a See also line: its passage is its context
        "",
    ]


def test_sentences_split_at_their_ends_not_at_abbreviations_or_list_items():
    body = (
        "Gen. Smith read [[A]], e.g. twice! Then the U.N. Charter cites [[B]]. End.\n\n"
        "- the first item names [[C]]\n- the second does not\n\n"
        "Read [the treaty](https://example.org/t) and `code` with [[D]]."
    )
    assert contexts(body) == [
        "Gen. Smith read A, e.g. twice!",
        "Then the U.N. Charter cites B.",
        "the first item names C",
        "Read the treaty and code with D.",
    ]


def test_a_long_sentence_is_cut_around_the_reference():
    body = "word " * 200 + "cites [[Far Away]] here " + "more " * 200 + "end."
    (context,) = contexts(body)
    assert len(context) <= 300
    assert context.startswith("…") and context.endswith("…")
    assert "cites Far Away here" in context


# --- Stored when the passage is parsed ---------------------------------------------------


def test_the_reference_service_stores_the_context_and_follows_edits(db):
    make_article("The Target")
    citing = make_article(
        "Citing",
        summary="The lead mentions [[The Target]] once.",
        sections=[{"heading": "Body", "body": "First, [[The Target]] said so. Then more."}],
    )
    stored = CrossReference.objects.filter(source_article=citing).values_list("context", flat=True)
    assert sorted(stored) == [
        "First, The Target said so.",
        "The lead mentions The Target once.",
    ]
    section = citing.sections.get()
    section.body = "Now [[The Target]] says otherwise."
    section.save()
    reference = CrossReference.objects.get(source_section=section)
    assert reference.context == "Now The Target says otherwise."


def test_the_migration_fills_the_context_of_rows_stored_before_it(db):
    make_article("The Target")
    citing = make_article(
        "Citing",
        summary="Lead cites [[The Target]].",
        sections=[
            {"heading": "One", "body": "See also: [[The Target]]"},
            {"heading": "Two", "body": "As [[The Target#Part]] shows. Next."},
        ],
    )
    expected = dict(CrossReference.objects.values_list("pk", "context"))
    CrossReference.objects.update(context="")
    migration = importlib.import_module("articles.migrations.0009_crossreference_context")
    migration.fill_contexts(apps, connection.schema_editor())
    assert dict(CrossReference.objects.values_list("pk", "context")) == expected
    assert set(expected.values()) == {"Lead cites The Target.", "", "As The Target § Part shows."}
    assert citing.outgoing_references.count() == 3


def test_a_backup_loaded_again_keeps_the_contexts(db):
    make_article("The Target")
    make_article("Citing", sections=[{"heading": "Body", "body": "So [[The Target]] wrote."}])
    document = export_content()
    Article.objects.all().delete()
    load_content(data=document)
    assert CrossReference.objects.get().context == "So The Target wrote."


# --- On the page ---------------------------------------------------------------------------


@pytest.fixture
def cited(db):
    now = timezone.now()
    target = make_article(
        "The Target",
        published_at=now - timedelta(days=5),
        sections=[{"heading": "Part Two", "body": "The cited part."}, {"heading": "Other"}],
    )
    make_article(
        "Older Citer",
        published_at=now - timedelta(days=3),
        summary="The lead names [[The Target]].",
        sections=[{"heading": "Notes", "body": "See also: [[The Target]]"}],
    )
    make_article(
        "Newer Citer",
        published_at=now - timedelta(days=1),
        sections=[
            {
                "heading": "Argument",
                "body": "Some context. As [[The Target#Part Two]] argues, it holds. More.",
            },
        ],
    )
    make_article(
        "Draft Citer",
        status=Article.Status.DRAFT,
        sections=[{"heading": "Secret", "body": "Hidden [[The Target#Part Two]] sentence."}],
    )
    return target


def backlinks_html(page):
    start = page.index('id="backlinks-heading"')
    return page[start : page.index("</section>", start)]


def test_referenced_by_shows_each_citing_passage_with_its_sentence(read, cited):
    page = read(cited.get_absolute_url()).content.decode()
    listed = backlinks_html(page)
    # The newest citing article first, each with its passages, linked.
    assert listed.index("Newer Citer") < listed.index("Older Citer")
    assert (
        '<li class="backlinks__passage"><a href="/articles/newer-citer/#argument">§ Argument</a>'
    ) in listed
    assert (
        '<q class="backlinks__sentence">As <strong>The Target § Part Two</strong> argues, '
        "it holds.</q>"
    ) in listed
    # A See also line: its passage, said to be one.
    assert (
        '<a href="/articles/older-citer/#notes">§ Notes</a> '
        '<span class="backlinks__kind">(See also)</span>'
    ) in listed
    # A reference in a lead links to the article.
    assert '<a href="/articles/older-citer/">The lead</a>' in listed
    assert "The lead names <strong>The Target</strong>.</q>" in listed
    assert "Draft Citer" not in page and "Hidden" not in page
    assert '<a href="#backlinks-heading">cited in 3 passages</a>' in page


def test_a_reference_to_a_passage_shows_beside_it(read, cited):
    page = read(cited.get_absolute_url()).content.decode()
    start = page.index('id="part-two"')
    passage = page[start : page.index('<section class="passage', start)]
    assert "cited in 1 passage</summary>" in passage
    assert (
        '<p class="cited-in">Cited in\n          '
        '<a href="/articles/newer-citer/#argument">§ Argument</a> of <cite>Newer Citer</cite></p>'
    ) in passage
    other = page[page.index('id="other"') :]
    assert "cited-in" not in other[: other.index("</section>")]


def test_backlinks_read_one_query_whatever_the_number_of_citing_passages(db):
    target = make_article("The Target", sections=[{"heading": "Part"}])

    def cite(n):
        make_article(
            f"Citer {n}",
            sections=[
                {"heading": "Inline", "body": f"Case {n}: [[The Target#Part]] holds."},
                {"heading": "Also", "body": "See also: [[The Target]]"},
            ],
        )

    for size in (2, 30):
        for n in range(Article.objects.count() - 1, size):
            cite(n)
        with CaptureQueriesContext(connection) as queries:
            found = backlinks.backlinks(target)
        assert len(queries) == 1
        assert found.passage_count == 2 * size
        assert len(found.cited_in["part"]) == size


def test_a_much_cited_article_lists_the_newest_and_says_there_are_more(db, monkeypatch):
    monkeypatch.setattr(backlinks, "BACKLINKS_READ", 3)
    target = make_article("The Target")
    for n in range(4):
        make_article(f"Citer {n}", days_ago=10 - n, summary=f"Cites [[The Target]] {n}.")
    found = backlinks.backlinks(target, limit=3)
    assert [citing.title for citing in found.articles] == ["Citer 3", "Citer 2", "Citer 1"]
    assert found.more


@pytest.mark.parametrize("citers", [2, 12])
def test_the_article_page_runs_its_pinned_queries_with_context_backlinks(
    client, db, settings, django_assert_num_queries, citers
):
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]
    target = make_article("The Target", sections=[{"heading": "Part", "tags": ["Alliances"]}])
    for n in range(citers):
        make_article(
            f"Citer {n}",
            tags=["Alliances"],
            sections=[
                {"heading": "Inline", "body": f"[[The Target#Part]] {n}.", "tags": ["Alliances"]}
            ],
        )
    cache.clear()
    with django_assert_num_queries(EXPECTED["article"]):
        response = client.get(target.get_absolute_url())
    assert response.content.decode().count('class="backlinks__passage"') == citers
