"""Nothing lost: export → fresh database → import → export gives the same bytes."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from taggit.models import Tag

from articles.models import (
    Article,
    CrossReference,
    Section,
    TaggedArticle,
    TaggedSection,
    TopicDescription,
)

from .factories import make_article

# Real commits: a flush inside a test transaction is refused by PostgreSQL (deferred FKs).
pytestmark = pytest.mark.django_db(transaction=True)


def export(tmp_path, name="export.json"):
    path = tmp_path / name
    call_command("export_content", output=str(path), verbosity=0)
    return path


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Article, Section, Tag, TaggedArticle, TaggedSection, CrossReference)
    }


@pytest.fixture
def full_content(imported_sources):
    """The imported sources, plus a draft with inline references and a scheduled article."""
    sources = imported_sources
    draft = make_article(
        "Draft on naval diplomacy",
        status=Article.Status.DRAFT,
        summary=f"Builds on [[{sources[0].title}]] and [[A title not yet written]].",
        sections=[
            {
                "heading": "Port visits",
                "body": f"See [[{sources[1].title}#{sources[1].sections.first().heading}]].\n\n"
                "See also: [[Unwritten companion piece]]",
                "tags": ["navy", "port-visits"],
            },
            {"heading": "Exercises", "body": "- one\n- two", "level": 3},
        ],
        tags=["navy"],
    )
    scheduled = make_article(
        "Scheduled: the attaché system",
        published_at=timezone.now() + timedelta(days=3),
        sections=[{"heading": "Beginnings", "body": "Text."}],
    )
    # Timestamps from another time, as an older database would have them.
    Article.objects.filter(pk=draft.pk).update(
        created_at=datetime(2021, 3, 4, 5, 6, 7, 890123, tzinfo=UTC),
        updated_at=datetime(2022, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
    return sources + [draft, scheduled]


def test_export_import_export_is_byte_identical(tmp_path, full_content):
    first = export(tmp_path, "first.json")
    before = counts()
    assert before["CrossReference"] >= 4 and before["TaggedSection"] > 0

    call_command("flush", interactive=False, verbosity=0)
    assert Article.objects.count() == 0 and Tag.objects.count() == 0

    call_command("import_content", str(first), verbosity=0)
    second = export(tmp_path, "second.json")

    assert second.read_bytes() == first.read_bytes()
    assert counts() == before


def test_export_has_no_database_ids_and_stable_order(tmp_path, full_content):
    data = json.loads(export(tmp_path).read_text())
    assert [a["slug"] for a in data["articles"]] == sorted(a["slug"] for a in data["articles"])
    assert [t["slug"] for t in data["tags"]] == sorted(t["slug"] for t in data["tags"])
    text = json.dumps(data)
    assert '"id"' not in text and '"pk"' not in text
    draft = next(a for a in data["articles"] if a["title"] == "Draft on naval diplomacy")
    assert draft["status"] == "draft"
    assert draft["created_at"] == "2021-03-04T05:06:07.890123+00:00"
    assert {r["target_title"] for r in draft["cross_references"]} >= {
        "A title not yet written",
        "Unwritten companion piece",
    }
    assert any(r["target"] is None for r in draft["cross_references"])
    assert any(r["target"] for r in draft["cross_references"])


def test_imported_content_is_live_content(tmp_path, full_content):
    path = export(tmp_path)
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_content", str(path), verbosity=0)
    scheduled = Article.objects.get(title="Scheduled: the attaché system")
    assert scheduled.is_scheduled
    draft = Article.objects.get(title="Draft on naval diplomacy")
    section = draft.sections.get(heading="Port visits")
    assert section.body_html  # derived HTML rebuilt on save
    assert sorted(section.tags.names()) == ["navy", "port-visits"]
    assert Article.objects.published().count() == len(full_content) - 2


def test_import_into_the_same_database_changes_nothing(tmp_path, full_content, capsys):
    path = export(tmp_path)
    before = counts()
    call_command("import_content", str(path))
    assert "0 articles created, 0 replaced" in capsys.readouterr().out
    assert counts() == before
    assert export(tmp_path, "again.json").read_bytes() == path.read_bytes()


def test_import_refuses_to_overwrite_different_content_unless_replace(tmp_path, full_content):
    path = export(tmp_path)
    article = Article.objects.get(title="Draft on naval diplomacy")
    article.summary = "Changed by an editor."
    article.save()

    with pytest.raises(CommandError, match="conflict"):
        call_command("import_content", str(path), verbosity=0)
    assert Article.objects.get(pk=article.pk).summary == "Changed by an editor."

    call_command("import_content", str(path), replace=True, verbosity=0)
    assert Article.objects.get(pk=article.pk).summary.startswith("Builds on")
    assert export(tmp_path, "after.json").read_bytes() == path.read_bytes()


def test_dry_run_saves_nothing(tmp_path, full_content):
    path = export(tmp_path)
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_content", str(path), dry_run=True, verbosity=0)
    assert Article.objects.count() == 0 and Tag.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "something-else"}', "not a milcoop-content export"),
        ('{"format": "milcoop-content", "version": 1, "tags": [], "articles": [{}]}', "missing"),
        (
            '{"format": "milcoop-content", "version": 1, "tags": [], "articles": '
            '[{"slug": "Not A Slug"}]}',
            "not a slug",
        ),
    ],
)
def test_malformed_files_are_refused_with_a_clear_error(tmp_path, text, message):
    make_article("Already here")
    before = counts()
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CommandError, match=message):
        call_command("import_content", str(path), verbosity=0)
    assert counts() == before


def test_a_file_broken_half_way_saves_nothing(tmp_path, full_content):
    data = json.loads(export(tmp_path).read_text())
    call_command("flush", interactive=False, verbosity=0)
    data["articles"][-1]["sections"][0]["level"] = 7
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"articles\[\d+\]\.sections\[0\]\.level"):
        call_command("import_content", str(path), verbosity=0)
    assert Article.objects.count() == 0


def test_a_database_refusal_rolls_everything_back(tmp_path, full_content):
    data = json.loads(export(tmp_path).read_text())
    call_command("flush", interactive=False, verbosity=0)
    data["articles"][-1]["title"] = data["articles"][0]["title"]  # titles are unique
    path = tmp_path / "clash.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_content", str(path), verbosity=0)
    assert Article.objects.count() == 0


def test_topic_descriptions_survive_export_flush_import(tmp_path, full_content):
    plain = json.loads(export(tmp_path, "plain.json").read_text())
    # Without descriptions, tags export as before there were any: slug and name.
    assert {frozenset(tag) for tag in plain["tags"]} == {frozenset({"slug", "name"})}

    described = {"navy": "Fleets and *their* diplomacy.", "port-visits": "Ships calling on ports."}
    for slug, text in described.items():
        TopicDescription.objects.create(tag=Tag.objects.get(slug=slug), text=text)
    first = export(tmp_path, "first.json")
    data = json.loads(first.read_text())
    assert {t["slug"]: t["description"] for t in data["tags"] if "description" in t} == described
    assert [t for t in data["tags"] if "description" not in t] == [
        t for t in plain["tags"] if t["slug"] not in described
    ]

    call_command("flush", interactive=False, verbosity=0)
    call_command("import_content", str(first), verbosity=0)
    assert export(tmp_path, "second.json").read_bytes() == first.read_bytes()
    navy = TopicDescription.objects.get(tag__slug="navy")
    assert "<em>their</em>" in navy.text_html

    TopicDescription.objects.all().delete()
    assert (
        export(tmp_path, "plain-again.json").read_bytes() == (tmp_path / "plain.json").read_bytes()
    )


# --- create_local_editor ---------------------------------------------------------------------


def test_create_local_editor_refuses_without_debug_or_local(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local development"):
        call_command("create_local_editor")
    assert not User.objects.filter(username="editor").exists()


def test_create_local_editor_prints_a_fresh_password_that_logs_in(client, capsys):
    call_command("create_local_editor", local=True)
    out = capsys.readouterr().out
    password = next(
        line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("password:")
    )
    assert len(password) >= 20
    user = User.objects.get(username="editor")
    assert user.is_superuser and user.is_staff

    call_command("create_local_editor", local=True)
    second = capsys.readouterr().out
    assert password not in second  # a new one each time; the old one no longer works
    user.refresh_from_db()
    assert not user.check_password(password)
    new_password = next(
        line.split(": ", 1)[1] for line in second.splitlines() if line.startswith("password:")
    )
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": new_password}
    )
    assert response.status_code == 302
