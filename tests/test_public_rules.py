"""
Drafts and scheduled articles are never public: not on any page, list, tag
index or tag page, feed, sitemap, preview card, related passage, backlink,
previous/next link or "See also" link. Each place is checked on its own.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

HIDDEN_TITLES = ("Hidden Draft Memo", "Scheduled Embargoed Brief")
HIDDEN_SLUGS = ("hidden-draft-memo", "scheduled-embargoed-brief")
HIDDEN_TAG = "Embargoed topic"
HIDDEN_HEADINGS = ("Draft Findings", "Embargoed Findings")
# The public passage's own words naming the hidden articles, as its page shows them.
CITING_WORDS = (
    '<p class="see-also">See also: Hidden Draft Memo</p>',
    "<p>And Scheduled Embargoed Brief too.</p>",
)


@pytest.fixture
def corpus(db):
    now = timezone.now()
    older = make_article(
        "Older Public Piece",
        published_at=now - timedelta(days=3),
        tags=["Alliances"],
        sections=[
            {
                "heading": "Older Passage",
                "body": "Alliances text.",
                "tags": ["Alliances", "Logistics"],
            }
        ],
    )
    public = make_article(
        "Public Piece",
        published_at=now - timedelta(days=2),
        tags=["Alliances"],
        sections=[
            {
                "heading": "Public Passage",
                "body": "See also: [[Hidden Draft Memo]]\n\nAnd [[Scheduled Embargoed Brief]] too.",
                "tags": ["Alliances", "Logistics"],
            }
        ],
    )
    # A draft whose date lies in the past, and a published article dated in the future:
    # both sit around the public ones by date, share their tags and cite them.
    draft = make_article(
        HIDDEN_TITLES[0],
        status=Article.Status.DRAFT,
        published_at=now - timedelta(days=1),
        tags=["Alliances", HIDDEN_TAG],
        sections=[
            {
                "heading": HIDDEN_HEADINGS[0],
                "body": "See also: [[Public Piece]] zygomorphic",
                "tags": ["Alliances", "Logistics", HIDDEN_TAG],
            }
        ],
    )
    scheduled = make_article(
        HIDDEN_TITLES[1],
        status=Article.Status.PUBLISHED,
        published_at=now + timedelta(days=1),
        tags=["Alliances", HIDDEN_TAG],
        sections=[
            {
                "heading": HIDDEN_HEADINGS[1],
                "body": "See also: [[Public Piece]] zygomorphic",
                "tags": ["Alliances", "Logistics", HIDDEN_TAG],
            }
        ],
    )
    return {"older": older, "public": public, "draft": draft, "scheduled": scheduled}


def assert_nothing_hidden(content):
    for secret in (*HIDDEN_TITLES, *HIDDEN_SLUGS, *HIDDEN_HEADINGS, HIDDEN_TAG, "embargoed-topic"):
        assert secret not in content, secret


def test_hidden_articles_have_no_page(read, corpus):
    for key in ("draft", "scheduled"):
        assert read(corpus[key].get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "url, shown",
    [
        ("/", "Public Piece"),
        ("/articles/", "Public Piece"),
        ("/articles/?page=2", "Public Piece"),
        ("/tags/", "Alliances"),
        ("/tags/alliances/", "Public Piece"),
        ("/tags/logistics/", "Public Passage"),
        ("/feed/", "Public Piece"),
        ("/tags/alliances/feed/", "Public Piece"),
        ("/sitemap.xml", "/articles/public-piece/"),
        ("/tags/alliances/card/", "Alliances"),
        ("/tags/logistics/card/", "Public Passage"),
        ("/articles/public-piece/card/", "Public Piece"),
        ("/articles/public-piece/card/public-passage/", "Public Passage"),
    ],
)
def test_lists_feeds_and_sitemap_leave_hidden_articles_out(read, corpus, url, shown):
    response = read(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert shown in content
    if "/feed/" in url:
        # A feed entry carries the article's whole text: the only trace allowed
        # is the one its page shows, the citing passage's own words, as plain
        # text (escaped in the entry's content).
        for words in CITING_WORDS:
            escaped = words.replace("<", "&lt;").replace(">", "&gt;")
            assert content.count(escaped) == 1, words
            content = content.replace(escaped, "")
    assert_nothing_hidden(content)


def test_hidden_articles_and_their_passages_have_no_preview_card(read, corpus):
    for key, anchor in (("draft", "draft-findings"), ("scheduled", "embargoed-findings")):
        slug = corpus[key].slug
        assert read(f"/articles/{slug}/card/").status_code == 404
        assert read(f"/articles/{slug}/card/{anchor}/").status_code == 404
    assert read("/tags/embargoed-topic/card/").status_code == 404


def test_tag_counts_count_only_published_content(read, corpus):
    page = read("/tags/").content.decode()
    entry = page[page.index('href="/tags/alliances/"') :]
    assert "2 articles · 2 passages" in entry[: entry.index("</li>")]


def test_tag_used_only_by_hidden_articles_is_not_public(read, corpus):
    assert read("/tags/embargoed-topic/").status_code == 404
    assert read("/tags/embargoed-topic/feed/").status_code == 404


def test_article_page_shows_nothing_of_hidden_articles(read, corpus):
    page = read(corpus["public"].get_absolute_url()).content.decode()
    # The only trace allowed: the citing passage's own words, as plain text.
    for words in CITING_WORDS:
        assert page.count(words) == 1, words
        page = page.replace(words, "")
    assert_nothing_hidden(page)
    # The related passage is the older public one, never the hidden ones sharing more tags.
    assert 'href="/articles/older-public-piece/#older-passage"' in page
    # No backlinks from hidden articles, though both cite this one.
    assert "Referenced by" not in page
    # Neighbours skip the draft and the scheduled article.
    assert 'href="/articles/older-public-piece/" rel="prev"' in page
    assert 'rel="next"' not in page


def test_references_to_hidden_articles_read_as_plain_text(read, corpus):
    page = read(corpus["public"].get_absolute_url()).content.decode()
    # Readers meet neither a link nor the editors' "not yet published" note.
    assert "(not yet published)" not in page and "xref-unpublished" not in page
    assert "See also: Hidden Draft Memo</p>" in page
    assert "<p>And Scheduled Embargoed Brief too.</p>" in page
    for slug in HIDDEN_SLUGS:
        assert f"/articles/{slug}/" not in page


def test_search_finds_nothing_in_hidden_articles(read, corpus):
    page = read("/search/", q="zygomorphic").content.decode()
    assert "Nothing found" in page
    assert_nothing_hidden(page)


def test_publishing_makes_an_article_appear_everywhere(read, corpus):
    draft = corpus["draft"]
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert read(draft.get_absolute_url()).status_code == 200
    assert HIDDEN_TITLES[0] in read("/").content.decode()
    assert HIDDEN_TITLES[0] in read("/feed/").content.decode()
    assert draft.get_absolute_url() in read("/sitemap.xml").content.decode()
    public_page = read(corpus["public"].get_absolute_url()).content.decode()
    assert f'href="{draft.get_absolute_url()}"' in public_page
    assert "Referenced by" in public_page


def test_a_scheduled_article_appears_once_its_time_comes(read, corpus):
    scheduled = corpus["scheduled"]
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert read(scheduled.get_absolute_url()).status_code == 200
    assert HIDDEN_TITLES[1] in read("/articles/").content.decode()
