"""The editors' admin, as editors use it: lists, the article form, history, tags, imports."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version
from taggit.models import Tag

from articles.editorial import preview_links
from articles.editorial.tags import merge_tags
from articles.models import Article, CrossReference, Section, TaggedArticle, TaggedSection
from tests.factories import admin_form_data as form_data
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db

SOURCES_DIR = Path(__file__).resolve().parent.parent / "articles" / "sources" / "texts"
MAX_QUERIES = 15


# --- Helpers ---------------------------------------------------------------------------


def make_corpus(n_articles, n_sections=10):
    """Articles with tagged sections and one unresolved cross-reference each."""
    articles = []
    for i in range(n_articles):
        article = make_article(
            f"Corpus article {i}",
            tags=[f"topic {i % 4}", "defence"],
            sections=[
                {
                    "heading": f"Heading {j}",
                    "body": f"Text of section {j}. See also [[Missing work {i % 5}]]"
                    if j == 0
                    else f"Text of section {j}.",
                    "tags": [f"topic {j % 3}"],
                }
                for j in range(n_sections)
            ],
        )
        articles.append(article)
    return articles


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


# --- Article list ----------------------------------------------------------------------


def test_changelist_shows_status_counts_and_tags(editor_client):
    cited = make_article("Cited work", sections=[{"heading": "One", "tags": ["naval"]}])
    make_article("Citing work", sections=[{"heading": "A", "body": "See [[Cited work]]."}])
    make_article(
        "Future work",
        published_at=timezone.now() + timedelta(days=3),
        tags=["arms control"],
    )
    make_article("Draft work", status=Article.Status.DRAFT)
    response = editor_client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    rows = {a.title: a for a in response.context["cl"].result_list}
    assert rows["Cited work"].num_incoming == 1
    assert rows["Cited work"].num_sections == 1
    page = response.content.decode()
    assert "Scheduled" in page
    assert "arms control" in page
    assert "Wanted articles" in page
    assert cited.pk in [a.pk for a in response.context["cl"].result_list]


def test_changelist_filters_and_search(editor_client):
    make_article("Naval talks", sections=[{"heading": "Harbour visits", "body": "Frigates."}])
    make_article("Air policing", tags=["air"], status=Article.Status.DRAFT)
    make_article("Later", published_at=timezone.now() + timedelta(days=2))
    url = reverse("admin:articles_article_changelist")

    def titles(query):
        response = editor_client.get(url + query)
        assert response.status_code == 200
        return {a.title for a in response.context["cl"].result_list}

    assert titles("?q=frigates") == {"Naval talks"}
    assert titles("?q=harbour") == {"Naval talks"}
    assert titles("?tag=air") == {"Air policing"}
    assert titles("?state=draft") == {"Air policing"}
    assert titles("?state=scheduled") == {"Later"}
    assert titles("?state=public") == {"Naval talks"}


def test_admin_pages_run_a_fixed_number_of_queries(editor):
    """Every page an editor uses: the same count with 3 and 30 articles, and at most 15."""
    client = Client()
    client.force_login(editor)
    counts = {}
    for size, n_sections in ((3, 10), (30, 12)):
        Article.objects.all().delete()
        article = make_corpus(size, n_sections=n_sections)[0]
        # Two saves through the admin: the history has versions to list.
        for _ in range(2):
            client.post(change_url(article), form_data(client.get(change_url(article))))
        pages = {
            "dashboard": reverse("admin:index"),
            "changelist": reverse("admin:articles_article_changelist"),
            "changelist search": reverse("admin:articles_article_changelist") + "?q=text",
            "change form": change_url(article),
            "add form": reverse("admin:articles_article_add"),
            "history": reverse("admin:articles_article_history", args=[article.pk]),
            "wanted": reverse("admin:articles_article_wanted"),
            "tags": reverse("admin:taggit_tag_changelist"),
            "preview links": reverse("admin:articles_article_preview_links", args=[article.pk]),
        }
        for name, url in pages.items():
            count_queries(client, url)  # warm the session and content-type caches
            counts.setdefault(name, []).append(count_queries(client, url))
    for name, (small, large) in counts.items():
        print(f"{name}: {small} queries with 3 articles, {large} with 30")
    assert all(small == large for small, large in counts.values()), counts
    assert all(large <= MAX_QUERIES for _, large in counts.values()), counts


# --- The article form ------------------------------------------------------------------


def test_change_form_saves_sections_and_tags_and_keeps_anchors(editor_client):
    article = make_article(
        "Form work",
        sections=[{"heading": "First part", "tags": ["naval"]}, {"heading": "Second"}],
    )
    anchor = article.sections.get(heading="First part").anchor
    response = editor_client.get(change_url(article))
    page = response.content.decode()
    assert 'list="tag-names"' in page and '<datalist id="tag-names">' in page
    assert "Markdown" in page  # the body's help text
    data = form_data(response)
    data["sections-0-heading"] = "First part, renamed"
    data["sections-0-tags"] = "naval, logistics"
    data["tags"] = "cooperation"
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    section = article.sections.get(position=0)
    assert section.heading == "First part, renamed"
    assert section.anchor == anchor
    assert sorted(section.tags.names()) == ["logistics", "naval"]
    assert list(Article.objects.get(pk=article.pk).tags.names()) == ["cooperation"]


def test_add_article_with_a_section(editor_client):
    response = editor_client.get(reverse("admin:articles_article_add"))
    data = form_data(response)
    data.update(
        {
            "title": "Brand new",
            "slug": "brand-new",
            "summary": "Lead.",
            "status": "draft",
            "sections-TOTAL_FORMS": "1",
            "sections-0-position": "0",
            "sections-0-level": "2",
            "sections-0-heading": "Opening",
            "sections-0-body": "Some *text*.",
            "sections-0-tags": "naval",
        }
    )
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.errors for i in response.context["inline_admin_formsets"] for f in i.formset.forms],
    )
    article = Article.objects.get(slug="brand-new")
    section = article.sections.get()
    assert section.anchor == "opening"
    assert "<em>text</em>" in section.body_html
    assert Version.objects.get_for_object(article).count() == 1


def test_second_editor_save_is_refused_with_a_diff(imported_sources):
    article = imported_sources[0]
    first_editor, second_editor = make_editor("alice"), make_editor("bob")
    alice, bob = Client(), Client()
    alice.force_login(first_editor)
    bob.force_login(second_editor)
    alice_data = form_data(alice.get(change_url(article)))
    bob_data = form_data(bob.get(change_url(article)))

    alice_data["sections-1-body"] = "Alice rewrote this section."
    assert alice.post(change_url(article), alice_data).status_code == 302

    bob_data["summary"] = "Bob's new lead."
    bob_data["sections-2-body"] = "Bob rewrote another section."
    response = bob.post(change_url(article), bob_data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "alice saved this article on" in page
    assert "Your changes were not saved" in page
    # Bob's text is still in the form, lead and inline section alike.
    assert "Bob&#x27;s new lead." in page
    assert "Bob rewrote another section." in page
    # ... with the differences from what Alice saved: only Bob's changes, as
    # Alice's section is not his to revert; the form shows her text there.
    changes = [change for _, _, change in response.context["conflict_diff"].changes()]
    assert [
        change
        for change in changes
        if change.label == "Text"
        and change.new_text == "Bob rewrote another section."
        and "Bob rewrote" not in change.old_text
    ]
    assert not [c for c in changes if "Alice rewrote" in c.old_text + c.new_text]
    assert "Alice rewrote this section." in page
    saved = Article.objects.get(pk=article.pk)
    assert saved.summary != "Bob's new lead."
    assert saved.sections.get(position=1).body == "Alice rewrote this section."
    assert saved.sections.get(position=2).body != "Bob rewrote another section."

    # Having read the differences, Bob saves again: his changes join Alice's.
    assert bob.post(change_url(article), form_data(response)).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert saved.summary == "Bob's new lead."
    assert saved.sections.get(position=2).body == "Bob rewrote another section."
    assert saved.sections.get(position=1).body == "Alice rewrote this section."


def test_section_saved_elsewhere_also_counts_as_a_change(editor_client):
    article = make_article("Touched", sections=[{"heading": "One"}])
    data = form_data(editor_client.get(change_url(article)))
    section = article.sections.get()
    section.body = "Changed in the shell."
    section.save()
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    assert Section.objects.get(pk=section.pk).body == "Changed in the shell."


# --- Publishing --------------------------------------------------------------------------


def test_publish_unpublish_and_schedule_actions(editor_client):
    draft = make_article("To publish", status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_changelist")
    editor_client.post(url, {"action": "publish_articles", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.is_public

    editor_client.post(url, {"action": "unpublish_articles", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT

    # Scheduling asks for a date first.
    response = editor_client.post(
        url, {"action": "schedule_articles", "_selected_action": [draft.pk]}
    )
    assert response.status_code == 200
    assert "Publish on" in response.content.decode()
    past = timezone.localtime() - timedelta(days=1)
    response = editor_client.post(
        url,
        {
            "action": "schedule_articles",
            "_selected_action": [draft.pk],
            "apply": "1",
            "published_at_0": past.strftime("%Y-%m-%d"),
            "published_at_1": "10:00",
        },
    )
    assert response.status_code == 200
    assert "Choose a moment in the future" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT

    future = timezone.localtime() + timedelta(days=5)
    response = editor_client.post(
        url,
        {
            "action": "schedule_articles",
            "_selected_action": [draft.pk],
            "apply": "1",
            "published_at_0": future.strftime("%Y-%m-%d"),
            "published_at_1": "09:30",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_scheduled
    assert timezone.localtime(draft.published_at).strftime("%H:%M") == "09:30"


def test_publishing_from_the_form_without_a_date_publishes_now(editor_client):
    draft = make_article("Dateless", status=Article.Status.DRAFT)
    data = form_data(editor_client.get(change_url(draft)))
    assert "published_at_0" not in data
    data["status"] = "published"
    before = timezone.now()
    response = editor_client.post(change_url(draft), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.is_public
    assert before <= draft.published_at <= timezone.now()

    response = editor_client.get(reverse("admin:articles_article_add"))
    data = form_data(response)
    data.update({"title": "Born public", "slug": "born-public", "status": "published"})
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Article.objects.get(slug="born-public").is_public


def test_editor_without_publish_permission_cannot_change_status(editor):
    editor.groups.clear()
    for codename in (
        "view_article",
        "change_article",
        "add_article",
        "view_section",
        "change_section",
        "add_section",
    ):
        editor.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(editor)
    article = make_article("Locked", status=Article.Status.DRAFT)
    response = client.get(change_url(article))
    assert "status" not in response.context["adminform"].form.fields
    assert "published_at" not in response.context["adminform"].form.fields
    data = form_data(response)
    data["status"] = "published"
    assert client.post(change_url(article), data).status_code == 302
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT

    changelist = client.get(reverse("admin:articles_article_changelist"))
    action_form = changelist.context["action_form"]
    actions = [name for name, _ in action_form.fields["action"].choices] if action_form else []
    assert "publish_articles" not in actions
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_articles", "_selected_action": [article.pk]},
    )
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_view_on_site_goes_to_the_preview_for_drafts(editor_client):
    draft = make_article("Unseen", status=Article.Status.DRAFT)
    page = editor_client.get(change_url(draft)).content.decode()
    assert reverse("preview:article", kwargs={"slug": draft.slug}) in page
    public = make_article("Seen")
    page = editor_client.get(change_url(public)).content.decode()
    assert public.get_absolute_url() in page


# --- History -----------------------------------------------------------------------------


def test_history_keeps_sections_and_tags_compares_and_reverts(editor_client):
    article = make_article("Versioned", sections=[{"heading": "Part", "body": "Old text."}])
    data = form_data(editor_client.get(change_url(article)))
    data["tags"] = "naval"
    editor_client.post(change_url(article), data)
    data = form_data(editor_client.get(change_url(article)))
    data["sections-0-body"] = "New text."
    data["tags"] = "naval, air"
    editor_client.post(change_url(article), data)

    versions = list(Version.objects.get_for_object(article))
    assert len(versions) == 2
    revision_models = {v.content_type.model for v in versions[1].revision.version_set.all()}
    assert {"article", "section", "taggedarticle"} <= revision_models

    history = editor_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert "Compare two versions" in history.content.decode()
    compare = editor_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"from": versions[1].pk, "to": versions[0].pk},
    )
    changes = compare.context["comparison"].changes()
    text = next(change for place, label, change in changes if (place, label) == ("Part", "Text"))
    assert (text.old_text, text.new_text) == ("Old text.", "New text.")
    assert (text.removed, text.added) == (["Old"], ["New"])
    tags = next(change for place, label, change in changes if (place, label) == ("Article", "Tags"))
    assert (tags.old_text, tags.new_text, tags.added) == ("naval", "air, naval", ["air"])
    bad = editor_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]), {"from": "x", "to": "1"}
    )
    assert bad.status_code == 302
    missing = editor_client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"from": 999999, "to": versions[0].pk},
    )
    assert missing.status_code == 404

    # Revert to the first version: its section text and tags come back.
    revision_url = reverse("admin:articles_article_revision", args=[article.pk, versions[1].pk])
    response = editor_client.get(revision_url)
    assert response.status_code == 200
    assert Section.objects.get(article=article).body == "New text."  # a GET changes nothing
    response = editor_client.post(revision_url, form_data(response))
    assert response.status_code == 302
    section = Section.objects.get(article=article)
    assert section.body == "Old text."
    assert "Old text." in section.body_html
    assert sorted(Article.objects.get(pk=article.pk).tags.names()) == ["naval"]


def test_compare_reads_one_article_out_of_a_revision_of_several(editor_client):
    first = make_article("First of two", status=Article.Status.DRAFT, tags=["naval"])
    second = make_article("Second of two", status=Article.Status.DRAFT, tags=["air"])
    editor_client.post(change_url(first), form_data(editor_client.get(change_url(first))))
    # One action on both articles: one revision holding both, and their taggings.
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_articles", "_selected_action": [first.pk, second.pk]},
    )
    newer, older = Version.objects.get_for_object(first)[:2]
    assert newer.revision.version_set.filter(object_id=str(second.pk)).exists()
    compare = editor_client.get(
        reverse("admin:articles_article_compare", args=[first.pk]),
        {"from": older.pk, "to": newer.pk},
    )
    assert compare.status_code == 200
    comparison = compare.context["comparison"]
    assert not comparison.text_changed  # publishing changed none of the text
    assert "The two versions have the same text." in compare.content.decode()
    status = comparison.state_fields[0]
    assert (status.label, status.old_text, status.new_text) == ("Status", "Draft", "Published")


def test_recover_a_deleted_article_with_its_sections(editor_client):
    article = make_article(
        "Doomed", sections=[{"heading": "One", "tags": ["naval"]}, {"heading": "Two"}]
    )
    editor_client.post(change_url(article), form_data(editor_client.get(change_url(article))))
    response = editor_client.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()

    recover_list = editor_client.get(reverse("admin:articles_article_recoverlist"))
    assert "Doomed" in recover_list.content.decode()
    version = Version.objects.get_deleted(Article).get()
    recover_url = reverse("admin:articles_article_recover", args=[version.pk])
    response = editor_client.post(recover_url, form_data(editor_client.get(recover_url)))
    assert response.status_code == 302
    recovered = Article.objects.get(pk=article.pk)
    assert [s.heading for s in recovered.sections.order_by("position")] == ["One", "Two"]
    assert list(recovered.sections.get(heading="One").tags.names()) == ["naval"]


# --- Preview links -----------------------------------------------------------------------


def test_preview_links_are_made_and_revoked_from_the_article_page(editor_client, client):
    article = make_article("Previewed", status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_preview_links", args=[article.pk])
    assert url in editor_client.get(change_url(article)).content.decode()
    response = editor_client.post(url, {"create": "1"}, follow=True)
    link = article.preview_links.get()
    token = re.search(r"/preview/([^/\"]+)/", response.content.decode()).group(1)
    assert signing.TimestampSigner(salt=preview_links.PREVIEW_SALT).unsign(token) == str(link.pk)
    assert client.get(reverse("preview:shared", kwargs={"token": token})).status_code == 200
    editor_client.post(url, {"revoke": str(link.pk)})
    assert client.get(reverse("preview:shared", kwargs={"token": token})).status_code == 410
    response = editor_client.post(url, {"revoke": "nonsense"}, follow=True)
    assert "No such preview link" in response.content.decode()


# --- Wanted articles ---------------------------------------------------------------------


def test_wanted_articles_lists_unresolved_titles_and_creates_drafts(editor_client):
    source = make_article(
        "Source piece",
        sections=[
            {"heading": "A", "body": "See [[Maritime Patrols]] and [[Maritime patrols]]."},
            {"heading": "B", "body": "See also [[Joint Exercises]]"},
        ],
    )
    url = reverse("admin:articles_article_wanted")
    response = editor_client.get(url)
    wanted = {w.key: w for w in response.context["wanted"]}
    assert wanted["maritime patrols"].count == 2
    assert wanted["joint exercises"].count == 1
    assert "Source piece" in response.content.decode()

    response = editor_client.post(url, {"title": "Maritime Patrols"})
    created = Article.objects.get(title="Maritime Patrols")
    assert response.status_code == 302
    assert response.url == change_url(created)
    assert created.status == Article.Status.DRAFT
    assert CrossReference.objects.filter(source_article=source, target=created).count() == 2

    response = editor_client.post(url, {"title": "Maritime Patrols"}, follow=True)
    assert "exists already" in response.content.decode()
    response = editor_client.post(url, {"title": "Never mentioned"}, follow=True)
    assert "No passage refers to" in response.content.decode()
    assert not Article.objects.filter(title="Never mentioned").exists()
    response = editor_client.post(url, {"title": "   "}, follow=True)
    assert "No title was given" in response.content.decode()


# --- Tags --------------------------------------------------------------------------------


def test_tag_list_counts_usage(editor_client):
    make_article("Tagged one", tags=["naval"], sections=[{"heading": "S", "tags": ["naval"]}])
    make_article("Tagged two", tags=["naval"])
    response = editor_client.get(reverse("admin:taggit_tag_changelist"))
    naval = next(t for t in response.context["cl"].result_list if t.name == "naval")
    assert (naval.article_count, naval.section_count) == (2, 1)


def test_merge_tags_moves_taggings_without_duplicates(editor_client):
    both = make_article(
        "Both", tags=["navy", "naval"], sections=[{"heading": "S", "tags": ["navy", "naval"]}]
    )
    only = make_article("Only", tags=["navy"], sections=[{"heading": "S", "tags": ["navy"]}])
    navy, naval = Tag.objects.get(name="navy"), Tag.objects.get(name="naval")
    url = reverse("admin:taggit_tag_changelist")
    response = editor_client.post(
        url, {"action": "merge_tags", "_selected_action": [navy.pk, naval.pk]}
    )
    assert response.status_code == 200
    assert "Merge into" in response.content.decode()
    response = editor_client.post(
        url, {"action": "merge_tags", "_selected_action": [navy.pk], "apply": "1", "target": "x"}
    )
    assert response.status_code == 200  # a bad target: the form again, nothing merged
    assert Tag.objects.filter(pk=navy.pk).exists()
    response = editor_client.post(
        url,
        {
            "action": "merge_tags",
            "_selected_action": [navy.pk, naval.pk],
            "apply": "1",
            "target": naval.pk,
        },
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=navy.pk).exists()
    assert list(both.tags.names()) == ["naval"]
    assert list(only.tags.names()) == ["naval"]
    assert TaggedArticle.objects.filter(tag=naval).count() == 2
    assert TaggedSection.objects.filter(tag=naval).count() == 2


def test_merge_tags_service_handles_several_merged_tags_on_one_object():
    article = make_article("Many", tags=["a", "b", "c"])
    a, b, c = (Tag.objects.get(name=n) for n in "abc")
    target = Tag.objects.create(name="target")
    assert merge_tags(tags=[a, b, c], into=target) == 3
    assert list(article.tags.names()) == ["target"]


def test_rename_tag_and_refuse_a_clash(editor_client):
    make_article("Renamed", tags=["navy", "air"])
    navy = Tag.objects.get(name="navy")
    url = reverse("admin:taggit_tag_change", args=[navy.pk])
    response = editor_client.post(url, {"name": "Naval forces", "slug": "naval-forces"})
    assert response.status_code == 302
    navy.refresh_from_db()
    assert (navy.name, navy.slug) == ("Naval forces", "naval-forces")
    response = editor_client.post(url, {"name": "air", "slug": "air"})
    assert response.status_code == 200
    navy.refresh_from_db()
    assert navy.name == "Naval forces"


# --- Import --------------------------------------------------------------------------------


def upload(client, name, data):
    return client.post(
        reverse("admin:articles_article_import"),
        {"source": SimpleUploadedFile(name, data, content_type="text/plain")},
    )


def test_import_shows_the_outline_then_creates_a_draft(editor_client):
    path = sorted(SOURCES_DIR.glob("*.txt"))[0]
    response = upload(editor_client, path.name, path.read_bytes())
    assert response.status_code == 200
    outline = response.context["outline"]
    page = response.content.decode()
    assert outline.title in page
    assert "lead paragraph" in page
    assert not Article.objects.exists()
    response = editor_client.post(
        reverse("admin:articles_article_import"),
        {"confirm": "1", "digest": response.context["confirm_form"]["digest"].value()},
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert response.url == change_url(article)
    assert article.status == Article.Status.DRAFT
    assert article.source_file == path.name
    assert article.sections.count() == len(outline.sections)

    # The same file again: nothing changes, and the editor is told so.
    response = upload(editor_client, path.name, path.read_bytes())
    assert "exists already" in response.content.decode()
    response = editor_client.post(
        reverse("admin:articles_article_import"),
        {"confirm": "1", "digest": response.context["confirm_form"]["digest"].value()},
        follow=True,
    )
    assert "nothing was imported" in response.content.decode()
    response = upload(editor_client, path.name, path.read_bytes())
    response = editor_client.post(
        reverse("admin:articles_article_import"),
        {
            "confirm": "1",
            "replace": "on",
            "digest": response.context["confirm_form"]["digest"].value(),
        },
        follow=True,
    )
    assert "already imported from this very file" in response.content.decode()
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The submitted file is empty."),
        (b"   \n\n", "the file is empty"),
        (b"\x00\x01binary\x00", "binary file"),
        (b"Title\n\nCaf\xe9 au lait.\n", "not valid UTF-8"),
        (b"Only a title\n", "title but no body"),
    ],
)
def test_bad_uploads_show_the_parser_message_and_save_nothing(editor_client, data, message):
    response = upload(editor_client, "bad.txt", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Article.objects.exists()


def test_oversized_upload_and_stale_confirmation(editor_client):
    limit = 1024 * 1024
    text = b"Title\n\n" + b"word " * 300_000
    response = upload(editor_client, "big.txt", text[: limit + 1])
    assert response.status_code == 200
    assert (
        "The file is 1,048,577 bytes; the limit is 1,048,576 bytes (1 MiB)."
        in response.content.decode()
    )
    response = upload(editor_client, "big.txt", text[:limit])
    assert "the limit is" not in response.content.decode()
    response = editor_client.post(
        reverse("admin:articles_article_import"), {"confirm": "1", "digest": "0" * 64}, follow=True
    )
    assert "Upload it again" in response.content.decode()
    assert not Article.objects.exists()
