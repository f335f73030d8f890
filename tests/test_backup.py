"""The backup services: what a bad document is told, and that it changes nothing."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from taggit.models import Tag

from articles.backup import (
    ContentConflict,
    ContentFileError,
    dumps,
    export_content,
    load_content,
    read_content_file,
    validate_content,
    write_export,
)
from articles.models import (
    Article,
    CrossReference,
    Section,
    TaggedArticle,
    TaggedSection,
    TopicDescription,
)

from .factories import make_article

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Article,
            Section,
            Tag,
            TaggedArticle,
            TaggedSection,
            CrossReference,
            TopicDescription,
        )
    }


@pytest.fixture
def document():
    """An export of two articles, with the database emptied afterwards."""
    make_article(
        "Naval diplomacy",
        tags=["navy"],
        sections=[{"heading": "Port visits", "body": "See [[Attachés]].", "tags": ["ports"]}],
    )
    make_article("Attachés", sections=[{"heading": "Beginnings"}])
    data = export_content()
    Article.objects.all().delete()
    Tag.objects.all().delete()
    return data


def test_a_document_loads_into_an_empty_database_and_exports_the_same(document):
    result = load_content(data=document)
    assert (result.created, result.replaced, result.unchanged, result.tags) == (2, 0, 0, 2)
    assert dumps(export_content()) == dumps(document)
    again = load_content(data=document)
    assert (again.created, again.unchanged) == (0, 2)


@pytest.mark.parametrize("name", ["!!!", "   ", "x" * 101])
def test_a_tag_name_that_cannot_name_a_topic_is_refused_and_nothing_is_loaded(document, name):
    document["tags"][-1]["name"] = name
    with pytest.raises(ContentFileError, match=r"^tags\[1\]\.name: "):
        load_content(data=document)
    assert counts()["Article"] == counts()["Tag"] == 0


def test_the_command_names_the_bad_tag_and_saves_nothing(document, tmp_path):
    document["tags"][0]["name"] = "§§"
    path = tmp_path / "bad-tag.json"
    path.write_text(json.dumps(document))
    with pytest.raises(
        CommandError, match=r"tags\[0\]\.name: .*cannot be a tag.*nothing was saved"
    ):
        call_command("import_content", str(path), verbosity=0)
    assert counts()["Article"] == counts()["Tag"] == 0


def test_tag_names_are_tidied_and_two_that_tidy_alike_are_refused(document):
    document["tags"][0]["name"] = "  naval   power "
    load_content(data=document)
    assert Tag.objects.filter(name="naval power").exists()

    document["tags"][1]["name"] = "naval power"
    Article.objects.all().delete()
    with pytest.raises(ContentFileError, match=r"tags\[1\]\.name: 'naval power' appears twice"):
        validate_content(data=document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "unsupported version 2"),
        (lambda d: d["articles"][0].update(status="gone"), r"articles\[0\]\.status: 'gone'"),
        (
            lambda d: d["articles"][0].update(published_at=None),
            r"articles\[0\]\.published_at: a published article needs one",
        ),
        (
            lambda d: d["articles"][0].update(created_at="2024-01-01T00:00:00"),
            "has no time zone",
        ),
        (
            lambda d: d["articles"][1]["sections"][0].update(tags=["nowhere"]),
            r"articles\[1\]\.sections\[0\]\.tags: 'nowhere' is not among the file's tags",
        ),
        (
            lambda d: d["articles"][1]["cross_references"][0].update(section="missing"),
            r"cross_references\[0\]\.section: no section 'missing' in this article",
        ),
        (lambda d: d["tags"].append(dict(d["tags"][0])), r"tags\[2\]\.slug: .* appears twice"),
        (lambda d: d["articles"][0].update(title="a\x00b"), "contains a NUL character"),
    ],
)
def test_validation_names_what_is_wrong(document, change, message):
    change(document)
    with pytest.raises(ContentFileError, match=message):
        load_content(data=document)
    assert counts()["Article"] == counts()["Tag"] == 0


def test_conflicts_are_listed_and_roll_back_everything(document):
    load_content(data=document)
    article = Article.objects.get(title="Attachés")
    article.summary = "Changed by an editor."
    article.save()
    Tag.objects.filter(slug="navy").update(name="Navy")
    document["tags"].append({"slug": "new-topic", "name": "new topic"})

    with pytest.raises(ContentConflict) as caught:
        load_content(data=document)
    assert caught.value.conflicts == ["tag 'navy' is named “Navy” here, not “navy”"]
    assert not Tag.objects.filter(slug="new-topic").exists()

    Tag.objects.filter(slug="navy").update(name="navy")
    with pytest.raises(ContentConflict) as caught:
        load_content(data=document)
    assert caught.value.conflicts == ["article 'attaches' exists with different content"]
    assert not Tag.objects.filter(slug="new-topic").exists()

    result = load_content(data=document, replace=True)
    assert (result.replaced, result.unchanged) == (1, 1)
    assert Article.objects.get(pk=article.pk).summary != "Changed by an editor."


def test_a_dry_run_reports_what_it_would_do_and_saves_nothing(document):
    result = load_content(data=document, dry_run=True)
    assert result.created == 2
    assert counts()["Article"] == counts()["Tag"] == 0


def test_a_database_refusal_is_a_content_file_error_and_saves_nothing(document):
    document["articles"][1]["title"] = document["articles"][0]["title"]  # titles are unique
    with pytest.raises(ContentFileError, match="the database refused the content"):
        load_content(data=document)
    assert counts()["Article"] == counts()["Tag"] == 0


def test_unreadable_files_say_why(tmp_path):
    with pytest.raises(ContentFileError, match="cannot read"):
        read_content_file(path=tmp_path / "missing.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"title": "attaché"}'.encode("latin-1"))
    with pytest.raises(ContentFileError, match="not UTF-8 text"):
        read_content_file(path=latin)
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "format": "milcoop-content",\n  oops\n}')
    with pytest.raises(ContentFileError, match=r"not valid JSON \(line 3, column 3"):
        read_content_file(path=broken)


def test_export_reads_all_content_in_a_fixed_number_of_queries(django_assert_num_queries):
    make_article("One", tags=["navy"], sections=[{"heading": "A", "tags": ["ports"]}])
    with django_assert_num_queries(6):
        export_content()
    for n in range(5):
        make_article(f"More {n}", tags=["navy"], sections=[{"heading": "A"}, {"heading": "B"}])
    for tag in Tag.objects.all():
        TopicDescription.objects.create(tag=tag, text=f"About {tag.name}.")
    with django_assert_num_queries(6):
        export_content()


def test_a_failed_export_leaves_the_previous_backup_whole(tmp_path):
    make_article("One")
    path = tmp_path / "backup.json"
    write_export(path=path, data=export_content())
    before = path.read_bytes()
    with pytest.raises(TypeError):
        write_export(path=path, data={"articles": [object()]})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["backup.json"]


def test_export_dry_run_writes_no_file(tmp_path, capsys):
    make_article("One", sections=[{"heading": "A"}])
    path = tmp_path / "backup.json"
    call_command("export_content", output=str(path), dry_run=True)
    assert not path.exists()
    assert "would export 1 articles, 1 sections and 0 tags" in capsys.readouterr().out


def test_quiet_commands_print_nothing(document, tmp_path, capsys):
    path = tmp_path / "backup.json"
    path.write_text(dumps(document))
    call_command("import_content", str(path), verbosity=0)
    call_command("export_content", output=str(tmp_path / "again.json"), verbosity=0)
    assert capsys.readouterr().out == ""


# --- Topic descriptions -----------------------------------------------------------


def describe(slug, text):
    return TopicDescription.objects.create(tag=Tag.objects.get(slug=slug), text=text)


def test_topic_descriptions_go_into_the_backup_and_come_back(document):
    load_content(data=document)
    describe("navy", "Navies calling on *each other's* ports.")
    data = export_content()
    assert data["tags"] == [
        {"slug": "navy", "name": "navy", "description": "Navies calling on *each other's* ports."},
        {"slug": "ports", "name": "ports"},
    ]
    Article.objects.all().delete()
    Tag.objects.all().delete()
    assert counts()["TopicDescription"] == 0

    result = load_content(data=data)
    assert (result.tags, result.descriptions) == (2, 1)
    navy = TopicDescription.objects.get(tag__slug="navy")
    assert "<em>each other's</em>" in navy.text_html  # rendered again on saving
    assert dumps(export_content()) == dumps(data)
    again = load_content(data=data)
    assert again.unchanged == 2 and counts()["TopicDescription"] == 1


def test_a_backup_without_descriptions_has_none_in_it_and_still_loads(document):
    # Tags without a description export as before descriptions existed:
    # the same keys, so the same bytes, and such older backups load.
    assert all(set(tag) == {"slug", "name"} for tag in document["tags"])
    result = load_content(data=document)
    assert (result.created, result.descriptions) == (2, 0)
    assert counts()["TopicDescription"] == 0


def test_loading_a_backup_without_a_description_keeps_the_one_written_here(document):
    load_content(data=document)
    describe("ports", "Harbours and what happens in them.")
    result = load_content(data=document, replace=True)
    assert result.unchanged == 2
    assert TopicDescription.objects.get().text == "Harbours and what happens in them."


def test_a_different_description_is_a_conflict_unless_replace(document):
    load_content(data=document)
    describe("navy", "Written here.")
    document["tags"][0]["description"] = "From the backup."
    with pytest.raises(ContentConflict) as caught:
        load_content(data=document)
    assert caught.value.conflicts == ["tag 'navy' has another description here"]
    assert TopicDescription.objects.get().text == "Written here."

    load_content(data=document, replace=True)
    assert TopicDescription.objects.get().text == "From the backup."


def test_the_commands_count_the_descriptions(document, tmp_path, capsys):
    document["tags"][1]["description"] = "Harbours."
    path = tmp_path / "backup.json"
    path.write_text(dumps(document))
    call_command("import_content", str(path))
    assert "2 tags, 1 with a description." in capsys.readouterr().out
    call_command("export_content", output=str(tmp_path / "again.json"))
    assert "2 tags (1 with a description)" in capsys.readouterr().out
    assert (tmp_path / "again.json").read_text() == dumps(document)


# --- Article aliases --------------------------------------------------------------

# An article record's keys before aliases existed: without aliases, the same bytes.
KEYS_BEFORE_ALIASES = {
    "slug",
    "title",
    "summary",
    "status",
    "published_at",
    "created_at",
    "updated_at",
    "source_file",
    "source_digest",
    "imported_content_digest",
    "tags",
    "sections",
    "cross_references",
}


def give_aliases(slug, aliases):
    article = Article.objects.get(slug=slug)
    article.aliases = aliases
    article.save()


def test_article_aliases_go_into_the_backup_and_come_back(document):
    load_content(data=document)
    give_aliases("naval-diplomacy", "Gunboat diplomacy\nShow of the flag")
    data = export_content()
    assert [record.get("aliases") for record in data["articles"]] == [
        None,
        "Gunboat diplomacy\nShow of the flag",
    ]
    Article.objects.all().delete()
    Tag.objects.all().delete()

    result = load_content(data=data)
    assert result.created == 2
    assert Article.objects.get(slug="naval-diplomacy").aliases == (
        "Gunboat diplomacy\nShow of the flag"
    )
    assert dumps(export_content()) == dumps(data)
    assert load_content(data=data).unchanged == 2


def test_a_backup_without_aliases_has_no_such_key_and_still_loads(document):
    # Blank aliases are no aliases: the record has the keys it had before them.
    assert all(set(record) == KEYS_BEFORE_ALIASES for record in document["articles"])
    load_content(data=document)
    Article.objects.filter(slug="attaches").update(aliases=" \n  \n")
    assert dumps(export_content()) == dumps(document)
    assert load_content(data=document).unchanged == 2
    Article.objects.all().delete()
    assert load_content(data=document).created == 2
    assert set(Article.objects.values_list("aliases", flat=True)) == {""}


def test_loading_a_backup_without_aliases_keeps_the_ones_written_here(document):
    load_content(data=document)
    give_aliases("attaches", "Military attachés")
    assert load_content(data=document).unchanged == 2
    document["articles"][0]["summary"] = "Another lead, from the backup."
    assert load_content(data=document, replace=True).replaced == 1
    attaches = Article.objects.get(slug="attaches")
    assert (attaches.summary, attaches.aliases) == (
        "Another lead, from the backup.",
        "Military attachés",
    )


def test_other_aliases_are_a_conflict_unless_replace(document):
    load_content(data=document)
    give_aliases("attaches", "Written here")
    document["articles"][0]["aliases"] = "From the backup"
    with pytest.raises(ContentConflict) as caught:
        load_content(data=document)
    assert caught.value.conflicts == ["article 'attaches' exists with different content"]
    assert Article.objects.get(slug="attaches").aliases == "Written here"

    assert load_content(data=document, replace=True).replaced == 1
    assert Article.objects.get(slug="attaches").aliases == "From the backup"


@pytest.mark.parametrize(
    ("records", "key", "value", "message"),
    [
        ("tags", "description", 42, r"tags\[1\]\.description: expected str, got 42"),
        ("tags", "description", None, r"tags\[1\]\.description: expected str, got None"),
        ("tags", "description", "  \n ", r"tags\[1\]\.description: must not be empty"),
        ("tags", "description", "Ports\x00", r"tags\[1\]\.description: contains a NUL"),
        ("articles", "aliases", ["Attaché"], r"articles\[1\]\.aliases: expected str, got \["),
        ("articles", "aliases", " \n ", r"articles\[1\]\.aliases: must not be empty"),
        ("articles", "aliases", "Good\nSee [[Navy]]", r"\[1\]\.aliases: An alias cannot contain"),
        ("articles", "aliases", "Good\n- - -", r"\[1\]\.aliases: An alias needs at least one"),
        ("articles", "aliases", "x" * 256, r"\[1\]\.aliases: An alias may be at most 255"),
        ("articles", "aliases", "Attaché\x00", r"articles\[1\]\.aliases: contains a NUL"),
    ],
)
def test_a_bad_description_or_alias_is_refused_and_nothing_is_loaded(
    document, records, key, value, message
):
    """Each with a good one before it: the document is checked whole first."""
    document[records][0][key] = "A good one, before the bad one"
    document[records][1][key] = value
    with pytest.raises(ContentFileError, match=message):
        load_content(data=document)
    assert counts()["Article"] == counts()["Tag"] == counts()["TopicDescription"] == 0


def test_the_import_command_names_the_bad_aliases_and_saves_nothing(document, tmp_path):
    document["articles"][1]["aliases"] = "Gunboat | diplomacy"
    path = tmp_path / "backup.json"
    path.write_text(dumps(document))
    with pytest.raises(CommandError, match=r"articles\[1\]\.aliases: An alias cannot contain"):
        call_command("import_content", str(path))
    assert counts()["Article"] == 0
