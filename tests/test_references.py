"""
Cross-references: one rule for the key and slug a reference is matched by,
the same on every save path, and the same in the stored row as in the marker
that the page resolves.
"""

from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from articles.content.references import reference_fields, target_key_and_slug
from articles.content.rendering import render_markdown
from articles.models import Article, CrossReference
from tests.factories import make_article, make_section

pytestmark = pytest.mark.django_db

TITLES = [
    "Military Diplomacy: A Time-Honored Tradition",
    "Europe’s “Defence”   Review",
    "AT&T and Q&A",
    "x < y > z",
    "Comprehensive Guide to Military Attaché Training Programs",
    "A" * 280,
]


class _Keys(HTMLParser):
    def __init__(self):
        super().__init__()
        self.keys = []

    def handle_starttag(self, tag, attrs):
        if "data-key" in dict(attrs):
            self.keys.append(unquote(dict(attrs)["data-key"]))


def marker_keys(rendered):
    parser = _Keys()
    parser.feed(rendered)
    return parser.keys


def test_key_and_slug_ignore_case_spacing_and_quote_style():
    assert target_key_and_slug("Europe’s  “Defence”") == ('europe\'s "defence"', "europes-defence")
    assert target_key_and_slug('EUROPE\'S "Defence"') == target_key_and_slug("Europe’s “Defence”")
    key, slug = target_key_and_slug("A" * 280)
    assert len(key) == 255 and len(slug) == 255


def test_every_save_path_stores_the_same_key_and_slug_and_the_marker_carries_that_key():
    article = make_article("Citing")
    body = "\n\n".join(f"Read [[{title}]]." for title in TITLES)
    section = make_section(article, heading="Body", body=body)
    synced = list(CrossReference.objects.filter(source_section=section).order_by("position"))
    assert [(r.target_key, r.target_slug) for r in synced] == [
        target_key_and_slug(title) for title in TITLES
    ]
    assert [(f["target_key"], f["target_slug"]) for f in reference_fields(body)] == [
        target_key_and_slug(title) for title in TITLES
    ]
    # What the page looks the marker up by is what the stored reference holds.
    assert marker_keys(section.body_html) == [r.target_key for r in synced]
    for title in TITLES[:5]:
        saved = CrossReference.objects.create(source_article=article, target_title=title)
        assert (saved.target_key, saved.target_slug) == target_key_and_slug(title)


def test_an_article_is_found_by_the_key_its_title_gives():
    for title in TITLES[:5]:
        article = make_article(title)
        assert article.title_key == target_key_and_slug(title)[0]


def test_a_reference_written_in_other_quotes_and_case_links_to_the_published_article(read):
    target = make_article("Europe’s “Defence” Review")
    article = make_article("Citing", summary='See also: [[EUROPE\'S "DEFENCE"   review]]')
    reference = CrossReference.objects.get(source_article=article)
    assert reference.target == target
    assert reference.kind == CrossReference.Kind.SEE_ALSO
    page = read(article.get_absolute_url()).content.decode()
    assert f'<a class="xref" href="{target.get_absolute_url()}">' in page


def test_see_also_lines_and_inline_references_are_told_apart():
    fields = reference_fields("Read [[A]] first.\nSee also: [[B#Part]], [[C]]", section_position=2)
    assert [(f["position"], f["kind"], f["target_title"], f["target_heading"]) for f in fields] == [
        (2000, CrossReference.Kind.INLINE, "A", ""),
        (2001, CrossReference.Kind.SEE_ALSO, "B", "Part"),
        (2002, CrossReference.Kind.SEE_ALSO, "C", ""),
    ]


def test_a_draft_titled_as_a_reference_is_its_target_but_the_page_shows_plain_text(read):
    article = make_article("Citing", summary="Read [[Pending]].")
    draft = make_article("Pending", status=Article.Status.DRAFT)
    assert CrossReference.objects.get(source_article=article).target == draft
    page = read(article.get_absolute_url()).content.decode()
    assert "<p>Read Pending.</p>" in page
    assert "(not yet published)" not in page and draft.get_absolute_url() not in page
    assert render_markdown("Read [[Pending]].") == article.summary_html
