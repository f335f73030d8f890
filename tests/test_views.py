"""The public pages, read as a visitor reads them: status codes, text and links."""

import json
import re
from datetime import timedelta

import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.content import publishing
from articles.models import Article, Section
from articles.reading import related, tags
from articles.reading.views import render_article
from tests.factories import make_article, make_section

FRANCOPHONIE = "exploring-military-diplomacy-in-francophonie-relations"
G7 = "exploring-the-significance-of-military-diplomacy-in-g7-relations"
SECURITY = "enhancing-global-security-through-international-defense-cooperation"


def text_of(response):
    return response.content.decode()


def section_html(page, anchor):
    """The HTML of one passage of an article page, from its heading to the next passage."""
    start = page.index(f'id="{anchor}"')
    end = page.find('<section class="passage', start)
    return page[start : end if end != -1 else len(page)]


def published_passages(**filters):
    now = timezone.now()
    return (
        Section.objects.filter(
            article__status=Article.Status.PUBLISHED, article__published_at__lte=now, **filters
        )
        .select_related("article")
        .prefetch_related("tags")
    )


def expected_related(article, limit=related.RELATED_PASSAGES_PER_SECTION):
    """
    What the related passages of each of ``article``'s passages should be, by
    brute force over the database (the imported corpus is small): passages of
    other published articles sharing its tags, most shared first, then the
    newer article, then the earlier passage. {anchor: [address, ...]}
    """
    others = [
        (section, {tag.pk for tag in section.tags.all() if tag.slug})
        for section in published_passages().exclude(article=article)
    ]
    found = {}
    for section in Section.objects.filter(article=article).prefetch_related("tags"):
        mine = {tag.pk for tag in section.tags.all() if tag.slug}
        scored = [(len(mine & theirs), other) for other, theirs in others if mine & theirs]
        scored.sort(
            key=lambda pair: (
                -pair[0],
                -pair[1].article.published_at.timestamp(),
                pair[1].position,
                pair[1].pk,
            )
        )
        found[section.anchor] = [other.get_absolute_url() for _, other in scored[:limit]]
    return found


def articles_carrying(slug):
    """Published articles carrying the tag ``slug``, on themselves or in a passage."""
    tagged = {section.article for section in published_passages(tags__slug=slug)}
    now = timezone.now()
    tagged |= set(
        Article.objects.filter(
            status=Article.Status.PUBLISHED, published_at__lte=now, tags__slug=slug
        )
    )
    return tagged


def related_links(page, anchor):
    chunk = section_html(page, anchor)
    if 'class="related"' not in chunk:
        return []
    start = chunk.index('class="related"')
    related = chunk[start : chunk.index("</aside>", start)]
    return re.findall(r'<li><a href="([^"]+)"', related)


# --- Home and list -------------------------------------------------------------------


def test_home_shows_newest_articles_with_summaries_tags_and_a_search_box(read, imported_sources):
    page = text_of(read("/"))
    assert page.count("<h1") == 1
    titles = [a.title for a in Article.objects.order_by("-published_at")]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions), "newest article first"
    assert "Military diplomacy plays a pivotal role in shaping relations" in page
    assert 'href="/tags/joint-exercises/"' in page
    assert 'action="/search/"' in page and 'name="q"' in page
    assert "Most discussed topics" in page


def test_article_list_paginates_and_never_fails_on_a_bad_page_number(read, db, settings):
    settings.ARTICLES_PER_PAGE = 10
    for n in range(12):
        make_article(f"Listed article {n:02d}", days_ago=n + 1)
    first = text_of(read("/articles/"))
    assert "Listed article 00" in first and "Listed article 09" in first
    assert "Listed article 10" not in first
    assert "Page 1 of 2" in first and 'href="/articles/?page=2"' in first

    second = text_of(read("/articles/", page="2"))
    assert "Listed article 11" in second and "Listed article 00" not in second
    assert 'href="/articles/"' in second  # back to page 1, without ?page=1

    for bad in ["abc", "0", "-3", "999", "2.5", "", "1e9", "%00"]:
        response = read("/articles/", page=bad)
        assert response.status_code == 200, bad
        assert "Listed article" in text_of(response)
    assert "Listed article 11" in text_of(read("/articles/", page="999")), "past the end: last page"


def pagination_of(page):
    start = page.index('<nav class="pagination"')
    return page[start : page.index("</nav>", start)]


def test_article_list_pages_are_newer_and_older_with_no_dead_link(read, db, settings):
    settings.ARTICLES_PER_PAGE = 1
    for n in range(3):
        make_article(f"Listed article {n}", days_ago=n + 1)
    first = pagination_of(text_of(read("/articles/")))
    assert "Older" in first and 'rel="next"' in first
    # Nothing to go back to on the first page: no link, and no greyed-out box either.
    assert "Newer" not in first and 'rel="prev"' not in first
    middle = pagination_of(text_of(read("/articles/", page="2")))
    assert "Newer" in middle and "Older" in middle
    last = pagination_of(text_of(read("/articles/", page="3")))
    assert "Newer" in last and "Older" not in last and 'rel="next"' not in last


def test_empty_site_pages_still_render(read, db):
    for url in ["/", "/articles/", "/tags/", "/feed/", "/sitemap.xml", "/search/?q=nato"]:
        assert read(url).status_code == 200, url


# --- The article page -------------------------------------------------------------------


def test_article_page_shows_title_date_reading_time_tags_and_nested_contents(
    read, imported_sources
):
    article = Article.objects.get(slug=FRANCOPHONIE)
    response = read(f"/articles/{FRANCOPHONIE}/")
    assert response.status_code == 200
    page = text_of(response)
    assert page.count("<h1") == 1
    assert f'<h1 class="article__title">{article.title}</h1>' in page
    assert f'<time datetime="{article.published_at.isoformat(timespec="seconds")}">' in page
    assert f"{article.reading_minutes} min read" in page
    assert 'href="/tags/francophonie/"' in page

    contents = page[page.index('class="toc"') : page.index("</nav>", page.index('class="toc"'))]
    # "Peacekeeping Missions" (level 3) is nested in the list under its level-2 section.
    parent = contents.index('href="#role-of-military-support-in-francophonie-cooperation"')
    nested = contents.index("<ol>", parent)
    assert contents.index('href="#peacekeeping-missions"') > nested
    assert contents.index('href="#peacekeeping-missions"') < contents.index(
        'href="#impact-of-military-cooperation-on-francophonie-countries"'
    )
    assert '<h2 id="role-of-military-support-in-francophonie-cooperation"' in page
    assert '<h3 id="peacekeeping-missions"' in page
    # A passage carries its own tags.
    tagged = next(s for s in article.sections.order_by("position") if s.tags.exists())
    for tag in tagged.tags.all():
        url = reverse("articles:tag", kwargs={"slug": tag.slug})
        assert f'href="{url}"' in section_html(page, tagged.anchor)


def test_article_page_links_each_topic_to_its_page(read, db):
    article = make_article(
        "Topical",
        tags=["Defence attachés", "Naval"],
        sections=[{"heading": "Ports", "tags": ["Naval", "Sûreté"]}],
    )
    page = text_of(read(article.get_absolute_url()))
    for tag in Tag.objects.all():
        assert f'href="{reverse("articles:tag", kwargs={"slug": tag.slug})}">{tag.name}<' in page
    assert 'href="/tags/defence-attach%C3%A9s/"' in page


def test_unknown_or_unpublished_article_is_404(read, db):
    assert read("/articles/no-such-article/").status_code == 404
    draft = make_article("Still a draft", status=Article.Status.DRAFT)
    assert read(draft.get_absolute_url()).status_code == 404


def test_related_passages_rank_other_articles_by_shared_tags(read, imported_sources):
    article = Article.objects.get(slug=FRANCOPHONIE)
    page = text_of(read(article.get_absolute_url()))
    expected = expected_related(article)
    assert any(expected.values()), "the corpus relates some passages"
    # Every passage: most shared tags first, then the newer article, then the
    # earlier passage; never a passage of the article itself.
    for anchor, links in expected.items():
        assert related_links(page, anchor) == links, anchor
        assert not any(link.startswith(f"/articles/{FRANCOPHONIE}/") for link in links)


def test_related_passages_come_only_from_published_articles(read, imported_sources):
    publishing.unpublish(article=Article.objects.get(slug=SECURITY))
    article = Article.objects.get(slug=FRANCOPHONIE)
    page = text_of(read(article.get_absolute_url()))
    assert SECURITY not in page
    expected = expected_related(article)
    assert any(expected.values())
    for anchor, links in expected.items():
        assert related_links(page, anchor) == links
        assert all(link.startswith(f"/articles/{G7}/#") for link in links)


def test_related_passages_are_a_labelled_aside_with_a_heading_one_level_down(
    read, imported_sources
):
    article = Article.objects.get(slug=FRANCOPHONIE)
    page = text_of(read(article.get_absolute_url()))
    expected = expected_related(article)
    levels = {}
    for section in article.sections.order_by("position"):
        if expected[section.anchor]:
            levels.setdefault(section.level, section.anchor)
    assert set(levels) == {2, 3}, "passages of both levels have related passages"
    for level, anchor in levels.items():
        passage = section_html(page, anchor)
        assert f'<aside class="related" aria-labelledby="{anchor}.related {anchor}">' in passage
        assert (
            f'<h{level + 1} id="{anchor}.related" class="related__title">Related passages'
        ) in passage


def test_see_also_is_text_until_its_target_is_published_then_a_link(read, imported_sources):
    url = f"/articles/{FRANCOPHONIE}/"
    as_text = '<p class="see-also">See also: Military Diplomacy: A Time-Honored Tradition</p>'
    chunk = section_html(text_of(read(url)), "training-programs-for-partner-nations")
    # Plain text for readers: neither a link nor the editors' note.
    assert as_text in chunk
    assert "(not yet published)" not in chunk
    assert "military-diplomacy-a-time-honored-tradition" not in chunk

    target = make_article(
        "Military Diplomacy: A Time-Honored Tradition", status=Article.Status.DRAFT
    )
    chunk = section_html(text_of(read(url)), "training-programs-for-partner-nations")
    assert as_text in chunk and target.get_absolute_url() not in chunk

    target.status = Article.Status.PUBLISHED
    target.published_at = timezone.now() - timedelta(minutes=1)
    target.save()
    chunk = section_html(text_of(read(url)), "training-programs-for-partner-nations")
    assert f'href="{target.get_absolute_url()}"' in chunk
    assert "(not yet published)" not in chunk
    # …and the target now lists the article that refers to it.
    target_page = text_of(read(target.get_absolute_url()))
    assert "Referenced by" in target_page and f'href="{url}"' in target_page


def test_referenced_by_lists_each_published_source_once(read, db):
    target = make_article("The Target")
    make_article(
        "Citing Twice",
        sections=[
            {"heading": "One", "body": "See also: [[The Target]]"},
            {"heading": "Two", "body": "As [[The Target]] argues, and again [[the target]]."},
        ],
    )
    make_article(
        "Draft Citer",
        status=Article.Status.DRAFT,
        sections=[{"heading": "One", "body": "See also: [[The Target]]"}],
    )
    page = text_of(read(target.get_absolute_url()))
    backlinks = page[
        page.index("Referenced by") : page.index("</section>", page.index("Referenced by"))
    ]
    assert backlinks.count('href="/articles/citing-twice/"') == 1
    assert "Draft Citer" not in page


def test_previous_and_next_articles_follow_publication_dates(read, imported_sources):
    page = text_of(read(f"/articles/{G7}/"))
    neighbours = page[page.index('class="neighbours"') :]
    assert f'href="/articles/{FRANCOPHONIE}/" rel="prev"' in neighbours
    assert f'href="/articles/{SECURITY}/" rel="next"' in neighbours
    oldest = text_of(read(f"/articles/{FRANCOPHONIE}/"))
    assert 'rel="prev"' not in oldest[oldest.index('class="article__footer"') :]


def test_previous_and_next_break_a_tie_in_publication_date_by_creation_order(read, db):
    moment = timezone.now() - timedelta(days=3)
    earlier = make_article("Earlier still", published_at=moment - timedelta(days=1))
    first = make_article("Tie first", published_at=moment)
    middle = make_article("Tie middle", published_at=moment)
    last = make_article("Tie last", published_at=moment)

    def neighbours(article):
        page = text_of(read(article.get_absolute_url()))
        return page[page.index('class="article__footer"') :]

    assert f'href="{first.get_absolute_url()}" rel="prev"' in neighbours(middle)
    assert f'href="{last.get_absolute_url()}" rel="next"' in neighbours(middle)
    assert f'href="{earlier.get_absolute_url()}" rel="prev"' in neighbours(first)
    assert f'href="{middle.get_absolute_url()}" rel="prev"' in neighbours(last)
    assert 'rel="next"' not in neighbours(last)


def test_related_passages_most_shared_first_then_newer_article_then_earlier_passage(read, db):
    make_article(
        "Old analysis",
        days_ago=30,
        sections=[{"heading": "Both topics", "tags": ["Ports", "Radar"]}],
    )
    make_article(
        "Mid analysis", days_ago=20, sections=[{"heading": "Ports midway", "tags": ["Ports"]}]
    )
    make_article(
        "New analysis",
        days_ago=10,
        sections=[
            {"heading": "Ports first", "tags": ["Ports"]},
            {"heading": "Radar second", "tags": ["Radar"]},
        ],
    )
    reader = make_article(
        "Reader",
        sections=[
            {"heading": "Ports and radar", "tags": ["Ports", "Radar"]},
            {"heading": "Radar alone", "tags": ["Radar"]},
            {"heading": "Closing"},
        ],
    )
    page = text_of(read(reader.get_absolute_url()))
    assert related_links(page, "ports-and-radar") == [
        "/articles/old-analysis/#both-topics",
        "/articles/new-analysis/#ports-first",
        "/articles/new-analysis/#radar-second",
    ]
    assert related_links(page, "radar-alone") == [
        "/articles/new-analysis/#radar-second",
        "/articles/old-analysis/#both-topics",
    ]


def test_related_passages_of_a_common_tag_come_from_its_newest_passages(read, db, monkeypatch):
    monkeypatch.setattr(related, "RELATED_CANDIDATES_PER_TAG", 2)
    reader = make_article(
        "Reader", sections=[{"heading": "Harbours", "tags": ["Ports"]}, {"heading": "Closing"}]
    )
    for n, days_ago in enumerate([10, 30, 20]):  # tagged in this order, dated otherwise
        make_article(
            f"Port study {n}",
            days_ago=days_ago,
            sections=[{"heading": f"Port passage {n}", "tags": ["Ports"]}],
        )
    page = text_of(read(reader.get_absolute_url()))
    # The two passages tagged last are the candidates, newest article first.
    assert related_links(page, "harbours") == [
        "/articles/port-study-2/#port-passage-2",
        "/articles/port-study-1/#port-passage-1",
    ]


def test_render_article_shows_a_preview_banner_and_asks_not_to_be_indexed(db):
    draft = make_article(
        "Unreleased Analysis",
        status=Article.Status.DRAFT,
        sections=[{"heading": "Findings", "body": "Text."}],
    )
    request = RequestFactory().get("/preview/whatever/")
    response = render_article(request, draft, preview_banner="Draft preview", noindex=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Draft preview" in page and "Unreleased Analysis" in page
    assert '<meta name="robots" content="noindex">' in page
    assert 'rel="canonical"' not in page and "application/ld+json" not in page
    assert "Not yet published" in page


def test_public_article_page_is_indexable_without_banner(read, imported_sources):
    page = text_of(read(f"/articles/{G7}/"))
    assert "noindex" not in page and "preview-banner" not in page


# --- Head: title, description, canonical, Open Graph, JSON-LD -------------------------


def test_article_head_has_title_description_canonical_open_graph_and_json_ld(
    read, imported_sources
):
    article = Article.objects.get(slug=G7)
    page = text_of(read(article.get_absolute_url()))
    assert f"<title>{article.title} · " in page
    assert '<meta name="description" content="Military Diplomacy holds a pivotal role' in page
    assert f'<link rel="canonical" href="http://testserver/articles/{G7}/">' in page
    assert f'<meta property="og:title" content="{article.title}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert f'<meta property="og:url" content="http://testserver/articles/{G7}/">' in page
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    data = json.loads(match.group(1))
    assert data["@type"] == "Article"
    assert data["headline"] == article.title
    assert data["url"] == f"http://testserver/articles/{G7}/"
    assert data["datePublished"].startswith(article.published_at.date().isoformat())
    assert "G7" in data["keywords"]


def test_json_ld_cannot_be_broken_out_of(read, db):
    article = make_article("Closing </script><script>alert(1)</script> tags & more")
    page = text_of(read(article.get_absolute_url()))
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert "<" not in block.group(1)
    assert json.loads(block.group(1))["headline"] == article.title


@pytest.mark.parametrize(
    "url",
    ["/", "/articles/", f"/articles/{G7}/", "/tags/", "/tags/g7/", "/search/?q=nato", "/nowhere/"],
)
def test_pages_have_one_h1_landmarks_a_skip_link_and_nothing_inline(read, imported_sources, url):
    page = text_of(read(url))
    assert page.count("<h1") == 1
    assert 'href="#content"' in page and '<main id="content"' in page
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in page
    assert "<title>" in page and '<meta name="description"' in page
    assert " style=" not in page and "<style" not in page
    # Scripts are data blocks, or the site's own files, deferred: never inline code.
    for script, body in re.findall(r"(<script[^>]*>)(.*?)</script>", page, re.DOTALL):
        if script != '<script type="application/ld+json">':
            assert re.fullmatch(r'<script src="/static/js/[\w.-]+\.js" defer>', script), script
            assert body == ""
    assert page.count("<script") == len(re.findall(r"<script[^>]*>.*?</script>", page, re.DOTALL))
    assert "/static/css/site.css" in page


# --- Tags ---------------------------------------------------------------------------------


def test_tag_index_lists_each_tag_with_article_and_passage_counts(read, imported_sources):
    page = text_of(read("/tags/"))
    assert 'href="/tags/joint-exercises/"' in page
    # The one wording of the counts, as on every page, counted here from the database.
    for slug in ("joint-exercises", "g7"):
        articles = len(articles_carrying(slug))
        passages = published_passages(tags__slug=slug).count()
        wording = (
            f"{articles} article{'s' if articles != 1 else ''} · "
            f"{passages} passage{'s' if passages != 1 else ''}"
        )
        entry = page[page.index(f'href="/tags/{slug}/"') :]
        assert entry[: entry.index("</li>")].count(wording) == 1, slug


def test_tag_page_lists_articles_and_exact_passages_grouped_by_article(read, imported_sources):
    response = read("/tags/g7/")
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>G7</h1>" in page
    passages = list(published_passages(tags__slug="g7"))
    assert passages
    for section in passages:
        assert f'href="{section.get_absolute_url()}"' in page
        assert f'href="{section.article.get_absolute_url()}"' in page
    for article in Article.objects.exclude(pk__in=[a.pk for a in articles_carrying("g7")]):
        assert article.get_absolute_url() not in page
    assert 'href="/tags/g7/feed/"' in page


def test_tag_page_puts_passages_first_and_lists_articles_compactly(read, imported_sources):
    page = text_of(read("/tags/joint-exercises/"))
    passages = page.index('id="tag-passages-heading"')
    articles = page.index('id="tag-articles-heading"')
    assert passages < articles, "the passages come before the list of articles"
    listed = page[articles : page.index("</aside>", articles)]
    carrying = articles_carrying("joint-exercises")
    assert carrying
    for article in carrying:
        assert f'href="{article.get_absolute_url()}"' in listed
        assert f"{article.reading_minutes} min read" in listed
    for article in Article.objects.exclude(pk__in=[a.pk for a in carrying]):
        assert f'href="{article.get_absolute_url()}"' not in listed
    # Title, date and reading time only: no summaries or tag lists repeated here.
    assert "card__summary" not in page and 'class="tag-list' not in listed


def test_tag_with_accented_slug_is_reachable(read, db):
    make_article("Attachés abroad", tags=["Defence attachés"])
    response = read("/tags/defence-attach%C3%A9s/")
    assert response.status_code == 200
    assert "Defence attachés" in text_of(response)


def test_unknown_tag_is_404(read, imported_sources):
    assert read("/tags/no-such-topic/").status_code == 404
    assert read("/tags/no-such-topic/feed/").status_code == 404


# --- Search ---------------------------------------------------------------------------------


def test_search_without_query_shows_the_form_only(read, db):
    response = read("/search/")
    page = text_of(response)
    assert response.status_code == 200
    assert 'name="q"' in page and "Nothing found" not in page
    assert '<meta name="robots" content="noindex">' in page


def test_search_results_link_to_passages_and_keep_the_query_across_pages(
    read, imported_sources, settings
):
    settings.SEARCH_RESULTS_PER_PAGE = 2
    page = text_of(read("/search/", q="NATO"))
    assert '<meta name="robots" content="noindex">' in page
    assert "<mark>" in page
    assert f'href="/articles/{SECURITY}/#nato-contributions"' in page
    assert 'href="/search/?q=NATO&amp;page=2"' in page
    second = text_of(read("/search/", q="NATO", page="2"))
    assert 'href="/search/?q=NATO"' in second  # back to page 1
    assert "Page 2 of" in second


def test_search_pages_are_previous_and_next_not_newer_and_older(read, imported_sources, settings):
    # Results are ranked by relevance, so "Newer"/"Older" would be wrong.
    settings.SEARCH_RESULTS_PER_PAGE = 2
    first = pagination_of(text_of(read("/search/", q="NATO")))
    assert "Next" in first and 'rel="next"' in first
    assert "Previous" not in first and 'rel="prev"' not in first
    second = pagination_of(text_of(read("/search/", q="NATO", page="2")))
    assert "Previous" in second and "Next" in second
    assert "Newer" not in first + second and "Older" not in first + second


def test_search_without_results_suggests_topics(read, imported_sources):
    page = text_of(read("/search/", q="zeppelinquartz"))
    assert "Nothing found for “zeppelinquartz”" in page
    assert 'href="/tags/joint-exercises/"' in page


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        "NOT",
        "AND OR",
        "*",
        "(",
        ")",
        "a" * 5000,
        "\x00nato",
        "<script>alert(1)</script>",
        'nato"-*',
        "NEAR(a b)",
        "ü ß 漢字",
        "%",
        "\\",
        ":",
        "^",
        "col:val",
    ],
)
def test_search_never_fails_on_any_input(read, imported_sources, query):
    response = read("/search/", q=query, page="x")
    assert response.status_code == 200
    assert "<script>alert" not in text_of(response)


# --- Feeds, sitemap, robots, errors -----------------------------------------------------------


def test_atom_feed_lists_the_newest_articles(read, imported_sources):
    response = read("/feed/")
    assert response.status_code == 200
    # Atom, served as XML so that a browser shows it through its stylesheet.
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    feed = text_of(response)
    assert 'xmlns="http://www.w3.org/2005/Atom"' in feed
    assert feed.count("<entry>") == 3
    assert f"http://testserver/articles/{G7}/" in feed
    assert '<category term="G7"/>' in feed


def test_tag_feed_lists_the_articles_carrying_the_tag(read, imported_sources):
    feed = text_of(read("/tags/g7/feed/"))
    assert feed.count("<entry>") == 1 and f"/articles/{G7}/" in feed
    assert "<title>Milcoop: G7</title>" in feed or ": G7</title>" in feed


def test_sitemap_lists_articles_and_tags_with_lastmod(read, imported_sources):
    response = read("/sitemap.xml")
    assert response.status_code == 200
    sitemap = text_of(response)
    assert f"<loc>http://testserver/articles/{G7}/</loc>" in sitemap
    assert "<loc>http://testserver/tags/g7/</loc>" in sitemap
    # Each article and each topic with its last change (the fixed pages have none).
    assert sitemap.count("<lastmod>") == Article.objects.count() + len(tags.public_tags())


def test_robots_txt_points_to_the_sitemap(read, db):
    response = read("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text_of(response)


def test_custom_404_page_offers_ways_on(read, db):
    response = read("/no/such/page/")
    page = text_of(response)
    assert response.status_code == 404
    assert "Page not found" in page
    assert 'href="/articles/"' in page and 'action="/search/"' in page


def test_500_page_renders_without_request_or_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        page = get_template("500.html").render()
    assert "Something went wrong" in page and "<h1>" in page


def test_section_without_tags_or_related_passages_renders(read, db):
    article = make_article("Lonely", sections=[{"heading": "Alone", "body": "Nothing shared."}])
    make_section(article, heading="Deeper", level=3)
    page = text_of(read(article.get_absolute_url()))
    assert '<h2 id="alone"' in page and '<h3 id="deeper"' in page
    assert "Related passages" not in page


@pytest.mark.django_db
def test_a_tag_page_is_paginated_by_article_with_their_passages(client, settings):
    settings.ARTICLES_PER_PAGE = 10
    for n in range(12):
        make_article(
            f"Harbour article {n:02d}",
            days_ago=n + 1,
            sections=[{"heading": f"Harbour passage {n:02d}", "tags": ["Harbours"]}],
        )
    first = client.get("/tags/harbours/").content.decode()
    second = client.get("/tags/harbours/?page=2").content.decode()
    assert "Harbour passage 00" in first and "Harbour passage 09" in first
    assert "Harbour passage 10" not in first
    assert "Harbour passage 10" in second and "Harbour passage 11" in second
    assert "Harbour passage 00" not in second
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert client.get("/tags/harbours/?page=999").status_code == 200


# --- A stored tag whose name gave no slug --------------------------------------------------


@pytest.fixture
def tag_without_slug(db):
    """
    "!!!" gives no slug: names like it are refused now, but tags stored before
    exist. It has no page, so no page may link to it, or fail for it.
    """
    odd = Tag.objects.create(name="!!!", slug="")
    article = make_article(
        "Oddly tagged",
        tags=["Naval"],
        sections=[{"heading": "Odd passage", "tags": ["Naval"]}],
    )
    other = make_article("Also oddly tagged", sections=[{"heading": "Another odd passage"}])
    article.tags.add(odd)
    for section in (article.sections.get(), other.sections.get()):
        section.tags.add(odd)
    return article


@pytest.mark.parametrize(
    "url, shown",
    [
        ("/", 'href="/tags/naval/"'),
        ("/articles/", 'href="/tags/naval/"'),
        ("/articles/oddly-tagged/", 'href="/tags/naval/"'),
        ("/tags/", 'href="/tags/naval/"'),
        ("/tags/naval/", 'href="/articles/oddly-tagged/#odd-passage"'),
        ("/sitemap.xml", "<loc>http://testserver/tags/naval/</loc>"),
        ("/feed/", '<category term="Naval"/>'),
        ("/tags/naval/feed/", "http://testserver/articles/oddly-tagged/"),
        ("/search/?q=zeppelinquartz", 'href="/tags/naval/"'),
    ],
)
def test_a_tag_without_slug_breaks_no_page_and_gets_no_link(read, tag_without_slug, url, shown):
    response = read(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert shown in content
    assert "/tags//" not in content and "!!!" not in content


def test_a_tag_without_slug_relates_no_passages(read, tag_without_slug):
    # The two passages share only "!!!", which is no topic a reader can follow.
    page = text_of(read(tag_without_slug.get_absolute_url()))
    assert related_links(page, "odd-passage") == []
