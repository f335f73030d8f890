"""
The article page as a calm read (issue 13): between one passage's text and the
next only a quiet line, which opens on the passage's related passages and
topics; one "Further reading" list at the end, ranked across the article; a
reference to an article not public yet reads as plain text (editors previewing
a draft still see it marked).
"""

import re

from django.test import RequestFactory
from django.urls import reverse

from articles.models import Article, Section
from articles.reading import related, selectors
from articles.reading.views import render_article
from tests.factories import make_article

FRANCOPHONIE = "exploring-military-diplomacy-in-francophonie-relations"


def page_of(read, article_or_url):
    url = article_or_url if isinstance(article_or_url, str) else article_or_url.get_absolute_url()
    return read(url).content.decode()


def between_passages(page):
    """The markup after each passage's text, up to the next passage (or the article's end)."""
    body = page[page.index('class="article__body"') : page.index('<footer class="article__footer"')]
    passages = body.split('<section class="passage')[1:]
    return [
        passage[passage.index("</div>", passage.index('class="prose"')) :] for passage in passages
    ]


def test_nothing_but_a_quiet_line_stands_between_two_passages(read, imported_sources):
    page = page_of(read, f"/articles/{FRANCOPHONIE}/")
    gaps = between_passages(page)
    assert len(gaps) == Section.objects.filter(article__slug=FRANCOPHONIE).count()
    assert any('<details class="passage-notes">' in gap for gap in gaps)
    for gap in gaps:
        # At most one closed disclosure, and nothing else but closing tags: no
        # related box, no row of tag pills.
        assert gap.count('<details class="passage-notes">') <= 1
        rest = re.sub(r"(?s)<details class=\"passage-notes\">.*?</details>", "", gap)
        assert re.sub(r"\s+|</div>|</section>", "", rest) == "", gap


def test_each_passage_line_opens_on_its_related_passages_and_topics(read, imported_sources):
    article = Article.objects.get(slug=FRANCOPHONIE)
    _, sections = selectors.tags_and_sections(article)
    expected = related.related_passages(article, sections)
    page = page_of(read, article)
    assert expected, "the article has related passages"
    for section in sections:
        start = page.index(f'id="{section.anchor}"')
        end = page.find('<section class="passage', start)
        chunk = page[start : end if end != -1 else len(page)]
        passages = expected.get(section.pk, [])
        said = [
            f"{count} {noun}{'s' if count != 1 else ''}"
            for count, noun in (
                (len(passages), "related passage"),
                (len(section.tag_list), "topic"),
            )
            if count
        ]
        if not said:  # nothing to open: no line at all
            assert "passage-notes" not in chunk
            continue
        notes = chunk[chunk.index('<details class="passage-notes">') : chunk.index("</details>")]
        summary = re.search(r"<summary[^>]*>(.*?)</summary>", notes).group(1)
        assert summary == ", ".join(said)
        # Every related passage and every topic is one click away.
        for passage in passages:
            assert f'<a href="{passage.url}">' in notes
        for tag in section.tag_list:
            url = reverse("articles:tag", kwargs={"slug": tag.slug})
            assert f'<a href="{url}">{tag.name}</a>' in notes


def test_the_article_topics_are_one_line_of_links_not_pills(read, imported_sources):
    page = page_of(read, f"/articles/{FRANCOPHONIE}/")
    start = page.index('class="article__header"')
    header = page[start : page.index("</header>", start)]
    assert '<ul class="topic-line" aria-label="Topics of this article">' in header
    assert 'class="tag"' not in header
    assert (
        header.count('<li><a href="/tags/') == Article.objects.get(slug=FRANCOPHONIE).tags.count()
    )


def test_further_reading_ranks_passages_across_the_article(read, db):
    make_article(
        "Wide study",
        days_ago=20,
        sections=[
            {"heading": "Everything", "tags": ["Ports", "Radar", "Sonar"]},
            {"heading": "Ports only", "tags": ["Ports"]},
        ],
    )
    make_article(
        "Narrow study", days_ago=10, sections=[{"heading": "Sonar note", "tags": ["Sonar"]}]
    )
    reader = make_article(
        "Reader",
        sections=[
            {"heading": "Harbours", "tags": ["Ports"]},
            {"heading": "Screens", "tags": ["Radar"]},
            {"heading": "Depths", "tags": ["Sonar"]},
        ],
    )
    page = page_of(read, reader)
    further = page[
        page.index('id="further-reading-heading"') : page.index(
            "</ol>", page.index('id="further-reading-heading"')
        )
    ]
    links = re.findall(r'<li><a href="([^"]+)"', further)
    # Listed beside all three passages first; then beside one, more tags shared
    # first, then in reading order.
    assert links == [
        "/articles/wide-study/#everything",
        "/articles/wide-study/#ports-only",
        "/articles/narrow-study/#sonar-note",
    ]
    assert "related to 3 passages here" in further


def test_further_reading_takes_a_few_passages_from_any_one_article():
    def passage(n, article="Prolific"):
        return related.RelatedPassage(article, f"P{n}", f"/articles/{article}/#p{n}", 1)

    by_section = {1: [passage(n) for n in range(5)], 2: [passage(9, "Other")]}
    chosen = related.further_reading(by_section, limit=6, per_article=3)
    assert [item.passage.heading for item in chosen] == ["P0", "P1", "P2", "P9"]
    assert related.further_reading({}) == []


def test_references_to_missing_articles_read_as_text_but_editors_see_them_marked(db):
    draft = make_article(
        "Unreleased Analysis",
        status=Article.Status.DRAFT,
        sections=[{"heading": "Findings", "body": "As [[Never Written]] argues."}],
    )
    request = RequestFactory().get("/preview/whatever/")
    preview = render_article(request, draft, preview_banner="Draft preview", noindex=True)
    assert (
        '<span class="xref xref-unpublished">Never Written'
        ' <span class="xref-note">(not yet published)</span></span>'
    ) in preview.content.decode()
    public = render_article(request, draft).content.decode()
    assert "<p>As Never Written argues.</p>" in public
    assert "(not yet published)" not in public


def test_contents_are_closed_at_first_and_count_the_passages(read, imported_sources):
    page = page_of(read, f"/articles/{FRANCOPHONIE}/")
    toc = page[
        page.index('<nav class="toc"') : page.index("</nav>", page.index('<nav class="toc"'))
    ]
    assert '<details class="toc__details">' in toc  # not open: a phone shows one line
    assert '<h2 id="toc-heading" class="toc__title">Contents</h2>' in toc
    assert '<span class="toc__count">19 passages</span>' in toc
    assert '<script src="/static/js/contents.js" defer></script>' in page


def test_each_heading_carries_its_permalink_and_is_named_by_its_words(read, db):
    article = make_article("Anchored", sections=[{"heading": "Ports & harbours"}])
    page = page_of(read, article)
    assert (
        '<h2 id="ports-harbours" class="passage__heading" aria-labelledby="ports-harbours.title">'
        '<span id="ports-harbours.title">Ports &amp; harbours</span> '
        '<a class="permalink" href="#ports-harbours"><span aria-hidden="true">¶</span>'
        '<span class="visually-hidden">Link to the passage “Ports &amp; harbours”</span></a> '
        '<a class="heading-cite" href="/articles/anchored/cite/ports-harbours/">Cite'
        '<span class="visually-hidden"> the passage “Ports &amp; harbours”</span></a></h2>'
    ) in page


def test_passage_anchors_stay_put_when_other_passages_change(read, db):
    article = make_article(
        "Stable",
        sections=[
            {"heading": "First part"},
            {"heading": "Second part"},
            {"heading": "Third part"},
        ],
    )
    first, second, third = article.sections.order_by("position")
    second.heading = "Second part, renamed"
    second.body = "New text."
    second.save()
    Section.objects.create(article=article, heading="First part", position=10)
    third.delete()
    page = page_of(read, article)
    assert '<h2 id="first-part"' in page
    # The renamed passage keeps its address; the new one with a taken heading gets another.
    assert '<h2 id="second-part"' in page and "Second part, renamed" in page
    assert page.count('<h2 id="first-part') == 2 and '<h2 id="first-part-2"' in page
