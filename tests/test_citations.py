"""
Citable articles and passages (issue 13, item 3): APA, Chicago, BibTeX and RIS
for a fixed article and one of its passages, the Cite pages and RIS files
(published articles only), the article's Cite control, a Cite link beside
every passage heading, and the citation_* meta tags.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.reading import citations
from tests.factories import make_article

PUBLISHED = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
URL = "http://testserver/articles/naval-diplomacy-the-baltic/"


@pytest.fixture
def fixed(db):
    return make_article(
        "Naval Diplomacy & the Baltic",
        published_at=PUBLISHED,
        tags=["Naval", "Alliances"],
        sections=[
            {"heading": "Port calls", "body": "Ships visit."},
            {"heading": "Exercises at sea", "body": "They train."},
        ],
    )


ARTICLE = citations.Citation(
    site="Milcoop",
    article_title="Naval Diplomacy & the Baltic",
    url=URL,
    published=PUBLISHED,
    keywords=("Alliances", "Naval"),
)
PASSAGE = citations.Citation(
    site="Milcoop",
    article_title="Naval Diplomacy & the Baltic",
    url=URL + "#port-calls",
    published=PUBLISHED,
    heading="Port calls",
    keywords=("Alliances", "Naval"),
)


def test_apa():
    assert citations.apa_text(ARTICLE) == (
        f"Milcoop. (2024, March 5). Naval Diplomacy & the Baltic. {URL}"
    )
    assert str(citations.apa_html(ARTICLE)) == (
        f"Milcoop. (2024, March 5). <i>Naval Diplomacy &amp; the Baltic</i>. {URL}"
    )
    assert str(citations.apa_html(PASSAGE)) == (
        f"Milcoop. (2024, March 5). Port calls. In <i>Naval Diplomacy &amp; the Baltic</i>. "
        f"{URL}#port-calls"
    )


def test_chicago():
    assert citations.chicago_text(ARTICLE) == (
        f"Milcoop. “Naval Diplomacy & the Baltic.” Milcoop, March 5, 2024. {URL}."
    )
    assert citations.chicago_text(PASSAGE) == (
        "Milcoop. “Port calls.” In “Naval Diplomacy & the Baltic.” Milcoop, March 5, 2024. "
        f"{URL}#port-calls."
    )


def test_bibtex():
    assert citations.bibtex(ARTICLE) == (
        "@misc{milcoop2024naval,\n"
        "  author = {{Milcoop}},\n"
        "  title = {{Naval Diplomacy \\& the Baltic}},\n"
        "  publisher = {Milcoop},\n"
        "  year = {2024},\n"
        "  month = mar,\n"
        f"  url = {{{URL}}},\n"
        f"  howpublished = {{\\url{{{URL}}}}},\n"
        "}\n"
    )
    assert citations.bibtex(PASSAGE) == (
        "@misc{milcoop2024naval-port,\n"
        "  author = {{Milcoop}},\n"
        "  title = {{Port calls}},\n"
        "  booktitle = {{Naval Diplomacy \\& the Baltic}},\n"
        "  publisher = {Milcoop},\n"
        "  year = {2024},\n"
        "  month = mar,\n"
        f"  url = {{{URL}#port-calls}},\n"
        f"  howpublished = {{\\url{{{URL}#port-calls}}}},\n"
        "  note = {Section of ``Naval Diplomacy \\& the Baltic''},\n"
        "}\n"
    )


def test_bibtex_escapes_what_would_break_an_entry():
    assert citations.bibtex_escape("50% of {NATO}_#1 ~ ^ \\") == (
        "50\\% of \\{NATO\\}\\_\\#1 \\textasciitilde{} \\textasciicircum{} \\textbackslash{}"
    )


def test_ris():
    assert citations.ris(PASSAGE) == (
        "TY  - ELEC\r\n"
        "AU  - Milcoop\r\n"
        "TI  - Port calls\r\n"
        "T2  - Naval Diplomacy & the Baltic\r\n"
        "PY  - 2024\r\n"
        "DA  - 2024/03/05\r\n"
        "PB  - Milcoop\r\n"
        f"UR  - {URL}#port-calls\r\n"
        "LA  - en-GB\r\n"
        "KW  - Alliances\r\n"
        "KW  - Naval\r\n"
        "ER  - \r\n"
    )
    assert "T2  -" not in citations.ris(ARTICLE)


def test_the_cite_pages_give_each_format_of_the_fixed_article(read, fixed):
    page = read(f"/articles/{fixed.slug}/cite/").content.decode()
    assert "<h1>Cite this article</h1>" in page
    assert f"<i>Naval Diplomacy &amp; the Baltic</i>. {URL}</dd>" in page
    assert "@misc{milcoop2024naval," in page
    assert '<a href="/articles/naval-diplomacy-the-baltic/cite.ris" download>' in page
    assert '<meta name="robots" content="noindex">' in page

    passage = read(f"/articles/{fixed.slug}/cite/port-calls/").content.decode()
    assert "<h1>Cite the passage “Port calls”</h1>" in passage
    assert f'<a href="{URL}#port-calls">{URL}#port-calls</a>' in passage
    assert "@misc{milcoop2024naval-port," in passage
    assert 'href="/articles/naval-diplomacy-the-baltic/cite/port-calls.ris"' in passage


def test_the_ris_files_download(read, fixed):
    response = read(f"/articles/{fixed.slug}/cite/port-calls.ris")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="naval-diplomacy-the-baltic-port-calls.ris"'
    )
    assert response.content.decode() == citations.ris(PASSAGE)
    whole = read(f"/articles/{fixed.slug}/cite.ris").content.decode()
    assert whole == citations.ris(ARTICLE)


def test_only_published_articles_and_their_passages_are_cited(read, db):
    draft = make_article("Draft Piece", status=Article.Status.DRAFT, sections=[{"heading": "A"}])
    scheduled = make_article(
        "Later Piece", published_at=timezone.now() + timedelta(days=1), sections=[{"heading": "A"}]
    )
    public = make_article("Public Piece", sections=[{"heading": "A"}])
    for article in (draft, scheduled):
        for suffix in ("cite/", "cite/a/", "cite.ris", "cite/a.ris"):
            assert read(f"/articles/{article.slug}/{suffix}").status_code == 404
    assert read(f"/articles/{public.slug}/cite/a/").status_code == 200
    assert read(f"/articles/{public.slug}/cite/no-such-passage/").status_code == 404
    assert read(f"/articles/{public.slug}/cite/no-such-passage.ris").status_code == 404


def test_the_article_page_offers_citations_and_carries_citation_meta_tags(read, fixed):
    page = read(fixed.get_absolute_url()).content.decode()
    assert '<meta name="citation_title" content="Naval Diplomacy &amp; the Baltic">' in page
    assert '<meta name="citation_publication_date" content="2024/03/05">' in page
    assert '<meta name="citation_author" content="Milcoop">' in page
    assert '<meta name="citation_publisher" content="Milcoop">' in page
    assert f'<meta name="citation_fulltext_html_url" content="{URL}">' in page
    assert '<meta name="citation_keywords" content="Alliances; Naval">' in page
    control = page[page.index('<details class="cite">') :]
    control = control[: control.index("</details>")]
    assert "Cite this article" in control and "@misc{milcoop2024naval," in control
    assert f"<i>Naval Diplomacy &amp; the Baltic</i>. {URL}" in control
    # Every passage heading links to its passage's Cite page.
    for anchor, heading in (("port-calls", "Port calls"), ("exercises-at-sea", "Exercises at sea")):
        assert (
            f'<a class="heading-cite" href="/articles/naval-diplomacy-the-baltic/cite/{anchor}/">'
            f'Cite<span class="visually-hidden"> the passage “{heading}”</span></a>'
        ) in page


def test_a_draft_preview_offers_no_citation(db):
    from django.test import RequestFactory

    from articles.reading.views import render_article

    draft = make_article("Unreleased", status=Article.Status.DRAFT, sections=[{"heading": "A"}])
    page = render_article(
        RequestFactory().get("/preview/x/"), draft, preview_banner="Draft", noindex=True
    ).content.decode()
    assert "citation_title" not in page and "Cite this article" not in page
    assert "heading-cite" not in page


@pytest.mark.parametrize("others", [1, 15])
def test_the_cite_pages_run_a_fixed_number_of_queries(
    client, fixed, settings, django_assert_num_queries, others
):
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]
    for n in range(others):
        make_article(f"Other {n}", tags=["Naval"], sections=[{"heading": "Port calls"}])
    # The article, its tags; and the passage, for a passage's page or file.
    for url, queries in (
        (f"/articles/{fixed.slug}/cite/", 2),
        (f"/articles/{fixed.slug}/cite.ris", 2),
        (f"/articles/{fixed.slug}/cite/port-calls/", 3),
        (f"/articles/{fixed.slug}/cite/port-calls.ris", 3),
    ):
        with django_assert_num_queries(queries, info=url):
            assert client.get(url).status_code == 200
