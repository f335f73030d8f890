"""
Markdown rendering of passages: cross-reference markers made inside the parse,
the "See also" paragraph, and the markers resolved into links (or an honest
note) when a page is shown.
"""

import pytest

from articles.content.rendering import (
    reference_markers_as_text,
    render_markdown,
    resolve_reference_markers,
)
from articles.models import Article
from articles.templatetags.reading import without_reference_links
from tests.factories import make_article, make_section

FOO = {"foo": "/articles/foo/"}
NOTE = ' <span class="xref-note">(not yet published)</span></span>'


def test_a_reference_is_a_link_once_its_target_is_published_and_a_note_before():
    stored = render_markdown("Read [[Foo]] and [[Foo#The Part]] today.")
    assert resolve_reference_markers(stored, FOO) == (
        '<p>Read <a class="xref" href="/articles/foo/">Foo</a> and '
        '<a class="xref" href="/articles/foo/#the-part">Foo § The Part</a> today.</p>'
    )
    assert resolve_reference_markers(stored, {}) == (
        f'<p>Read <span class="xref xref-unpublished">Foo{NOTE} and '
        f'<span class="xref xref-unpublished">Foo § The Part{NOTE} today.</p>'
    )
    # What readers see: the sentence as written, with no note.
    assert resolve_reference_markers(stored, {}, mark_missing=False) == (
        "<p>Read Foo and Foo § The Part today.</p>"
    )
    assert resolve_reference_markers(stored, FOO, mark_missing=False) == (
        resolve_reference_markers(stored, FOO)
    )
    assert reference_markers_as_text(stored) == "<p>Read Foo and Foo § The Part today.</p>"
    assert without_reference_links(stored) == "<p>Read Foo and Foo § The Part today.</p>"


def test_a_see_also_paragraph_gets_its_class_and_wording():
    for written in ("See also: [[Foo]]", "see also [[Foo]]", "SEE ALSO:[[Foo]]"):
        assert resolve_reference_markers(render_markdown(written), FOO) == (
            '<p class="see-also">See also: <a class="xref" href="/articles/foo/">Foo</a></p>'
        )
    listed = resolve_reference_markers(render_markdown("See also: [[Foo]], [[Bar]]"), FOO)
    assert listed.startswith('<p class="see-also">See also: <a class="xref"')


@pytest.mark.parametrize(
    "written",
    [
        "See also: [[Foo]] for more.",
        "We see also [[Foo]]",
        "See also: the archive",
        '<p class="see-also">See also: nothing</p>',
    ],
)
def test_only_a_paragraph_of_see_also_references_is_marked_as_one(written):
    assert 'class="see-also"' not in render_markdown(written)


def test_labels_are_shown_escaped_as_they_always_were():
    stored = render_markdown('[[Europe\'s "defence"]] and [[AT&T]] and [[Ranges < 12]]')
    assert resolve_reference_markers(stored, {}) == (
        f'<p><span class="xref xref-unpublished">Europe&#x27;s &quot;defence&quot;{NOTE} and '
        f'<span class="xref xref-unpublished">AT&amp;T{NOTE} and '
        f'<span class="xref xref-unpublished">Ranges &lt; 12{NOTE}</p>'
    )


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("[[A  Title]]", "a title"),
        ("[[Europe’s “Defence”]]", 'europe\'s "defence"'),
        ("[[x < y > z]]", "x < y > z"),
        ("[[100% <b>bold</b>]]", "100% <b>bold</b>"),
        ("[[Foo\\_bar]]", "foo\\_bar"),
    ],
)
def test_a_marker_is_resolved_by_the_title_key_whatever_the_title_holds(written, key):
    resolved = resolve_reference_markers(render_markdown(written), {key: "/articles/t/"})
    assert 'href="/articles/t/"' in resolved


def test_html_around_the_markers_is_shown_as_it_was_stored():
    stored = render_markdown(
        'A&nbsp;b &amp; <abbr title="x &quot;y&quot;">c</abbr> [[Foo]]\n\n'
        '- [l](http://a.example/?a=1&b=2 "t")\n\n```\n<code> [[Foo]]\n```'
    )
    resolved = resolve_reference_markers(stored, FOO)
    marker_start = stored.index("<a class")
    marker_end = stored.index("</a>", marker_start) + len("</a>")
    assert resolved == (
        stored[:marker_start]
        + '<a class="xref" href="/articles/foo/">Foo</a>'
        + stored[marker_end:]
    )
    plain = render_markdown("No references here, only <b>bold</b> &amp; text.")
    assert resolve_reference_markers(plain, FOO) == plain


@pytest.mark.parametrize(
    "written",
    [
        "`[[Foo]]`",
        "```\n[[Foo]]\n```",
        "    [[Foo]]",
        "[see [[Foo]]](http://x.example/)",
        "<http://x.example/[[Foo]]>",
        '[c](http://x.example/ "[[Foo]]")',
        '<div title="[[Foo]]">block</div>',
        "\\[\\[Foo\\]\\]",
        "[[   ]]",
    ],
)
def test_no_marker_is_made_in_code_urls_titles_link_text_or_raw_html(written):
    stored = render_markdown(written)
    assert "data-key" not in stored
    assert resolve_reference_markers(stored, FOO) == stored


@pytest.mark.parametrize(
    "written",
    [
        '<a class="xref" data-key="foo" data-anchor="">forged</a>',
        "<a class='xref' data-key=foo>forged</a>",
        '<p class="see-also"><a class="xref" data-key="foo">forged</a></p>',
    ],
)
def test_raw_html_cannot_pass_for_a_marker(written):
    stored = render_markdown(written)
    assert "data-key" not in stored and "class=" not in stored
    assert 'href="/articles/foo/"' not in resolve_reference_markers(stored, FOO)


@pytest.mark.django_db
def test_the_article_page_links_a_published_target_and_reads_an_unpublished_one_as_text(read):
    make_article("Foo")
    make_article("Later", status=Article.Status.DRAFT)
    article = make_article("Citing", summary="The lead cites [[Foo]].")
    make_section(article, heading="More", body="See also: [[Later]]\n\nAnd [[foo#Part Two]].")
    page = read(article.get_absolute_url()).content.decode()
    assert '<p>The lead cites <a class="xref" href="/articles/foo/">Foo</a>.</p>' in page
    assert '<p class="see-also">See also: Later</p>' in page
    assert "(not yet published)" not in page and "xref-unpublished" not in page
    assert '<a class="xref" href="/articles/foo/#part-two">foo § Part Two</a>' in page
    assert "data-key" not in page


@pytest.mark.django_db
def test_html_stored_by_the_earlier_renderer_is_rendered_again_on_migrate():
    from importlib import import_module

    from django.apps import apps

    from articles.models import Section

    body = '[c](http://a "[[Foo]] <img src=x onerror=alert(1)>")'
    article = make_article("Old", summary=body)
    section = make_section(article, heading="Body", body=body)
    earlier = (
        '<p><a href="http://a" title="<a class="xref" data-key="foo" data-anchor="">Foo</a> '
        '<img src=x onerror=alert(1)>" rel="noopener noreferrer nofollow">c</a></p>'
    )
    Article.objects.filter(pk=article.pk).update(summary_html=earlier)
    Section.objects.filter(pk=section.pk).update(body_html=earlier)
    import_module("articles.migrations.0006_render_passages_again").render_again(apps, None)
    article.refresh_from_db()
    section.refresh_from_db()
    assert article.summary_html == section.body_html == render_markdown(body)
    assert "<img" not in section.body_html
