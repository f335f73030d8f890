"""
Who may read drafts: every page that shows an unpublished article's text or
title asks for the permission to view or change articles, not for staff status.
"""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.models import Article
from tests.factories import admin_form_data, make_article, make_editor

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Secret draft title"
DRAFT_TEXT = "Confidential draft sentence."


@pytest.fixture
def drafts():
    """A draft with two saved versions, and a deleted draft that can be recovered."""
    editor = Client()
    editor.force_login(make_editor("keeper"))
    draft = make_article(
        DRAFT_TITLE,
        status=Article.Status.DRAFT,
        summary=DRAFT_TEXT,
        sections=[{"heading": "Inside", "body": f"{DRAFT_TEXT} See [[Wanted title]]."}],
    )
    gone = make_article("Deleted draft", status=Article.Status.DRAFT, summary=DRAFT_TEXT)
    for article in (draft, draft, gone):
        change = reverse("admin:articles_article_change", args=[article.pk])
        data = admin_form_data(editor.get(change))
        assert editor.post(change, data).status_code == 302
    editor.post(reverse("admin:articles_article_delete", args=[gone.pk]), {"post": "yes"})
    versions = list(Version.objects.get_for_object(draft))
    deleted = Version.objects.get_deleted(Article).get()
    return draft, versions, deleted


def draft_urls(draft, versions, deleted):
    return {
        "staff preview": reverse("preview:article", kwargs={"slug": draft.slug}),
        "change form": reverse("admin:articles_article_change", args=[draft.pk]),
        "wanted": reverse("admin:articles_article_wanted"),
        "import": reverse("admin:articles_article_import"),
        "preview links": reverse("admin:articles_article_preview_links", args=[draft.pk]),
        "history": reverse("admin:articles_article_history", args=[draft.pk]),
        "compare": reverse("admin:articles_article_compare", args=[draft.pk])
        + f"?from={versions[1].pk}&to={versions[0].pk}",
        "revision": reverse("admin:articles_article_revision", args=[draft.pk, versions[1].pk]),
        "recover list": reverse("admin:articles_article_recoverlist"),
        "recover": reverse("admin:articles_article_recover", args=[deleted.pk]),
    }


URL_NAMES = [
    "staff preview",
    "change form",
    "wanted",
    "import",
    "preview links",
    "history",
    "compare",
    "revision",
    "recover list",
    "recover",
]


def staff_without_permissions():
    user = User.objects.create_user("bystander", password="bystander-pass-123", is_staff=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", URL_NAMES)
def test_staff_without_permissions_read_no_draft(drafts, name):
    url = draft_urls(*drafts)[name]
    client = staff_without_permissions()
    for response in (client.get(url), client.post(url, {"title": "Wanted title"})):
        assert response.status_code in {403, 404}, (name, response.status_code)
        page = response.content.decode()
        assert DRAFT_TEXT not in page and DRAFT_TITLE not in page
    assert not Article.objects.filter(title="Wanted title").exists()
    assert Article.objects.get(pk=drafts[0].pk).title == DRAFT_TITLE


@pytest.mark.parametrize("name", URL_NAMES)
def test_editors_reach_every_draft_page(drafts, name):
    client = Client()
    client.force_login(make_editor())
    response = client.get(draft_urls(*drafts)[name])
    assert response.status_code == 200, name


@pytest.mark.parametrize("codename", ["view_article", "change_article"])
def test_either_permission_opens_the_staff_preview(drafts, codename):
    user = User.objects.create_user("reviewer", password="reviewer-pass-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    response = client.get(reverse("preview:article", kwargs={"slug": drafts[0].slug}))
    assert response.status_code == 200
    assert DRAFT_TEXT in response.content.decode()


def test_permissions_without_staff_status_do_not_open_the_preview(drafts):
    user = User.objects.create_user("outsider", password="outsider-pass-123")
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(user)
    response = client.get(reverse("preview:article", kwargs={"slug": drafts[0].slug}))
    assert response.status_code == 404
