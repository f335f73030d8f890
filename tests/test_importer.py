"""import_sources and the import service: the sources land as articles, safely."""

import codecs
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from taggit.models import Tag

from articles.content.rendering import plain_text
from articles.content.tags import clean_tag_name
from articles.content.text import ArticleContent
from articles.models import Article, CrossReference, Section
from articles.sources import tagging, writing
from articles.sources.importer import import_source
from articles.sources.outline import SourceError

SOURCES = Path(__file__).resolve().parent.parent / "articles" / "sources" / "texts"
DATA = Path(__file__).parent / "data"
SEE_ALSO_TITLES = {
    "Military Diplomacy: A Time-Honored Tradition",
    "Securing Global Cooperation: Military Diplomacy in Multilateral Relations",
    "Strategies for Military Trust-Building Measures: A Comprehensive Guide",
    "Comprehensive Guide to Military Attaché Training Programs",
    "Mastering Military Diplomacy: Key Diplomatic Skills",
    "Securing Energy: The Role of Military Diplomacy",
}

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row of every table of ours and taggit's, to prove nothing changed."""
    rows = {}
    for model in list(apps.get_app_config("articles").get_models()) + [Tag]:
        rows[model._meta.label] = sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
    return rows


def content_digest(article):
    return ArticleContent.from_article(article).digest()


def run_import(*args):
    out, err = StringIO(), StringIO()
    call_command("import_sources", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_creates_the_three_articles_with_their_sections(imported_sources):
    assert [a.title for a in imported_sources] == [
        "Exploring Military Diplomacy in Francophonie Relations",
        "Exploring the Significance of Military Diplomacy in G7 Relations",
        "Enhancing Global Security Through International Defense Cooperation",
    ]
    assert [a.sections.count() for a in imported_sources] == [19, 16, 16]
    for article in imported_sources:
        assert article.is_public
        assert article.summary and article.summary_html.startswith("<p>")
        assert article.source_digest and article.source_file.endswith(".txt")
        assert article.word_count > 1000
        anchors = list(article.sections.values_list("anchor", flat=True))
        assert len(anchors) == len(set(anchors)) and all(anchors)


def test_bulk_import_renders_exactly_what_an_editor_save_renders(imported_sources):
    for section in Section.objects.all():
        stored = section.body_html
        section.save()
        assert section.body_html == stored, section.heading


@pytest.mark.parametrize(
    "text",
    [
        "Ranges < 12 nm and > 3 nm apply.",
        "The memo quoted <script>alert(1)</script> verbatim.",
        "See <https://example.org> or <!-- a comment -->.",
        "AT&T and &amp; and &#38; stay as written.",
        "Rule a<b, c*d, [brackets] and back\\slash.",
    ],
)
def test_text_with_markup_characters_imports_as_written_and_survives_an_editor_save(db, text):
    source = f"A title\n\nThe lead.\n\nA heading\n\n{text}\n".encode()
    section = import_source(data=source, filename="markup.txt").article.sections.get()
    # It reads as the source did: no backslash or entity shows …
    assert plain_text(section.body_html) == text
    # … and an editor's save renders the stored Markdown to what the import wrote.
    stored = section.body_html
    section.save()
    assert section.body_html == stored


def test_lists_are_rendered_as_real_html_lists(imported_sources):
    role = Section.objects.get(heading="Role of Military Support in Francophonie Cooperation")
    assert "<ol>" in role.body_html
    assert role.body_html.count("<li>") == 3
    challenges = Section.objects.get(
        heading="Challenges and Opportunities in Francophonie Military Diplomacy"
    )
    assert "<ul>" in challenges.body_html and challenges.body_html.count("<li>") == 4
    attaches = Section.objects.get(heading="Utilizing defense attaches for diplomatic outreach")
    assert attaches.body_html.count("<li>") == 3
    assert "•" not in attaches.body_html


def test_see_also_lines_become_unresolved_cross_references_in_place(imported_sources):
    references = CrossReference.objects.all()
    assert {r.target_title for r in references} == SEE_ALSO_TITLES
    assert all(r.target is None for r in references)
    assert all(r.kind == CrossReference.Kind.SEE_ALSO for r in references)
    training = CrossReference.objects.get(
        target_title="Military Diplomacy: A Time-Honored Tradition"
    )
    assert training.source_section.heading == "Training programs for partner nations"
    assert 'class="see-also"' in training.source_section.body_html


def test_a_cross_reference_resolves_when_its_article_is_created(imported_sources):
    target = Article.objects.create(title="Mastering Military Diplomacy: Key Diplomatic Skills")
    reference = CrossReference.objects.get(target_title=target.title)
    assert reference.target == target
    assert CrossReference.objects.filter(target__isnull=True).count() == 5


def test_a_cross_reference_resolves_by_slug_and_is_released_on_rename(imported_sources):
    target = Article.objects.create(
        title="Securing energy — the role of military diplomacy",
        slug="securing-energy-the-role-of-military-diplomacy",
    )
    reference = CrossReference.objects.get(target_title__startswith="Securing Energy")
    assert reference.target == target

    target.title, target.slug = "Something else entirely", "something-else"
    target.save()
    reference.refresh_from_db()
    assert reference.target is None


def test_inline_references_in_markdown_are_cross_references_too(db):
    target = Article.objects.create(title="Naval Diplomacy")
    article = Article.objects.create(title="Source article")
    section = Section.objects.create(
        article=article,
        heading="Context",
        body="Compare [[Naval Diplomacy#Port visits]] and [[Missing Piece]].",
    )
    references = list(section.cross_references.order_by("position"))
    assert [(r.target_title, r.target_heading, r.kind, r.target) for r in references] == [
        ("Naval Diplomacy", "Port visits", "inline", target),
        ("Missing Piece", "", "inline", None),
    ]
    section.body = "No references any more."
    section.save()
    assert not section.cross_references.exists()


def test_import_is_idempotent(imported_sources):
    before = snapshot()
    out, _ = run_import(SOURCES)
    assert "3 unchanged" in out
    assert snapshot() == before


def test_re_import_of_a_changed_source_updates_the_article(imported_sources, tmp_path):
    source = tmp_path / "000_468588a0e0edcab1.txt"
    text = (SOURCES / source.name).read_text(encoding="utf-8")
    source.write_text(text.replace("pivotal role in shaping", "central role in shaping"))
    anchors_before = list(
        Section.objects.filter(article__source_file=source.name).values_list("anchor", flat=True)
    )
    out, _ = run_import(source)
    assert ": updated" in out
    article = Article.objects.get(source_file=source.name)
    assert "central role in shaping" in article.summary
    assert list(article.sections.values_list("anchor", flat=True)) == anchors_before


def test_an_article_changed_by_an_editor_is_not_overwritten(imported_sources, tmp_path):
    section = Section.objects.get(heading="Peacekeeping missions")
    section.body = "An editor rewrote this passage."
    section.save()
    source = tmp_path / "000_468588a0e0edcab1.txt"
    source.write_text(
        (SOURCES / source.name).read_text(encoding="utf-8") + "\nOne more closing line.\n"
    )

    out, _ = run_import(source)
    assert ": skipped" in out and "changed by an editor" in out
    section.refresh_from_db()
    assert section.body == "An editor rewrote this passage."

    out, _ = run_import(source, "--force")
    assert ": updated" in out
    assert "An editor rewrote" not in Section.objects.get(heading="Peacekeeping missions").body


def test_dry_run_saves_nothing(db):
    out, _ = run_import(SOURCES, "--dry-run")
    assert "3 created" in out and "Dry run, nothing saved" in out
    assert Article.objects.count() == 0 and Section.objects.count() == 0


def test_summary_reports_counts(db):
    out, _ = run_import(SOURCES)
    assert "[1/3]" in out and "[3/3]" in out
    assert "3 created, 0 updated, 0 unchanged, 0 skipped, 0 failed; 51 sections" in out
    assert "cross-references: 0 resolved, 6 unresolved" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty.txt: the file is empty"),
        (b"\x00\x01\x02binary\x00", "empty.txt: this is a binary file"),
        (b"Title\n\nCaf\xe9\n", "empty.txt:3: not valid UTF-8"),
        (b"Only a title\n", "empty.txt:1: the file has a title but no body"),
        (
            "Title\n\nBody.\n".encode("utf-16-le"),
            "empty.txt: this looks like UTF-16 (little-endian) text without a byte-order mark",
        ),
        (b"%PDF-1.7\n", "empty.txt: this is a binary file (a PDF document)"),
    ],
    ids=["empty", "binary", "non-utf8", "title-only", "utf-16-without-bom", "pdf"],
)
def test_bad_files_give_one_line_errors_and_change_nothing(
    imported_sources, tmp_path, content, message
):
    before = snapshot()
    bad = tmp_path / "empty.txt"
    bad.write_bytes(content)
    with pytest.raises(CommandError):
        run_import(bad)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_sources", str(bad), stdout=StringIO(), stderr=err)
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0]
    assert snapshot() == before


def test_a_bad_file_does_not_stop_the_good_ones(db, tmp_path):
    shutil.copy(SOURCES / "000_468588a0e0edcab1.txt", tmp_path)
    (tmp_path / "001_bad.txt").write_bytes(b"Title only\n")
    with pytest.raises(CommandError, match="1 file"):
        run_import(tmp_path)
    assert Article.objects.count() == 1


def test_a_failure_half_way_through_a_file_leaves_the_database_as_it_was(db, monkeypatch):
    def fail(*args, **kwargs):
        # By now the article and its sections have been written.
        assert Section.objects.exists()
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing, "_write_references", fail)
    data = (SOURCES / "000_468588a0e0edcab1.txt").read_bytes()
    with pytest.raises(RuntimeError):
        import_source(data=data, filename="000.txt")
    assert Article.objects.count() == 0 and Section.objects.count() == 0


def test_windows_line_endings_import_the_same_as_unix_ones(db):
    unix = (SOURCES / "003_93cccede27d92abd.txt").read_bytes()
    first = import_source(data=unix, filename="unix.txt").article
    digest = content_digest(first)
    first.delete()
    second = import_source(data=unix.replace(b"\n", b"\r\n"), filename="windows.txt").article
    assert content_digest(second) == digest


@pytest.mark.parametrize(
    ("mark", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
    ids=["utf-8-bom", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"],
)
def test_a_source_saved_as_utf16_or_utf32_imports_as_its_utf8_copy(db, tmp_path, mark, codec):
    name = "003_93cccede27d92abd.txt"
    first = import_source(data=(SOURCES / name).read_bytes(), filename=name).article
    digest = content_digest(first)
    first.delete()
    encoded = tmp_path / name
    encoded.write_bytes(mark + (SOURCES / name).read_text(encoding="utf-8").encode(codec))
    out, _ = run_import(encoded)
    assert "1 created" in out and "0 failed" in out
    assert content_digest(Article.objects.get(source_file=name)) == digest


def test_an_unseen_article_imports(db):
    result = import_source(data=(DATA / "unseen_article.txt").read_bytes(), filename="new.txt")
    article = result.article
    assert result.action == "created"
    assert [s.level for s in article.sections.all()] == [2, 3, 3, 2, 2, 2]
    assert article.outgoing_references.get().target_title == "Maritime Domain Awareness: A Primer"


def test_tags_connect_passages_and_articles(imported_sources):
    tags = Tag.objects.annotate(
        sections=Count("articles_taggedsection_items", distinct=True),
        articles=Count("articles_taggedarticle_items", distinct=True),
    )
    assert tags.count() == 23
    assert all(tag.sections >= 2 for tag in tags), [
        (t.name, t.sections) for t in tags if t.sections < 2
    ]
    shared = [tag.name for tag in tags if tag.articles >= 2]
    # The three articles treat different subjects; the topics they share are
    # those that each of them treats in passages of its own.
    assert set(shared) == {
        "Crisis management",
        "Cultural understanding",
        "Cybersecurity",
        "Emerging technology",
        "Information sharing",
        "Interoperability",
        "Joint exercises",
        "Mutual defence",
        "Strategic partnerships",
    }
    peacekeeping = Section.objects.get(heading="Peacekeeping missions")
    assert "Peacekeeping" in peacekeeping.tags.names()
    nato = Section.objects.get(heading="NATO Contributions")
    assert "NATO" in nato.tags.names()


def test_the_import_command_defaults_to_the_project_sources(db):
    out, _ = run_import()
    assert "3 created" in out


def test_a_missing_path_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no such file or folder"):
        run_import("/nonexistent/path.txt")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NATO and nato, NATO-led, non-NATO, NATO's role; (NATO).", {"NATO": 6}),
        ("peacekeeping, peace-keeping, peacekeepers; _peacekeeping_", {"Peacekeeping": 4}),
        ("joint exercises, a joint exercise, joint exercisesjoint", {"Joint exercises": 2}),
        ("the u.s. and u.s.-backed forces", {"United States": 2}),
        ("article 5, article 55", {"Mutual defence": 1}),
        ("defence attachés, the attaché, two attaches; attached to it", {"Defence attachés": 3}),
        ("officers trained and training", {"Training programmes": 2}),
        (
            "Peacekeeping — İstanbul ǅ straße ﬁ cybersecurity",
            {"Peacekeeping": 1, "Cybersecurity": 1},
        ),
    ],
    ids=["case", "hyphens", "whole-words", "dots", "numbers", "accents", "inflections", "unicode"],
)
def test_topic_mentions_are_found_by_their_words_stems(text, expected):
    # The longest phrase at a word wins: "joint exercises" is not also a training.
    assert tagging.load_vocabulary().count(text) == expected


# --- Tag names ---------------------------------------------------------------------


@pytest.fixture
def vocabulary(tmp_path, monkeypatch):
    """Write a vocabulary file and make it the one the importer reads."""
    path = tmp_path / "vocabulary.json"

    def write(topics):
        path.write_text(json.dumps({"topics": topics}, indent=2), encoding="utf-8")
        tagging.load_vocabulary.cache_clear()
        return path

    monkeypatch.setattr(tagging, "VOCABULARY_PATH", path)
    yield write
    tagging.load_vocabulary.cache_clear()


def test_every_tag_an_import_makes_has_a_clean_name_and_a_page(imported_sources, client):
    tags = list(Tag.objects.all())
    assert tags
    for tag in tags:
        assert clean_tag_name(tag.name) == tag.name and tag.slug
    assert client.get(reverse("articles:tags")).status_code == 200
    for tag in tags:
        assert client.get(reverse("articles:tag", args=[tag.slug])).status_code == 200


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"name": "!!!", "phrases": ["peacekeeping"]}, "topic 2: “!!!” cannot be a tag"),
        ({"name": "   ", "phrases": ["peacekeeping"]}, "topic 2: A tag needs a name"),
        ({"name": "x" * 101, "phrases": ["peacekeeping"]}, "topic 2: “xxxx"),
        ({"name": "NATO", "phrases": ["nato"]}, "topic 2: “NATO” is listed twice"),
        ({"name": "Treaties", "phrases": [""]}, "topic 2 (“Treaties”): a phrase is empty"),
        ({"name": "Treaties"}, "topic 2 needs a “name” and a list of “phrases”"),
    ],
    ids=["no-slug", "blank", "too-long", "twice", "empty-phrase", "no-phrases"],
)
def test_a_bad_vocabulary_entry_stops_the_import_with_a_clear_message(
    imported_sources, vocabulary, bad, reason
):
    before = snapshot()
    vocabulary([{"name": "NATO", "phrases": ["nato"]}, bad])
    with pytest.raises(CommandError) as caught:
        run_import(SOURCES, "--force")
    message = str(caught.value)
    # The file, the line of the entry, and why.
    assert "vocabulary.json:" in message and reason in message, message
    assert "\n" not in message
    assert snapshot() == before
    # The admin's upload reads the same vocabulary: a SourceError, shown to the editor.
    data = (SOURCES / "000_468588a0e0edcab1.txt").read_bytes()
    with pytest.raises(SourceError, match="vocabulary.json"):
        import_source(data=data, filename="000.txt", force=True)
    assert snapshot() == before


def test_the_line_of_a_bad_vocabulary_entry_is_named(db, vocabulary):
    path = vocabulary([{"name": "NATO", "phrases": ["nato"]}, {"name": "?", "phrases": ["x"]}])
    line = path.read_text(encoding="utf-8").splitlines().index('      "name": "?",') + 1
    with pytest.raises(SourceError) as caught:
        tagging.load_vocabulary()
    assert caught.value.filename == "vocabulary.json" and caught.value.line == line


def test_vocabulary_names_are_tidied_as_an_editor_s_tags_are(db, vocabulary):
    vocabulary([{"name": "  Peace   keeping ", "phrases": ["peacekeeping"]}])
    run_import(SOURCES)
    assert list(Tag.objects.values_list("name", flat=True)) == ["Peace keeping"]


def test_draft_imports_drafts_and_the_default_publishes_them_now(db, tmp_path):
    shutil.copy(SOURCES / "000_468588a0e0edcab1.txt", tmp_path)
    out, _ = run_import(tmp_path, "--draft")
    assert "1 created" in out
    draft = Article.objects.get()
    assert draft.status == Article.Status.DRAFT and draft.published_at is None
    assert not Article.objects.published().exists()

    draft.delete()
    run_import(tmp_path)
    assert Article.objects.published().get().published_at is not None
