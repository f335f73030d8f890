"""
python bench/import_profile.py <corpus folder> [--files N] [--jobs N] [--sample N]

Where an import's CPU goes. Runs ``import_sources`` in this process against
the database that DATABASE_URL names (migrated first: use a scratch one) on
the first ``--files`` files of the folder, and prints the CPU seconds of the
writing process and of its worker processes, the writing process's split by
step (rows, tags, references, search index, unlinked mentions, other derived
data), and then, timed in this process over ``--sample`` files, the CPU
milliseconds per file of each step the workers run (parse, tag, render…).
CPU rather than wall-clock time, so that a busy machine still gives a fair
split. The timers wrap the steps' functions; nothing else is changed.
"""

import argparse
import importlib
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402


def timed(owner, name, label, totals):
    """Replace ``owner.name`` by a wrapper adding its CPU seconds to ``totals[label]``."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.process_time() - started

    setattr(owner, name, wrapper)


def parse_args(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int, default=1000, help="files imported (1000)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes")
    parser.add_argument("--sample", type=int, default=100, help="files timed step by step")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "milcoop_site.settings")
    django.setup()
    from django.core.management import call_command

    from articles.content import mentions, references
    from articles.models import articles as article_models
    from articles.sources import prepare, writing
    from articles.sources.importer import _Batch

    files = sorted(path for path in args.folder.iterdir() if path.suffix == ".txt")[: args.files]
    folder = Path(tempfile.mkdtemp(prefix="import-profile-"))
    for path in files:
        (folder / path.name).symlink_to(path.resolve())
    call_command("migrate", verbosity=0)

    writer = defaultdict(float)
    for owner, name, label in [
        (_Batch, "run", "batches, all told"),
        (writing, "_filled", "  model instances filled"),
        (writing, "_kept_tags", "  two-passages rule"),
        (writing, "_tags_named", "  tags by name"),
        (writing.Article.objects, "bulk_create", "  article rows"),
        (writing, "_write_sections", "  section rows"),
        (writing, "_write_tags", "  tag rows"),
        (references, "resolve_references_to_new", "  references waiting for them"),
        (writing, "_write_references", "  reference rows"),
        (writing.search, "index_new", "  search index"),
        (mentions, "refresh_mentions", "unlinked mentions"),
    ]:
        timed(owner, name, label, writer)
    # Derived data the batches refresh, where this version of the project has
    # them: within a batch, or once it commits.
    for module_name, name, label in [
        ("articles.content.derived", "after_import", "  derived, marked in the batch"),
        ("articles.content.tag_usage", "after_import", "  tag usage"),
        ("articles.content.derived", "refresh_stale", "derived, ranked after commits"),
    ]:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            timed(module, name, label, writer)

    options = {"verbosity": 0} | ({"jobs": args.jobs} if args.jobs else {})
    started, cpu = time.perf_counter(), time.process_time()
    call_command("import_sources", str(folder), **options)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = children.ru_utime + children.ru_stime

    count = len(files)
    print(f"{count} files in {wall:.1f} s wall clock: {count / wall:.1f} articles/s")
    print(
        f"CPU ms per file: writing process {cpu / count * 1000:.1f}, "
        f"workers {workers / count * 1000:.1f}"
    )
    print("writing process, CPU ms per file:")
    for label, seconds in writer.items():
        print(f"  {label:<34} {seconds / count * 1000:8.2f}")
    # Steps not indented above are not inside one another.
    rest = cpu - sum(seconds for label, seconds in writer.items() if not label.startswith(" "))
    print(f"  {'the rest (command, unpickling…)':<34} {rest / count * 1000:8.2f}")

    steps = defaultdict(float)
    for owner, name, label in [
        (prepare, "parse_source", "parse"),
        (prepare, "suggest_tags", "suggest tags"),
        (prepare, "blocks_to_markdown", "write Markdown"),
        (article_models, "render_markdown", "render (Markdown, sanitize)"),
        (prepare, "indexable", "index text"),
        (prepare, "section_terms", "index terms"),
        (prepare, "_references", "references"),
    ]:
        if hasattr(owner, name):
            timed(owner, name, label, steps)
    sample = files[: args.sample]
    started = time.process_time()
    for path in sample:
        prepare.prepare_file(path)
    spent = time.process_time() - started
    print(
        f"a worker's steps, CPU ms per file over {len(sample)} files: {spent / len(sample) * 1000:.2f}"
    )
    for label, seconds in steps.items():
        print(f"  {label:<34} {seconds / len(sample) * 1000:8.2f}")


if __name__ == "__main__":
    main()
