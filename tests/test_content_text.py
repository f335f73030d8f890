"""The article as text: one snapshot for the import digest, the history diffs and the export."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.content.text import ArticleContent, SectionContent
from articles.models import Article

from .factories import make_article, make_section

pytestmark = pytest.mark.django_db


def fixed_article():
    article = make_article(
        "Naval attachés in the Baltic, 1920–1939",
        summary="How the *attaché* system grew.\r\nSecond line.",
        tags=["Navy", "baltic", "Ærø"],
        sections=[
            {
                "heading": "Beginnings",
                "body": "First paragraph.\r\n\r\nSee [[Other]].",
                "tags": ["navy-history", "Baltic Sea"],
            },
            {"heading": "Ports  and   visits", "body": "- one\n- two", "level": 3},
            {"heading": "An empty section", "body": ""},
        ],
    )
    # Same position as the first section, saved later: position, then id, decide.
    make_section(article, heading="Before everything", body="Lead-in.", position=0, tags=["zeta"])
    return Article.objects.get(pk=article.pk)


# Computed with the code that wrote the digests existing databases store
# (``imported_content_digest``) and the text the admin's history diffed.
FIXED_DIGEST = "2dde031b1b0e6b1aa273d40b4dcb1b2d7fe044f9ccb761c47b5868584037d1c2"
FIXED_TEXT = (
    "Title: Naval attachés in the Baltic, 1920–1939\nTags: Navy, baltic, Ærø\n\n"
    "How the *attaché* system grew.\nSecond line.\n\n"
    "## Beginnings  {#beginnings}\nTags: Baltic Sea, navy-history\n\n"
    "First paragraph.\n\nSee [[Other]].\n\n"
    "## Before everything  {#before-everything}\nTags: zeta\n\nLead-in.\n\n"
    "### Ports and visits  {#ports-and-visits}\n\n- one\n- two\n\n"
    "## An empty section  {#an-empty-section}\n\n\n"
)


def test_digest_of_a_saved_article_is_the_one_databases_already_store():
    assert ArticleContent.from_article(fixed_article()).digest() == FIXED_DIGEST


def test_text_of_a_saved_article_is_the_one_history_diffs_showed():
    assert ArticleContent.from_article(fixed_article()).as_text() == FIXED_TEXT


def test_digest_of_content_built_by_hand():
    content = ArticleContent(
        title="Title",
        summary="Lead",
        tags=["y", "x"],
        sections=[
            SectionContent(level=2, heading="One", anchor="one", body="Body", tags=["b", "a"]),
            SectionContent(level=3, heading="Two", anchor="two", body=""),
        ],
    )
    assert content.digest() == "548191e72bed92a0d225eeb62cfcd445e2b48759bd99dcb283868a219d9b1fc1"
    empty = ArticleContent(title="Title", summary="")
    assert empty.digest() == "eb38242fdfbbeb2ad885c3066ab73d95d335cdd1896fb901f9e425d3a2b07688"


def test_tag_order_and_a_form_s_string_level_do_not_change_the_content():
    def content(tags, level):
        section = SectionContent(level=level, heading="H", anchor="h", body="B", tags=tags)
        return ArticleContent(title="T", summary="S", tags=tags, sections=[section])

    a, b = content(["b", "a"], 3), content(("a", "b"), "3")
    assert a.tags == ("a", "b")
    assert a.as_text() == b.as_text() and a.digest() == b.digest()
    assert "### H" in a.as_text()


def test_an_editor_s_change_changes_the_digest():
    article = fixed_article()
    before = ArticleContent.from_article(article).digest()
    section = article.sections.get(anchor="ports-and-visits")
    section.body += "\n- three"
    section.save()
    assert ArticleContent.from_article(article).digest() != before
    section.body = "- one\n- two"
    section.save()
    assert ArticleContent.from_article(article).digest() == before
    section.tags.add("new-topic")
    assert ArticleContent.from_article(article).digest() != before


def test_imported_articles_match_the_digest_their_import_stored(imported_sources):
    for article in imported_sources:
        assert ArticleContent.from_article(article).digest() == article.imported_content_digest


def test_reading_content_takes_three_queries_however_many_articles():
    other = make_article("Another", tags=["navy"], sections=[{"heading": "Only"}])
    articles = [fixed_article(), other, make_article("No sections")]
    with CaptureQueriesContext(connection) as one:
        ArticleContent.from_article(articles[0])
    with CaptureQueriesContext(connection) as many:
        contents = ArticleContent.for_articles(articles)
    assert len(one) == len(many) == 3
    assert contents[articles[2].pk].sections == ()
    assert [s.anchor for s in contents[articles[0].pk].sections] == [
        "beginnings",
        "before-everything",
        "ports-and-visits",
        "an-empty-section",
    ]
    assert contents[articles[0].pk].sections[2].tags == ()
    assert contents[articles[0].pk].sections[0].tags == ("Baltic Sea", "navy-history")
