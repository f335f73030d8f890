"""Unlinked mentions: passages naming an article or a topic they neither link nor carry."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from reversion.models import Version
from taggit.models import Tag

from articles.content.mentions import (
    MentionError,
    find_mentions,
    link_mention,
    mention_index,
    refresh_mentions,
    tag_mention,
)
from articles.models import Article, CrossReference, UnlinkedMention
from tests.factories import make_article, make_editor, make_section

pytestmark = pytest.mark.django_db

PAGE = "admin:articles_article_mentions"


@pytest.fixture
def named():
    """An article and a topic for passages to name."""
    attache = make_article("Defence attaché", sections=[{"heading": "Role", "body": "Envoys."}])
    make_article(
        "Emergency plans",
        sections=[{"heading": "Plans", "body": "Plans.", "tags": ["Crisis management"]}],
    )
    return attache, Tag.objects.get(name="Crisis management")


def mentions_in(section):
    refresh_mentions(article_ids=[section.article_id])
    return [
        (m.kind, (m.article or m.tag).name if m.tag else m.article.title, m.text)
        for m in UnlinkedMention.objects.filter(section=section).select_related("article", "tag")
    ]


def passage(body, *, tags=()):
    article = make_article(sections=[{"heading": "A passage", "body": body, "tags": tags}])
    return article.sections.get()


def test_a_title_is_found_as_written_whatever_its_case_and_accents(named):
    section = passage("The Defence Attache in Paris reports weekly. Nothing else here.")
    assert mentions_in(section) == [("title", "Defence attaché", "Defence Attache")]
    mention = UnlinkedMention.objects.get(section=section)
    assert mention.sentence == "The Defence Attache in Paris reports weekly."


def test_a_topic_is_found_by_its_words_stems(named):
    section = passage("Teams trained.\n\nThe crisis managers were good.")
    assert mentions_in(section) == [("topic", "Crisis management", "crisis managers")]


def test_mentions_in_links_headings_and_list_markers_are_not_offered(named):
    make_article("1914", sections=[{"heading": "War", "body": "War."}])
    section = passage(
        "See [Defence attaché](https://example.org/) and <a href='/x'>crisis management</a>.\n\n"
        "### Crisis management\n\n"
        "1914. The year the list starts with.\n"
        "- `Defence attaché` in code\n\n"
        "Nothing to offer here."
    )
    assert mentions_in(section) == []
    section.body += "\n\nIn 1914 there was no crisis management."
    section.save()
    assert sorted(mentions_in(section)) == [
        ("title", "1914", "1914"),
        ("topic", "Crisis management", "crisis management"),
    ]


def test_a_linked_title_a_carried_topic_and_the_own_title_are_not_offered(named):
    section = passage(
        "The [[Defence attaché]] met the defence attaché on crisis management.",
        tags=["Crisis management"],
    )
    section.article.title = "Met on crisis management"
    section.article.save()
    own = make_section(section.article, heading="Again", body="Met on crisis management, again.")
    assert mentions_in(section) == []
    assert mentions_in(own) == [("topic", "Crisis management", "crisis management")]


def test_a_draft_title_is_not_offered():
    make_article("Hidden plans", status=Article.Status.DRAFT)
    assert list(find_mentions("Our hidden plans.", mention_index())) == []


def test_saving_finds_mentions_once_the_change_commits(named, django_capture_on_commit_callbacks):
    def titles():
        return {
            m.article.title for m in UnlinkedMention.objects.filter(section=section, kind="title")
        }

    with django_capture_on_commit_callbacks(execute=True):
        section = passage("Nothing yet.")
    assert titles() == set()
    with django_capture_on_commit_callbacks(execute=True):
        section.body = "A defence attaché arrived in Paris."
        section.save()
    assert titles() == {"Defence attaché"}
    with django_capture_on_commit_callbacks(execute=True):
        make_article("Paris", sections=[{"heading": "City", "body": "A city."}])
    assert titles() == {"Defence attaché", "Paris"}
    with django_capture_on_commit_callbacks(execute=True):
        section.body = "A [[Defence attaché]] arrived in Paris."
        section.save()
    assert titles() == {"Paris"}
    with django_capture_on_commit_callbacks(execute=True):
        section.body = "On crisis management."
        section.save()
    assert UnlinkedMention.objects.filter(section=section, kind="topic").exists()
    with django_capture_on_commit_callbacks(execute=True):
        section.tags.add("Crisis management")
    assert not UnlinkedMention.objects.filter(section=section).exists()


def test_linking_makes_exactly_that_change_as_a_revision(named):
    attache, _ = named
    editor = make_editor()
    section = passage("First line.\n\nThe defence attaché spoke. A defence attaché again.")
    refresh_mentions(article_ids=[section.article_id])
    mention = UnlinkedMention.objects.get(section=section)
    link_mention(mention=mention, user=editor)
    section.refresh_from_db()
    assert section.body == "First line.\n\nThe [[Defence attaché]] spoke. A defence attaché again."
    assert CrossReference.objects.get(source_section=section).target == attache
    version = Version.objects.get_for_object(section.article).get()
    assert version.revision.user == editor
    assert "Defence attaché" in version.revision.get_comment()
    assert not UnlinkedMention.objects.filter(pk=mention.pk).exists()


def test_tagging_puts_the_topic_on_the_passage_as_a_revision(named):
    _, topic = named
    editor = make_editor()
    body = "How crisis management works."
    section = passage(body)
    refresh_mentions(article_ids=[section.article_id])
    tag_mention(mention=UnlinkedMention.objects.get(section=section), user=editor)
    section.refresh_from_db()
    assert section.body == body
    assert list(section.tags.all()) == [topic]
    version = Version.objects.get_for_object(section.article).get()
    assert version.revision.user == editor


def test_a_mention_whose_passage_changed_is_refused(named):
    section = passage("The defence attaché spoke.")
    refresh_mentions(article_ids=[section.article_id])
    mention = UnlinkedMention.objects.get(section=section)
    type(section).objects.filter(pk=section.pk).update(body="Rewritten: the defence attaché.")
    with pytest.raises(MentionError):
        link_mention(mention=mention, user=make_editor())
    with pytest.raises(MentionError):
        tag_mention(mention=mention, user=User.objects.get(username="editor"))


def test_an_editor_links_from_the_page(named, client):
    section = passage("The defence attaché spoke of crisis management.")
    refresh_mentions(article_ids=[section.article_id])
    client.force_login(make_editor())
    page = client.get(reverse(PAGE))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The defence attaché spoke of crisis management." in text
    assert ">Link</button>" in text and ">Tag</button>" in text
    mention = UnlinkedMention.objects.get(section=section, kind="title")
    response = client.post(reverse(PAGE), {"mention": mention.pk, "action": "link"})
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.body == "The [[Defence attaché]] spoke of crisis management."
    assert list(section.tags.all()) == []


def test_the_page_refuses_staff_without_permissions(named, client):
    section = passage("The defence attaché spoke.")
    refresh_mentions(article_ids=[section.article_id])
    client.force_login(User.objects.create_user("staff", password="x", is_staff=True))
    mention = UnlinkedMention.objects.get(section=section)
    assert client.get(reverse(PAGE)).status_code == 403
    assert client.post(reverse(PAGE), {"mention": mention.pk, "action": "link"}).status_code == 403
    section.refresh_from_db()
    assert section.body == "The defence attaché spoke."


def test_the_page_needs_the_csrf_token(named):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_editor())
    section = passage("The defence attaché spoke.")
    refresh_mentions(article_ids=[section.article_id])
    mention = UnlinkedMention.objects.get(section=section)
    assert client.post(reverse(PAGE), {"mention": mention.pk, "action": "link"}).status_code == 403


@pytest.mark.parametrize("batch_size", [100, 1])
def test_an_import_finds_the_mentions_in_what_it_wrote(
    batch_size, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from articles.sources import importer
    from tests.conftest import SOURCES_DIR

    monkeypatch.setattr(importer, "BATCH_SIZE", batch_size)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_sources", str(SOURCES_DIR), verbosity=0)
    imported = UnlinkedMention.objects.all()
    assert imported.exists()
    found_again = {(m.section_id, m.kind, m.article_id, m.tag_id, m.start) for m in imported}
    refresh_mentions()
    assert found_again == {
        (m.section_id, m.kind, m.article_id, m.tag_id, m.start)
        for m in UnlinkedMention.objects.all()
    }


def test_the_command_finds_every_mention_and_a_dry_run_saves_none(named):
    from io import StringIO

    from django.core.management import call_command

    section = passage("The defence attaché spoke of crisis management.")
    out = StringIO()
    call_command("find_mentions", "--dry-run", stdout=out)
    assert "Dry run, nothing saved: 2 unlinked mentions found (0 before)." in out.getvalue()
    assert not UnlinkedMention.objects.exists()
    call_command("find_mentions", stdout=out)
    assert UnlinkedMention.objects.filter(section=section).count() == 2


def test_the_page_takes_a_fixed_number_of_queries(named, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_editor())

    def count():
        refresh_mentions()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(PAGE)).status_code == 200
        return len(captured.captured_queries)

    passage("The defence attaché spoke.")
    small = count()
    for n in range(5):
        passage(f"Report {n}: the defence attaché spoke of crisis management.")
    assert count() == small
