"""
The admin as an editor first meets it: its name, the sections an Editor
sees, the article list, and publishing from the change form with the status
line above it.
"""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.admin.forms import ArticleAdminForm, SectionInlineForm
from articles.models import Article, Section
from tests.factories import admin_form_data as form_data
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def text_of(response):
    """The page's visible text: tags taken out, spacing collapsed, no space before a stop."""
    page = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([:.,;])", r"\1", text)


# --- Names and sections -------------------------------------------------------------------


def test_the_admin_is_named_for_the_editors(editor_client):
    response = editor_client.get(reverse("admin:index"))
    page = response.content.decode()
    assert "Milcoop editorial" in page
    assert "<title>Dashboard | Milcoop editorial</title>" in page
    assert "Django administration" not in page
    assert "Django site admin" not in page


def test_an_editor_sees_only_the_sections_they_may_use(editor_client):
    page = text_of(editor_client.get(reverse("admin:index")))
    assert "Articles" in page
    assert "Topics" in page
    for absent in ("Taggit", "Login throttling", "Access attempts", "Users", "Groups"):
        assert absent not in page, absent


def test_sections_of_other_applications_have_human_names():
    admin = User.objects.create_superuser("root", password="root-pass-123")
    client = Client()
    client.force_login(admin)
    page = text_of(client.get(reverse("admin:index")))
    assert "Topics" in page
    assert "Login throttling" in page
    assert "Accounts and roles" in page
    assert not re.search(r"\b(Taggit|TAGGIT|Axes|AXES)\b", page)
    breadcrumbs = text_of(client.get(reverse("admin:taggit_tag_changelist")))
    assert "Home › Topics › Tags" in breadcrumbs


# --- The article form ---------------------------------------------------------------------


def test_help_texts_show_their_placeholders_whole(editor_client):
    """Help texts are shown as HTML by the admin: none may hold markup-like text."""
    for form in (ArticleAdminForm, SectionInlineForm):
        for name, field in form.base_fields.items():
            assert "<" not in str(field.help_text), (form.__name__, name)
    for model in (Article, Section):
        for field in model._meta.get_fields():
            assert "<" not in str(getattr(field, "help_text", "")), (model.__name__, field.name)
    page = text_of(editor_client.get(change_url(make_article("Placeholders"))))
    assert "as in /articles/your-slug/" in page


def test_a_draft_sections_view_on_site_opens_the_draft_preview(editor_client):
    draft = make_article(
        "Unseen work", status=Article.Status.DRAFT, sections=[{"heading": "Hidden part"}]
    )
    scheduled = make_article(
        "Later work",
        published_at=timezone.now() + timedelta(days=2),
        sections=[{"heading": "Later part"}],
    )
    public = make_article("Seen work", sections=[{"heading": "Open part"}])
    for article in (draft, scheduled):
        page = editor_client.get(change_url(article)).content.decode()
        preview = reverse("preview:article", kwargs={"slug": article.slug})
        section = article.sections.get()
        assert f'href="{preview}#{section.anchor}"' in page
        assert "/admin/r/" not in page
    page = editor_client.get(change_url(public)).content.decode()
    assert f'href="{public.sections.get().get_absolute_url()}"' in page


def test_the_article_list_names_a_few_tags_and_counts_the_rest(editor_client):
    make_article("Many topics", tags=["alpha", "beta", "delta", "gamma", "omega"])
    page = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "alpha, beta, delta and 2 more" in page
    assert 'title="alpha, beta, delta, gamma, omega"' in page


# --- Publishing from the form -------------------------------------------------------------


def buttons(response):
    page = response.content.decode()
    return set(re.findall(r'<button type="submit" name="(_publish|_schedule|_unpublish)"', page))


def test_the_status_line_says_the_state_and_who_saved_last(editor_client, editor):
    editor.first_name, editor.last_name = "Ada", "Editor"
    editor.save()
    draft = make_article("Status draft", status=Article.Status.DRAFT)
    editor_client.post(change_url(draft), form_data(editor_client.get(change_url(draft))))
    page = text_of(editor_client.get(change_url(draft)))
    assert "Draft: readers cannot see it." in page
    assert "Last saved by Ada Editor on" in page

    when = timezone.localtime(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    later = make_article("Status later", published_at=when)
    page = text_of(editor_client.get(change_url(later)))
    assert f"Scheduled for {when.day} {when:%B %Y, %H:%M}" in page

    public = make_article("Status public")
    local = timezone.localtime(public.published_at)
    page = text_of(editor_client.get(change_url(public)))
    assert f"Published on {local.day} {local:%B %Y, %H:%M}" in page


def test_buttons_follow_the_state(editor_client):
    draft = make_article("Button draft", status=Article.Status.DRAFT)
    assert buttons(editor_client.get(change_url(draft))) == {"_publish", "_schedule"}
    later = make_article("Button later", published_at=timezone.now() + timedelta(days=1))
    assert buttons(editor_client.get(change_url(later))) == {"_publish", "_schedule", "_unpublish"}
    public = make_article("Button public")
    assert buttons(editor_client.get(change_url(public))) == {"_schedule", "_unpublish"}
    assert buttons(editor_client.get(reverse("admin:articles_article_add"))) == {
        "_publish",
        "_schedule",
    }


def test_publish_saves_the_form_then_publishes(editor_client, editor):
    draft = make_article("To publish", status=Article.Status.DRAFT, summary="Old lead.")
    data = form_data(editor_client.get(change_url(draft)))
    data.update({"summary": "New lead.", "_publish": "1"})
    response = editor_client.post(change_url(draft), data)
    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    draft.refresh_from_db()
    assert draft.summary == "New lead."
    assert draft.is_public
    revision = Version.objects.get_for_object(draft).first().revision
    assert revision.user == editor
    assert revision.get_comment() == "Changed Summary. Published."
    page = text_of(editor_client.get(change_url(draft)))
    assert "Published “To publish”: readers see it now." in page


def test_publish_from_the_add_form(editor_client):
    data = form_data(editor_client.get(reverse("admin:articles_article_add")))
    data.update({"title": "Born public", "slug": "born-public", "_publish": "1"})
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    assert Article.objects.get(slug="born-public").is_public


def schedule_data(client, article, when):
    data = form_data(client.get(change_url(article)))
    local = timezone.localtime(when)
    data.update(
        {
            "_schedule": "1",
            "schedule-published_at_0": f"{local:%Y-%m-%d}",
            "schedule-published_at_1": f"{local:%H:%M}",
        }
    )
    return data


def test_schedule_needs_a_moment_in_the_future(editor_client):
    draft = make_article("To schedule", status=Article.Status.DRAFT)
    past = schedule_data(editor_client, draft, timezone.now() - timedelta(days=1))
    past["summary"] = "Not saved either."
    response = editor_client.post(change_url(draft), past)
    assert response.status_code == 200
    assert "Not scheduled: Choose a moment in the future to schedule for." in text_of(response)
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    assert draft.summary != "Not saved either."

    when = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = editor_client.post(change_url(draft), schedule_data(editor_client, draft, when))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_scheduled
    assert draft.published_at == when
    comment = Version.objects.get_for_object(draft).first().revision.get_comment()
    assert comment.startswith("Scheduled for ")


def test_unpublish_makes_a_draft(editor_client):
    public = make_article("To unpublish")
    data = form_data(editor_client.get(change_url(public)))
    data["_unpublish"] = "1"
    assert editor_client.post(change_url(public), data).status_code == 302
    public.refresh_from_db()
    assert public.status == Article.Status.DRAFT


def test_an_edit_conflict_stops_a_publishing_button_too(editor_client):
    draft = make_article("Contested", status=Article.Status.DRAFT)
    data = form_data(editor_client.get(change_url(draft)))
    Article.objects.get(pk=draft.pk).save()  # someone else saved since
    data["_publish"] = "1"
    response = editor_client.post(change_url(draft), data)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_without_the_publish_permission_there_are_no_buttons_and_no_publishing():
    editor = make_editor("writer")
    editor.groups.clear()
    for codename in ("view_article", "change_article", "add_article", "change_section"):
        editor.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(editor)
    draft = make_article("Not mine to publish", status=Article.Status.DRAFT)
    response = client.get(change_url(draft))
    assert buttons(response) == set()
    assert "Draft" in text_of(response)
    data = form_data(response)
    data["_publish"] = "1"
    assert client.post(change_url(draft), data).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


# --- History ------------------------------------------------------------------------------


def test_the_history_lists_versions_to_open_and_compare(editor_client):
    article = make_article("Kept versions")
    for lead in ("First lead.", "Second lead."):
        data = form_data(editor_client.get(change_url(article)))
        data["summary"] = lead
        editor_client.post(change_url(article), data)
    response = editor_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    page = response.content.decode()
    assert "Every save is kept as a version." in page
    assert page.count('name="from"') == 2
    for version in Version.objects.get_for_object(article):
        assert reverse("admin:articles_article_revision", args=[article.pk, version.pk]) in page
