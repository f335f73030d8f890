"""
import_sources in batches and worker processes: the same site as importing
the files one at a time, with a bounded number of queries per batch.
"""

import shutil
from io import StringIO
from pathlib import Path

import pytest
import reversion
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify
from reversion.models import Version
from taggit.models import Tag

from articles import search
from articles.models import Article, CrossReference, Section
from articles.sources import importer, prepare, writing
from articles.sources.importer import import_batch, import_source
from articles.sources.tagging import load_vocabulary
from bench import corpus

SOURCES = Path(__file__).resolve().parent.parent / "articles" / "sources" / "texts"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """Twelve short articles that name each other in See also lines, and tags to share."""
    directory = tmp_path_factory.mktemp("corpus")
    corpus.generate(directory, articles=12, sections=5, seed=6, show_progress=False)
    return directory


def run_import(*args):
    out, err = StringIO(), StringIO()
    call_command("import_sources", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def site():
    """Everything an import writes, by natural keys (no ids, no timestamps)."""
    title = dict(Article.objects.values_list("pk", "title"))
    articles = {
        a.title: (
            a.slug,
            a.title_key,
            a.summary,
            a.summary_html,
            a.status,
            a.word_count,
            a.source_file,
            a.source_digest,
            a.imported_content_digest,
            sorted(a.tags.names()),
        )
        for a in Article.objects.all()
    }
    sections = sorted(
        (
            title[s.article_id],
            s.position,
            s.level,
            s.heading,
            s.anchor,
            s.body,
            s.body_html,
            s.word_count,
            sorted(s.tags.names()),
        )
        for s in Section.objects.all()
    )
    references = sorted(
        (
            title[r.source_article_id],
            r.source_section.position if r.source_section_id else None,
            r.position,
            r.kind,
            r.target_title,
            r.target_heading,
            r.target_key,
            r.target_slug,
            title.get(r.target_id),
        )
        for r in CrossReference.objects.select_related("source_section")
    )
    tags = sorted(Tag.objects.values_list("name", "slug"))
    return articles, sections, references, tags, search.index_size()


def clear_site():
    Article.objects.all().delete()
    Tag.objects.all().delete()


def tricky_files(small_corpus, tmp_path):
    """The corpus, plus a bad file, a second file with a title already used, and a changed copy."""
    first, second = tmp_path / "a", tmp_path / "b"
    shutil.copytree(small_corpus, first, ignore=shutil.ignore_patterns(".complete"))
    files = sorted(first.glob("*.txt"))
    (first / "03_bad.txt").write_bytes(b"Only a title\n")
    (first / "zz_same_title.txt").write_bytes(files[1].read_bytes())
    second.mkdir()
    changed = files[2].read_text(encoding="utf-8").replace(" the ", " a ", 3)
    (second / files[2].name).write_text(changed, encoding="utf-8")
    return [first, second]


def test_a_batch_imports_what_one_file_at_a_time_imports(small_corpus, tmp_path, monkeypatch):
    folders = tricky_files(small_corpus, tmp_path)
    with pytest.raises(CommandError, match="1 file"):
        run_import(*folders)
    batched = site()
    assert batched[0] and batched[2]  # articles and cross-references

    clear_site()
    monkeypatch.setattr(importer, "BATCH_SIZE", 1)
    with pytest.raises(CommandError, match="1 file"):
        run_import(*folders)
    assert site() == batched


def test_the_results_do_not_depend_on_where_batches_start(small_corpus, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 5)
    run_import(small_corpus)
    in_fives = site()
    clear_site()
    monkeypatch.setattr(importer, "BATCH_SIZE", 100)
    run_import(small_corpus)
    assert site() == in_fives


def test_worker_processes_import_what_this_process_imports(small_corpus, monkeypatch):
    monkeypatch.setattr(prepare, "MIN_FILES_FOR_WORKERS", 2)
    out, _ = run_import(small_corpus, "--jobs", "2")
    assert "[12/12]" in out and "12 created" in out
    in_workers = site()
    clear_site()
    out, _ = run_import(small_corpus, "--jobs", "1")
    assert site() == in_workers


def test_jobs_must_be_at_least_one(small_corpus):
    with pytest.raises(CommandError, match="--jobs"):
        run_import(small_corpus, "--jobs", "0")


def test_a_bad_file_in_a_batch_leaves_the_others_imported_and_itself_absent(db, tmp_path):
    for source in sorted(SOURCES.glob("*.txt")):
        shutil.copy(source, tmp_path)
    (tmp_path / "001_bad.txt").write_bytes(b"Bad\n\nCaf\xe9\n")
    with pytest.raises(CommandError, match="1 file"):
        run_import(tmp_path)
    assert Article.objects.count() == 3
    assert not Article.objects.filter(source_file="001_bad.txt").exists()


def test_a_failure_in_a_batch_keeps_the_files_before_it(small_corpus, monkeypatch):
    """The batch is rolled back and imported file by file: as without batches."""
    files = sorted(small_corpus.glob("*.txt"))
    failing = files[4].name
    write_sections = writing._write_sections

    def fail_on_one_file(contents):
        if any(content.source.filename == failing for content in contents):
            raise RuntimeError("disk full")
        write_sections(contents)

    monkeypatch.setattr(writing, "_write_sections", fail_on_one_file)
    with pytest.raises(RuntimeError):
        run_import(small_corpus)
    assert sorted(Article.objects.values_list("source_file", flat=True)) == [
        f.name for f in files[:4]
    ]
    assert not Section.objects.filter(article__source_file=failing).exists()


def test_the_queries_of_a_batch_do_not_grow_with_its_files(small_corpus):
    # Tags exist already, so that no batch creates any (one save() each).
    Tag.objects.bulk_create(Tag(name=n, slug=slugify(n)) for n in load_vocabulary().names)
    sources = [
        prepare.prepare_file(path)
        for path in sorted(small_corpus.glob("*.txt"))
        if "See also" in path.read_text(encoding="utf-8")
    ]

    # An article citing every one of them, so that each batch points the
    # references waiting for its articles at them, whatever the corpus.
    see_also = "".join(f"See also  {source.title}\n\n" for source in sources)
    citing = f"Citing Them All\n\nA lead.\n\nThe Others\n\nEach one is cited.\n\n{see_also}"
    import_source(data=citing.encode(), filename="citing.txt")

    def queries(batch):
        with CaptureQueriesContext(connection) as context:
            results = list(import_batch(batch))
        assert [r.action for r in results] == ["created"] * len(batch)
        return len(context.captured_queries)

    assert len(sources) >= 6
    few = queries(sources[:2])
    many = queries(sources[2:])
    assert many == few


def test_imported_word_counts_and_summaries_are_what_a_save_makes(small_corpus):
    run_import(small_corpus)
    for article in Article.objects.all():
        stored = article.summary_html
        article.save()
        assert article.summary_html == stored
    for section in Section.objects.all():
        stored = section.word_count
        section.save()
        assert section.word_count == stored, section.heading


def test_re_running_a_batch_import_changes_nothing(small_corpus):
    run_import(small_corpus)
    before = site()
    out, _ = run_import(small_corpus)
    assert "0 created, 0 updated, 12 unchanged" in out
    assert site() == before


def test_an_upload_is_recorded_with_its_sections_in_the_revision(db):
    data = (SOURCES / "000_468588a0e0edcab1.txt").read_bytes()
    with reversion.create_revision():
        article = import_source(data=data, filename="000.txt", publish=False).article
    version = Version.objects.get_for_object(article).get()
    recorded = {v.content_type.model for v in version.revision.version_set.all()}
    assert {"article", "section", "taggedarticle"} <= recorded


def test_a_re_run_parses_no_file_that_has_not_changed(small_corpus, monkeypatch):
    run_import(small_corpus)

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed an unchanged file")

    monkeypatch.setattr(prepare, "parse_source", no_parsing)
    out, _ = run_import(small_corpus)
    assert "0 created, 0 updated, 12 unchanged" in out


def test_a_file_known_unchanged_is_imported_when_the_run_changed_its_article_first(tmp_path):
    run_import(SOURCES)
    name = "000_468588a0e0edcab1.txt"
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    original = (SOURCES / name).read_text(encoding="utf-8")
    (first / name).write_text(
        original.replace("pivotal role in shaping", "central role in shaping")
    )
    shutil.copy(SOURCES / name, second / name)

    out, _ = run_import(first, second)
    assert out.count(f"{name}: updated") == 2
    assert "pivotal role in shaping" in Article.objects.get(source_file=name).summary


def test_two_files_of_one_title_take_turns_on_a_re_run(tmp_path):
    """The second file was last imported, but the first replaces it again before its turn."""
    text = (SOURCES / "000_468588a0e0edcab1.txt").read_text(encoding="utf-8")
    (tmp_path / "1.txt").write_text(text, encoding="utf-8")
    (tmp_path / "2.txt").write_text(text.replace(" the ", " a ", 3), encoding="utf-8")
    run_import(tmp_path)
    assert Article.objects.get().source_file == "2.txt"

    out, _ = run_import(tmp_path)
    assert "1.txt: updated" in out and "2.txt: updated" in out
    assert Article.objects.get().source_file == "2.txt"


def test_a_reference_whose_title_and_slug_name_two_articles_points_as_one_at_a_time(
    tmp_path, monkeypatch
):
    """
    “Foo: Bar!” holds the slug foo-bar, so the article “Foo Bar” gets foo-bar-2:
    a reference to “Foo Bar” names one by its title, the other by its slug.
    Imported one at a time, it points at whichever was there first.
    """
    waiting = Article.objects.create(title="Earlier", summary="See [[Foo Bar]].")
    assert waiting.outgoing_references.get().target is None

    def source(title, see_also=None):
        text = f"{title}\n\nThe lead of {title}.\n\nA Section\n\nA passage of it.\n"
        return text + (f"\nSee also  {see_also}\n" if see_also else "")

    files = {
        "1.txt": source("Foo: Bar!"),  # the slug foo-bar; names the waiting reference first
        "2.txt": source("Pointer", see_also="Foo Bar"),  # foo-bar is there, by its slug
        "3.txt": source("Foo Bar"),  # the title: foo-bar-2
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    def targets():
        return {
            r.source_article.title: r.target.title
            for r in CrossReference.objects.select_related("source_article", "target")
        }

    run_import(tmp_path)
    batched = site()
    assert Article.objects.get(title="Foo Bar").slug == "foo-bar-2"
    assert targets() == {"Earlier": "Foo: Bar!", "Pointer": "Foo: Bar!"}

    Article.objects.exclude(pk=waiting.pk).delete()
    Tag.objects.all().delete()
    monkeypatch.setattr(importer, "BATCH_SIZE", 1)
    run_import(tmp_path)
    assert site() == batched


def test_slugs_taken_on_the_site_and_in_the_batch_are_chosen_as_one_at_a_time(
    tmp_path, monkeypatch
):
    for title in ["Alpha", "Alpha 3", "Beta", "Beta 2", "Beta 4"]:
        Article.objects.create(title=title)
    titles = ["Alpha!", "Alpha?", "Alpha 3 2", "Beta!", "Gamma", "Gamma!", "Gamma 2"]
    for number, title in enumerate(titles):
        text = f"{title}\n\nThe lead of {title}.\n\nA Section\n\nA passage of it.\n"
        (tmp_path / f"{number}.txt").write_text(text, encoding="utf-8")

    def slugs():
        return dict(
            Article.objects.filter(source_file__endswith=".txt").values_list("title", "slug")
        )

    run_import(tmp_path)
    batched = slugs()
    assert batched == {
        "Alpha!": "alpha-2",
        "Alpha?": "alpha-4",
        "Alpha 3 2": "alpha-3-2",
        "Beta!": "beta-3",
        "Gamma": "gamma",
        "Gamma!": "gamma-2",
        "Gamma 2": "gamma-2-2",
    }
    Article.objects.filter(source_file__endswith=".txt").delete()
    monkeypatch.setattr(importer, "BATCH_SIZE", 1)
    run_import(tmp_path)
    assert slugs() == batched
