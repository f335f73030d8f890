"""Unlinked mentions: passages naming an article or a topic they neither link nor carry."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from reversion.models import Version
from taggit.models import Tag

from articles.content import mentions
from articles.content.mentions import (
    MentionError,
    find_mentions,
    link_mention,
    mention_index,
    pending_names,
    refresh_mentions,
    tag_mention,
)
from articles.content.publishing import unpublish
from articles.models import Article, CrossReference, PendingMentionName, UnlinkedMention
from tests.factories import admin_form_data, make_article, make_editor, make_section

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


# --- Aliases, changed names, the queue ---------------------------------------------------


def titles_named_in(section):
    return sorted(
        (m.article.title, m.text)
        for m in UnlinkedMention.objects.filter(section=section, kind="title").select_related(
            "article"
        )
    )


def test_an_alias_is_found_like_a_title_and_linked_to_the_title(named):
    attache, _ = named
    attache.aliases = "Military envoy\nDA"
    attache.save()
    section = passage("A [military envoy](https://example.org/) came. The Military Envoys met.")
    assert mentions_in(section) == []
    section.body = "Later the military envoy spoke."
    section.save()
    assert mentions_in(section) == [("title", "Defence attaché", "military envoy")]
    link_mention(mention=UnlinkedMention.objects.get(section=section), user=make_editor())
    section.refresh_from_db()
    assert section.body == "Later the [[Defence attaché]] spoke."


def test_a_changed_title_is_looked_for_where_the_search_index_finds_it(
    named, django_capture_on_commit_callbacks
):
    attache, _ = named
    with django_capture_on_commit_callbacks(execute=True):
        section = passage("The military envoy spoke. The defence attaché listened.")
        other = passage("Nothing about envoys here.")
    assert titles_named_in(section) == [("Defence attaché", "defence attaché")]
    with django_capture_on_commit_callbacks(execute=True):
        attache.title = "Military envoy"
        attache.save()
    assert titles_named_in(section) == [("Military envoy", "military envoy")]
    assert titles_named_in(other) == []
    assert pending_names() == []
    with django_capture_on_commit_callbacks(execute=True):
        unpublish(article=attache)
    assert titles_named_in(section) == []


def test_a_save_that_changes_no_name_queues_nothing(named, django_capture_on_commit_callbacks):
    attache, _ = named
    with django_capture_on_commit_callbacks(execute=True):
        section = passage("The defence attaché listened.")
    with django_capture_on_commit_callbacks(execute=True):
        attache.summary = "A new lead."
        attache.save()
    assert not PendingMentionName.objects.exists()
    assert titles_named_in(section) == [("Defence attaché", "defence attaché")]


def test_a_name_in_more_passages_than_a_save_reads_waits_and_the_page_says_so(
    named, editor_client, monkeypatch, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    attache, _ = named
    monkeypatch.setattr(mentions, "INLINE_BUDGET", 0)
    with django_capture_on_commit_callbacks(execute=True):
        section = passage("The military envoy spoke.")
    with django_capture_on_commit_callbacks(execute=True):
        attache.title = "Military envoy"
        attache.save()
    assert pending_names() == ["Military envoy"]
    assert titles_named_in(section) == []
    page = editor_client.get(reverse(PAGE)).content.decode()
    assert "“Military envoy”" in page and "Look for them now" in page
    response = editor_client.post(reverse(PAGE), {"action": "look"})
    assert response.status_code == 302
    assert pending_names() == []
    assert titles_named_in(section) == [("Military envoy", "military envoy")]
    with django_capture_on_commit_callbacks(execute=True):
        attache.title = "Envoy of defence"
        attache.save()
    out = StringIO()
    call_command("find_mentions", "--pending", stdout=out)
    assert "0 left" in out.getvalue()
    assert titles_named_in(section) == []


def test_an_article_that_goes_public_on_schedule_is_looked_for(named, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    make_article("Later plans", published_at=now + timedelta(hours=1))
    section = passage("Our later plans.")
    assert mentions_in(section) == []
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=2))
    mention_index()
    assert pending_names() == ["Later plans"]
    assert mentions.drain_pending() == 0
    assert titles_named_in(section) == [("Later plans", "later plans")]


def test_the_index_of_names_is_kept_until_a_name_changes(named, django_assert_num_queries):
    mention_index()
    with django_assert_num_queries(0):
        mention_index()
    make_article("Liaison officers")
    with django_assert_num_queries(3):
        mention_index()


def test_a_passage_is_read_again_in_a_fixed_number_of_queries(named, django_assert_num_queries):
    section = passage("The defence attaché spoke of crisis management.")
    mention_index()

    def queries():
        with django_assert_num_queries(7):  # tags, links, text; delete and insert in a savepoint
            refresh_mentions(section_ids=[section.pk])
        return titles_named_in(section)

    assert queries() == [("Defence attaché", "defence attaché")]
    for n in range(5):
        make_article(f"Report {n}", sections=[{"heading": "H", "body": "The defence attaché."}])
    mention_index()
    assert queries() == [("Defence attaché", "defence attaché")]


# --- The change form ----------------------------------------------------------------------


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_the_change_form_lists_its_mentions_and_tags_from_there(named, editor_client):
    section = passage("The defence attaché spoke of crisis management.")
    make_section(section.article, heading="Second", body="Nothing named here.")
    refresh_mentions(article_ids=[section.article_id])
    page = editor_client.get(change_url(section.article)).content.decode()
    panel = page.index('id="article-mentions"')
    assert panel > page.index("</form>", page.index('id="article_form"'))  # not nested in it
    assert "The defence attaché spoke of crisis management." in page[panel:]
    assert ">Link</button>" in page[panel:] and ">Tag</button>" in page[panel:]
    mention = UnlinkedMention.objects.get(section=section, kind="topic")
    response = editor_client.post(
        reverse(PAGE), {"mention": mention.pk, "action": "tag", "back": "article"}
    )
    assert response.status_code == 302
    assert response.url == change_url(section.article)
    section.refresh_from_db()
    assert [tag.name for tag in section.tags.all()] == ["Crisis management"]
    assert section.body == "The defence attaché spoke of crisis management."
    version = Version.objects.get_for_object(section.article).get()
    assert "Crisis management" in version.revision.get_comment()
    page = editor_client.get(change_url(section.article)).content.decode()
    assert ">Tag</button>" not in page and ">Link</button>" in page


def test_the_change_form_says_when_there_is_nothing_to_offer(editor_client):
    article = make_article(sections=[{"heading": "A", "body": "Plain text."}])
    page = editor_client.get(change_url(article)).content.decode()
    assert "No passage of this article names another article" in page


def test_a_mention_that_is_not_a_number_is_refused_cleanly(editor_client):
    response = editor_client.post(reverse(PAGE), {"mention": "x", "action": "link"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "aliases, code",
    [
        ("See [[Other]]", "alias_syntax"),
        ("x" * 256, "alias_too_long"),
        ("…", "alias_no_words"),
        ("defence ATTACHÉ", "alias_is_other_title"),
        ("Envoys\nOwn title", "alias_is_title"),
    ],
)
def test_a_bad_alias_is_refused_with_a_message(named, editor_client, aliases, code):
    article = make_article("Own title")
    data = admin_form_data(editor_client.get(change_url(article)))
    data["aliases"] = aliases
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["aliases"]
    assert [error.code for error in errors] == [code]
    assert "errorlist" in response.content.decode()
    article.refresh_from_db()
    assert article.aliases == ""


def test_aliases_are_saved_one_a_line(editor_client):
    article = make_article("Own title")
    data = admin_form_data(editor_client.get(change_url(article)))
    data["aliases"] = "  Military   envoy \n\nEnvoy\nEnvoy"
    assert editor_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.aliases == "Military envoy\nEnvoy"


def test_a_pass_in_worker_processes_stores_what_one_process_does(imported_sources, monkeypatch):
    from articles.content.mentions import refreshing

    def stored():
        return list(
            UnlinkedMention.objects.order_by("pk").values_list(
                "section_id", "kind", "article_id", "tag_id", "text", "start", "end", "sentence"
            )
        )

    refresh_mentions()
    alone = stored()
    assert alone
    # The three sources are far fewer passages than a pass needs to start workers.
    monkeypatch.setattr(refreshing, "MIN_PASSAGES_FOR_JOBS", 1)
    monkeypatch.setattr(refreshing, "BATCH_SIZE", 7)  # several chunks, read in order
    started = []
    real = refreshing._mentions_in_workers
    monkeypatch.setattr(
        refreshing,
        "_mentions_in_workers",
        lambda *args, **kwargs: started.append(kwargs["jobs"]) or real(*args, **kwargs),
    )
    assert refresh_mentions(jobs=2) == len(alone)
    assert started == [2]
    assert stored() == alone
