"""
The stored tag counts (TagUsage) stay what counting the site from scratch
gives, after every kind of write, and when a scheduled article goes public
with no write at all.

Two checks after each write: what the pages read (``public_tags``) equals a
plain count over the published articles here, and the stored rows equal
``count_usage`` over the whole site (``repair(dry_run=True)`` finds nothing).
"""

from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import reversion
from django.core.management import call_command
from django.db import transaction
from django.db.models.signals import post_delete
from django.utils import timezone
from reversion.models import Version
from taggit.models import Tag

from articles.backup import export_content, load_content
from articles.content import publishing, tag_usage
from articles.editorial.tags import merge_tags, rename_tag
from articles.editorial.versions import restore_version
from articles.models import Article, Section, TaggedSection, TagUsage
from articles.models.tag_usage import STALE
from articles.reading import tags
from articles.reading.tags import PublicTag
from articles.sources.importer import import_source
from tests.factories import make_article, make_section

pytestmark = pytest.mark.django_db


def counted_here():
    """The public tags, counted one article at a time in Python: {pk: PublicTag}."""
    found = {}
    for article in Article.objects.prefetch_related("tags", "sections__tags"):
        if not article.is_public:
            continue
        on_passages = [tag for section in article.sections.all() for tag in section.tags.all()]
        for tag in {*article.tags.all(), *on_passages}:
            if not tag.slug:
                continue
            before = found.get(tag.pk)
            found[tag.pk] = PublicTag(
                pk=tag.pk,
                name=tag.name,
                slug=tag.slug,
                article_count=(before.article_count if before else 0) + 1,
                passage_count=(before.passage_count if before else 0) + on_passages.count(tag),
                last_modified=max(before.last_modified, article.updated_at)
                if before
                else article.updated_at,
            )
    return found


def assert_exact():
    # Every write counts what it changed: no row is left for a reader to count.
    assert not TagUsage.objects.filter(valid_until=STALE).exists()
    listed = tags.public_tags()
    assert {tag.pk: tag for tag in listed} == counted_here()
    assert [tag.name for tag in listed] == sorted(tag.name for tag in listed)
    assert tag_usage.repair(dry_run=True) == {}


def usage(name):
    tag = tags.public_tag(Tag.objects.get(name=name).slug)
    return (tag.article_count, tag.passage_count) if tag else None


@pytest.fixture
def site():
    """Three public articles, a draft and a scheduled one, sharing tags on articles and passages."""
    now = timezone.now()
    first = make_article(
        "First",
        tags=["Navy"],
        sections=[
            {"heading": "Ports", "tags": ["Navy", "Trade"]},
            {"heading": "Ships", "tags": ["Navy"]},
        ],
    )
    second = make_article(
        "Second", sections=[{"heading": "Air", "tags": ["Air", "Trade"]}, {"heading": "Sea"}]
    )
    third = make_article("Third", tags=["Trade"], sections=[{"heading": "Space"}])
    draft = make_article(
        "Draft", status=Article.Status.DRAFT, tags=["Secret"], sections=[{"heading": "X"}]
    )
    scheduled = make_article(
        "Scheduled",
        published_at=now + timedelta(hours=2),
        tags=["Navy"],
        sections=[{"heading": "Later", "tags": ["Soon"]}],
    )
    assert_exact()
    return {
        "first": first,
        "second": second,
        "third": third,
        "draft": draft,
        "scheduled": scheduled,
    }


def test_the_counts_follow_the_counting_rule(site):
    assert usage("Navy") == (1, 2)  # First itself and two of its passages; Scheduled not yet
    assert usage("Trade") == (3, 2)
    assert usage("Secret") is None and usage("Soon") is None
    assert [tag.name for tag in tags.most_used_tags(limit=2)] == ["Trade", "Navy"]


def test_tagging_and_untagging_articles(site):
    site["second"].tags.add("Navy", "Brand new")
    assert usage("Navy") == (2, 2) and usage("Brand new") == (1, 0)
    assert_exact()
    site["first"].tags.remove("Navy")  # its passages still carry it
    assert usage("Navy") == (2, 2)
    assert_exact()
    site["third"].tags.clear()
    assert_exact()
    site["second"].tags.set(["Air"])  # already on its passage: counted once
    assert usage("Air") == (1, 1) and usage("Brand new") is None
    assert_exact()


def test_tagging_and_untagging_passages(site):
    ports = Section.objects.get(heading="Ports")
    ports.tags.remove("Navy")
    ports.tags.add("Air")
    assert usage("Navy") == (1, 1) and usage("Air") == (2, 2)
    assert_exact()
    Section.objects.get(heading="Sea").tags.set(["Trade", "Fresh"])
    assert_exact()
    ports.tags.clear()
    assert_exact()


def test_untagging_the_newest_article_of_a_tag_moves_its_last_change_back(site):
    site["third"].summary = "Edited last."
    site["third"].save()
    assert tags.public_tag("trade").last_modified == site["third"].updated_at
    site["third"].tags.remove("Trade")
    assert tags.public_tag("trade").last_modified < site["third"].updated_at
    assert_exact()


def test_tagging_drafts_and_scheduled_articles_counts_them_once_public(site):
    site["draft"].tags.add("Navy")
    Section.objects.get(heading="Later").tags.add("Air")
    site["scheduled"].tags.remove("Navy")
    assert usage("Navy") == (1, 2) and usage("Air") == (1, 1)
    assert_exact()
    publishing.publish(article=site["draft"])
    assert usage("Navy") == (2, 2)
    later = timezone.now() + timedelta(hours=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert usage("Air") == (2, 2)
        assert_exact()


def test_publishing_unpublishing_and_scheduling(site):
    publishing.publish(article=site["draft"])
    assert usage("Secret") == (1, 0)
    assert_exact()
    publishing.unpublish(article=site["first"])
    assert usage("Navy") is None
    assert_exact()
    publishing.schedule(articles=[site["second"]], when=timezone.now() + timedelta(hours=1))
    assert usage("Air") is None
    assert_exact()


def test_a_scheduled_article_counts_from_its_time_with_no_write(site):
    assert usage("Soon") is None
    later = timezone.now() + timedelta(hours=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert usage("Navy") == (2, 2) and usage("Soon") == (1, 1)
        assert_exact()
        assert not TagUsage.objects.filter(valid_until__lte=later).exists()


def test_a_scheduled_article_counts_from_its_time_on_the_lists_too(site):
    later = timezone.now() + timedelta(hours=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "Soon" in {tag.name for tag in tags.most_used_tags(limit=10)}
        assert_exact()


def test_deleting_articles_and_sections_and_moving_a_section(site):
    site["third"].delete()
    assert usage("Trade") == (2, 2)
    assert_exact()
    Section.objects.get(heading="Ports").delete()
    assert usage("Trade") == (1, 1)
    assert_exact()
    ships = Section.objects.get(heading="Ships")
    ships.article = site["second"]
    ships.save()
    assert usage("Navy") == (2, 1)
    assert_exact()


def test_a_deletion_that_fails_leaves_the_next_writes_counted(site):
    def fail(**kwargs):
        raise RuntimeError("the deletion fails halfway")

    post_delete.connect(fail, sender=Section, dispatch_uid="test_fail")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            site["first"].delete()  # its taggings are gone when a section fails
    finally:
        post_delete.disconnect(dispatch_uid="test_fail", sender=Section)
    assert_exact()
    site["first"].tags.remove("Navy")
    Section.objects.get(heading="Ports").tags.remove("Trade")
    assert usage("Trade") == (2, 1)
    assert_exact()


def test_editing_a_public_article_moves_its_tags_last_change(site):
    site["second"].summary = "A new lead."
    site["second"].save()
    assert_exact()
    make_section(site["first"], heading="Added")
    assert_exact()
    assert (
        tags.public_tag("navy").last_modified == Article.objects.get(pk=site["first"].pk).updated_at
    )


def test_renaming_merging_and_deleting_tags(site):
    rename_tag(tag=Tag.objects.get(name="Air"), name="Air power")
    assert_exact()
    merge_tags(
        tags=list(Tag.objects.filter(name__in=["Trade", "Air power"])),
        into=Tag.objects.get(name="Navy"),
    )
    assert usage("Navy") == (3, 3)  # one tagging per passage: Ports, Ships, Air
    assert_exact()
    Tag.objects.get(name="Navy").delete()
    assert tags.public_tags() == []
    assert_exact()


def test_a_tag_without_an_address_is_counted_but_never_listed(site):
    Tag.objects.filter(name="Trade").update(slug="")
    assert "Trade" not in {tag.name for tag in tags.public_tags()}
    assert_exact()


def test_reverting_an_article(site):
    article = site["first"]
    with reversion.create_revision():
        article.save()
    version = Version.objects.get_for_object(article).first()
    article.tags.set(["Other"])
    Section.objects.get(heading="Ports").tags.set(["Other"])
    assert_exact()
    with reversion.create_revision():
        restore_version(version=version)
    assert usage("Navy") == (1, 2) and usage("Other") is None
    assert_exact()


def test_restoring_a_version_made_while_the_article_was_a_draft(site):
    article = site["draft"]
    with reversion.create_revision():
        article.save()
    version = Version.objects.get_for_object(article).first()
    publishing.publish(article=article)
    assert usage("Secret") == (1, 0)
    with reversion.create_revision():
        restore_version(version=version)  # the content comes back; the article stays published
    assert Article.objects.get(pk=article.pk).is_public
    assert usage("Secret") == (1, 0)
    assert_exact()


def test_importing_and_importing_again(site, tmp_path):
    text = Path(__file__).resolve().parents[1] / "articles" / "sources" / "texts"
    source = sorted(text.glob("*.txt"))[0]
    result = import_source(data=source.read_bytes(), filename=source.name)
    assert result.action == "created"
    assert_exact()
    call_command("import_sources", str(text), verbosity=0)
    assert_exact()
    article = Article.objects.get(pk=result.article.pk)
    article.sections.first().tags.clear()
    article.source_digest = ""
    article.save()
    import_source(data=source.read_bytes(), filename=source.name, force=True)
    assert_exact()


def test_loading_a_backup(site):
    document = export_content()
    Article.objects.all().delete()
    assert tags.public_tags() == []
    load_content(data=document)
    assert_exact()
    assert usage("Trade") == (3, 2)


def test_the_repair_command_corrects_a_drifted_row(site, capsys):
    TagUsage.objects.filter(tag__name="Trade").update(article_count=9, valid_until=None)
    call_command("refresh_tag_usage", "--dry-run")
    assert "1 of" in capsys.readouterr().out
    assert TagUsage.objects.get(tag__name="Trade").article_count == 9
    call_command("refresh_tag_usage")
    assert tag_usage.repair(dry_run=True) == {}
    assert usage("Trade") == (3, 2)


def test_deleting_many_taggings_at_once_counts_each_article_once(site):
    # A queryset's deletion removes every row before it sends the first signal.
    TaggedSection.objects.filter(tag__name="Navy").delete()
    assert usage("Navy") == (1, 0)  # First still carries it itself
    assert_exact()


def test_merging_tags_that_share_several_passages_of_one_article(site):
    first = site["first"]
    for section in first.sections.all():
        section.tags.add("Harbours")
    merge_tags(tags=[Tag.objects.get(name="Harbours")], into=Tag.objects.get(name="Navy"))
    assert usage("Navy") == (1, 2)
    assert_exact()
