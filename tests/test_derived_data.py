"""
The article page's derived data (content/derived.py) equals what a
from-scratch computation over the database gives, after every kind of write:
what the page shows at once (a queued ranking is computed as it is read), and
what is stored once the queue is drained. Run with the queue off (every
ranking done in the write) and with it taking every tag, and with the
"newest passages of a tag" window small enough to bind.
"""

from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO

import pytest
import reversion
from django.core.management import call_command
from django.utils import timezone
from reversion.models import Version
from taggit.models import Tag

from articles.content import derived, publishing
from articles.editorial.tags import merge_tags
from articles.editorial.versions import restore_version
from articles.models import (
    Article,
    ArticleNeighbours,
    RelatedPassage,
    Section,
    StaleSection,
    StaleTopic,
    TaggedSection,
)
from articles.reading import related, selectors
from tests.conftest import SOURCES_DIR
from tests.factories import make_article, make_section

PER_SECTION = related.RELATED_PASSAGES_PER_SECTION


@pytest.fixture(
    params=[(100, 400), (3, 400), (3, 0)],
    ids=["in-the-write", "small-window", "queued"],
)
def limits(request, monkeypatch):
    per_tag, sync = request.param
    monkeypatch.setattr(related, "RELATED_CANDIDATES_PER_TAG", per_tag)
    monkeypatch.setattr(derived, "SYNC_SECTIONS", sync)
    return request.param


@pytest.fixture
def corpus(db, limits):
    """Published, draft and scheduled articles whose passages share tags."""
    articles = {}
    for n, (days_ago, tags) in enumerate(
        [(9, ["Ports", "Radar"]), (7, ["Ports"]), (5, ["Radar", "Air"]), (3, ["Ports", "Air"])]
    ):
        articles[n] = make_article(
            f"Study {n}",
            days_ago=days_ago,
            tags=["Navy"],
            sections=[
                {"heading": "Opening", "tags": tags},
                {"heading": "Detail", "level": 3, "tags": tags[:1]},
                {"heading": "Closing", "body": f"See [[Study {(n + 1) % 4}]]."},
                {"heading": "Aside", "tags": ["Air", "Radar", "Ports"]},
            ],
        )
    articles["draft"] = make_article(
        "Unfinished",
        status=Article.Status.DRAFT,
        sections=[{"heading": "Ports", "tags": ["Ports"]}],
    )
    articles["scheduled"] = make_article(
        "Coming soon",
        published_at=timezone.now() + timedelta(days=2),
        sections=[{"heading": "Radar", "tags": ["Radar", "Ports"]}],
    )
    check()
    return articles


# --- From scratch ------------------------------------------------------------------


def from_scratch():
    """
    The stored rankings and neighbours, recomputed with plain queries: each
    tag's newest passages, the shared tags counted among them, down to the
    third public one; published and scheduled articles in date order.
    """
    per_tag = related.RELATED_CANDIDATES_PER_TAG
    sections = {section.pk: section for section in Section.objects.select_related("article")}
    newest = defaultdict(list)  # tag id -> [(tagging id, section id)]
    tags_of = defaultdict(set)
    for pk, tag_id, section_id, slug in TaggedSection.objects.values_list(
        "pk", "tag_id", "content_object_id", "tag__slug"
    ):
        newest[tag_id].append((pk, section_id))
        if slug:
            tags_of[section_id].add(tag_id)
    window = {
        tag_id: {section_id for _, section_id in sorted(rows, reverse=True)[:per_tag]}
        for tag_id, rows in newest.items()
    }
    rankings = {}
    for section in sections.values():
        shared = Counter(
            other
            for tag_id in tags_of[section.pk]
            for other in window[tag_id]
            if sections[other].article_id != section.article_id
            and sections[other].article.status == Article.Status.PUBLISHED
        )
        ranked = sorted(
            shared,
            key=lambda other, shared=shared: (
                -shared[other],
                -sections[other].article.published_at.timestamp(),
                sections[other].position,
                other,
            ),
        )
        rows, public = [], 0
        for other in ranked:
            rows.append((other, shared[other]))
            public += sections[other].article.is_public
            if public == PER_SECTION:
                break
        if rows:
            rankings[section.pk] = rows
    order = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)
    )
    neighbours = dict(
        zip(order, zip([None, *order[:-1]], [*order[1:], None], strict=True), strict=True)
    )
    return rankings, neighbours


def stored():
    rankings = defaultdict(list)
    for row in RelatedPassage.objects.order_by("section_id", "rank"):
        rankings[row.section_id].append((row.passage_id, row.shared_tags))
    neighbours = {
        row.article_id: (row.previous_id, row.next_id) for row in ArticleNeighbours.objects.all()
    }
    return dict(rankings), neighbours


def shown():
    """What every article's page shows beside each passage: {section id: [address]}."""
    found = {}
    for article in Article.objects.all():
        _, sections = selectors.tags_and_sections(article)
        for section_id, passages in related.related_passages(article, sections).items():
            found[section_id] = [passage.url for passage in passages]
    return found


def expected_shown(rankings):
    sections = {section.pk: section for section in Section.objects.select_related("article")}
    found = {}
    for section_id, rows in rankings.items():
        public = [sections[other] for other, _ in rows if sections[other].article.is_public]
        if public:
            found[section_id] = [passage.get_absolute_url() for passage in public[:PER_SECTION]]
    return found


def check():
    """Shown right at once; stored right once the queue is drained."""
    rankings, neighbours = from_scratch()
    assert shown() == expected_shown(rankings)
    derived.refresh_stale()
    assert not StaleSection.objects.exists() and not StaleTopic.objects.exists()
    assert stored() == (rankings, neighbours)


# --- Every kind of write -----------------------------------------------------------


def test_the_fixture_has_related_passages_and_neighbours(corpus):
    rankings, neighbours = from_scratch()
    assert len(rankings) >= 10 and len(neighbours) == 5  # four published, one scheduled
    assert shown(), "the pages show related passages"


def test_create(corpus):
    make_article("Fresh study", sections=[{"heading": "News", "tags": ["Ports", "Radar"]}])
    check()


def test_edit_body_and_rename(corpus):
    section = corpus[1].sections.get(anchor="opening")
    section.body = "Rewritten."
    section.heading = "A new opening"
    section.save()
    corpus[2].title = "Study two, renamed"
    corpus[2].save()
    check()


def test_retag(corpus):
    corpus[0].sections.get(anchor="opening").tags.set(["Air"])
    corpus[3].sections.get(anchor="aside").tags.remove("Radar")
    make_section(corpus[2], heading="Added", tags=["Ports", "Air"])
    check()


def test_merge_tags(corpus):
    merge_tags(tags=[Tag.objects.get(name="Radar")], into=Tag.objects.get(name="Air"))
    check()


def test_publish_unpublish_and_schedule(corpus):
    publishing.publish(article=corpus["draft"])
    check()
    publishing.unpublish(article=corpus[1])
    check()
    publishing.schedule(articles=[corpus[2]], when=timezone.now() + timedelta(days=1))
    check()
    corpus[3].published_at = timezone.now() - timedelta(days=20)  # moved back in time
    corpus[3].save()
    check()


def test_a_scheduled_article_shows_at_its_time_with_no_write(corpus, monkeypatch):
    before = shown()
    scheduled = corpus["scheduled"].sections.get().get_absolute_url()
    assert scheduled not in {url for urls in before.values() for url in urls}
    later = timezone.now() + timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = shown()
    assert scheduled in {url for urls in after.values() for url in urls}
    assert after == expected_shown(from_scratch()[0])
    assert selectors.neighbours(selectors.article_page(corpus[3].slug))[1] is not None


def test_reorder_and_delete(corpus):
    section = corpus[0].sections.get(anchor="aside")
    section.position = 0
    section.save()
    check()
    corpus[1].sections.get(anchor="opening").delete()
    check()
    corpus[2].delete()
    check()
    Tag.objects.get(name="Air").delete()
    check()


def test_revert(corpus):
    article = corpus[1]
    with reversion.create_revision():
        article.save()
    article.sections.get(anchor="opening").tags.set(["Air", "Radar"])
    make_section(article, heading="Later", tags=["Radar"])
    check()
    restore_version(version=Version.objects.get_for_object(article).get())
    check()


def test_import(corpus):
    call_command("import_sources", str(SOURCES_DIR), verbosity=0, stdout=StringIO())
    # The import's topics are its own: share one with the corpus to rank across both.
    imported = Article.objects.exclude(source_file="").first()
    imported.sections.first().tags.add("Ports")
    check()
    call_command("import_sources", str(SOURCES_DIR), "--force", verbosity=0, stdout=StringIO())
    check()


def test_an_import_leaves_nothing_queued(corpus, monkeypatch):
    monkeypatch.setattr(derived, "SYNC_SECTIONS", 0)  # every topic queued by the batches
    call_command("import_sources", str(SOURCES_DIR), verbosity=0, stdout=StringIO())
    assert not StaleTopic.objects.exists() and not StaleSection.objects.exists()
    assert stored() == from_scratch()


def test_the_page_reads_a_queued_ranking_as_it_is_read(corpus, client, monkeypatch):
    monkeypatch.setattr(derived, "SYNC_SECTIONS", 0)
    make_article("Newest", sections=[{"heading": "Harbours", "tags": ["Ports"]}])
    assert StaleTopic.objects.exists()
    page = client.get(corpus[1].get_absolute_url()).content.decode()
    assert "/articles/newest/#harbours" in page


def test_refresh_derived_drains_the_queue_and_can_redo_everything(corpus, monkeypatch):
    monkeypatch.setattr(derived, "SYNC_SECTIONS", 0)
    make_article("Newest", sections=[{"heading": "Harbours", "tags": ["Ports"]}])
    out = StringIO()
    call_command("refresh_derived", stdout=out)
    assert "ranked" in out.getvalue() and not StaleTopic.objects.exists()
    RelatedPassage.objects.all().delete()
    ArticleNeighbours.objects.all().delete()
    call_command("refresh_derived", "--all", stdout=StringIO())
    assert stored() == from_scratch()
