"""Roles: what an editor may do in the admin, and what stays out of reach."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from articles.editorial.roles import EDITORS_GROUP
from articles.models import Article, Section
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client():
    client = Client()
    client.force_login(make_editor())
    return client


def test_setup_roles_creates_and_repairs_the_group():
    Group.objects.filter(name=EDITORS_GROUP).delete()
    out = StringIO()
    call_command("setup_roles", stdout=out)
    assert "Created the Editors group" in out.getvalue()
    group = Group.objects.get(name=EDITORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"publish_article", "change_section", "delete_tag", "add_previewlink"} <= codenames
    assert not {"change_user", "add_group", "change_permission"} & codenames

    group.permissions.add(Permission.objects.get(codename="change_user"))
    group.permissions.remove(Permission.objects.get(codename="publish_article"))
    out = StringIO()
    call_command("setup_roles", stdout=out, verbosity=2)
    assert "Updated the Editors group" in out.getvalue()
    assert "+ articles.publish_article" in out.getvalue()
    assert "- auth.change_user" in out.getvalue()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "publish_article" in codenames and "change_user" not in codenames


def test_setup_roles_dry_run_changes_nothing():
    group = Group.objects.get(name=EDITORS_GROUP)
    group.permissions.clear()
    out = StringIO()
    call_command("setup_roles", "--dry-run", stdout=out)
    assert "Would update" in out.getvalue()
    assert group.permissions.count() == 0


def test_editor_has_the_article_permissions():
    editor = make_editor()
    for perm in (
        "articles.add_article",
        "articles.change_article",
        "articles.delete_article",
        "articles.publish_article",
        "articles.add_section",
        "articles.change_section",
        "articles.delete_section",
        "taggit.add_tag",
        "taggit.change_tag",
        "taggit.delete_tag",
    ):
        assert editor.has_perm(perm), perm
    assert not editor.is_superuser


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:articles_article_changelist",
        "admin:articles_article_add",
        "admin:articles_article_wanted",
        "admin:articles_article_import",
        "admin:articles_article_recoverlist",
        "admin:taggit_tag_changelist",
        "admin:taggit_tag_add",
        "admin:articles_previewlink_changelist",
    ],
)
def test_editor_reaches_the_editorial_pages(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 200


def test_editor_can_add_change_and_delete_articles_and_tags(editor_client):
    article = make_article("Editable", sections=[{"heading": "Part", "tags": ["naval"]}])
    section = article.sections.get()
    tag = Tag.objects.get(name="naval")
    assert (
        editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).status_code
        == 200
    )
    assert editor_client.get(reverse("admin:taggit_tag_change", args=[tag.pk])).status_code == 200
    response = editor_client.post(
        reverse("admin:taggit_tag_delete", args=[tag.pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not Tag.objects.filter(pk=tag.pk).exists()
    response = editor_client.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    assert not Section.objects.filter(pk=section.pk).exists()
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_articles", "_selected_action": [make_article("P", status="draft").pk]},
    )
    assert response.status_code == 302
    assert Article.objects.get(title="P").is_public


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/user/1/change/",
        "/admin/auth/user/1/password/",
        "/admin/auth/group/",
        "/admin/auth/group/add/",
        "/admin/auth/group/1/change/",
        "/admin/auth/permission/",
        "/admin/auth/",
    ],
)
def test_editor_cannot_reach_users_groups_or_permissions(editor_client, url):
    User.objects.create_superuser("root", password="root-pass-long-123")
    assert editor_client.get(url).status_code in {403, 404}


def test_admin_index_does_not_list_auth_for_editors(editor_client):
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert "/admin/auth/user/" not in page
    assert "/admin/articles/article/" in page


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/articles/article/", "/admin/articles/article/wanted/"]
)
def test_non_staff_are_sent_to_the_login_page(client, url):
    client.force_login(User.objects.create_user("reader", password="reader-pass-long-1"))
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_anonymous_are_sent_to_the_login_page(client):
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
