"""
python bench/mentions.py [--articles 10000] [--sections 20] [--changes 20] [--keep]
                         [--database PATH] [--whole-runs 1]

How long finding the unlinked mentions takes (articles/content/mentions.py):
for the whole corpus, as an import's last step does, and per changed
article, as a save does once it commits: a passage's text changed (that
passage read again; the new text names another article) and a title changed
(the old mentions of it deleted, the new title queued and looked for in the
passages the search index says may hold it). Each is timed as the whole
save and commit, and the mentions' share apart (the after-commit work);
wall and CPU time, since the machine may be shared. Generates the corpus
with bench/corpus.py, imports it into a scratch SQLite database under
bench/out/ (or copies the one ``--database`` names, imported by an earlier
``--keep`` run) and times in this process. Prints a Markdown section for
bench/RESULTS.md.
"""

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the project (and the bench package) importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus, note  # noqa: E402
from bench.loadgen import OUT  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[1])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--sections", type=int, default=20)
    parser.add_argument("--changes", type=int, default=20, help="articles changed and timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the corpus and database")
    parser.add_argument(
        "--database", type=Path, help="an imported database to copy instead of importing"
    )
    parser.add_argument("--whole-runs", type=int, default=1, help="passes over the whole corpus")
    return parser.parse_args(argv)


def setup(database):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="milcoop_site.settings",
        DATABASE_URL=f"sqlite:///{database}",
        SECRET_KEY="bench",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CACHE_DIR=str(OUT / "cache"),
    )
    import django

    django.setup()


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def timed_cpu(function):
    """(wall seconds, CPU seconds of this process, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def ms(seconds):
    return f"{seconds * 1000:,.1f} ms" if seconds < 0.1 else f"{seconds * 1000:,.0f} ms"


class Share:
    """The time spent in the mentions' after-commit work, wall and CPU."""

    def __init__(self, mentions):
        self.wall = self.cpu = 0.0
        flush = mentions._flush

        def timed_flush(*args, **kwargs):
            wall, cpu, _ = timed_cpu(lambda: flush(*args, **kwargs))
            self.wall += wall
            self.cpu += cpu

        mentions._flush = timed_flush

    def take(self):
        taken = (self.wall, self.cpu)
        self.wall = self.cpu = 0.0
        return taken


def median_max(values):
    return f"median {ms(statistics.median(values))}, max {ms(max(values))}"


def main(argv=None):
    args = parse_args(argv)
    work = OUT / "mentions"
    source_dir = work / f"corpus-{args.articles}x{args.sections}-{args.seed}"
    database = work / "mentions.sqlite3"
    work.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    size = None
    if args.database:
        shutil.copyfile(args.database, database)
    else:
        files, size = corpus.generate(
            source_dir, articles=args.articles, sections=args.sections, seed=args.seed
        )
    setup(database)

    from django.core.management import call_command
    from django.db import transaction

    from articles.content import mentions
    from articles.models import Article, PendingMentionName, Section, UnlinkedMention

    call_command("migrate", verbosity=0)
    import_seconds = None
    if not args.database:
        note("importing…")
        import_seconds, _ = timed(
            lambda: call_command("import_sources", str(source_dir), verbosity=0)
        )
    passages = Section.objects.count()
    note("the whole corpus…")
    whole = [timed_cpu(mentions.refresh_mentions)[:2] for _ in range(args.whole_runs)]
    found = UnlinkedMention.objects.count()
    by_kind = {
        kind: UnlinkedMention.objects.filter(kind=kind).count()
        for kind in UnlinkedMention.Kind.values
    }

    pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    chosen = random.Random(args.seed).sample(pks, min(args.changes, len(pks)))
    titles = dict(Article.objects.filter(pk__in=pks).values_list("pk", "title"))
    share = Share(mentions)
    body = {"save": [], "mentions": [], "mentions_cpu": []}
    title = {"save": [], "mentions": [], "mentions_cpu": []}
    note("changed articles…")
    for n, pk in enumerate(chosen):
        section = Section.objects.filter(article_id=pk).order_by("position").first()
        named = titles[chosen[(n + 1) % len(chosen)]]
        section.body += f"\n\nA closing paragraph on defence cooperation, as in {named}."

        def save_body(section=section):
            with transaction.atomic():
                section.save()  # the mentions are found again as the save commits

        body["save"].append(timed(save_body)[0])
        wall, cpu = share.take()
        body["mentions"].append(wall)
        body["mentions_cpu"].append(cpu)
        article = Article.objects.get(pk=pk)
        article.title = f"{article.title} revisited"

        def save_title(article=article):
            with transaction.atomic():
                article.save()

        title["save"].append(timed(save_title)[0])
        wall, cpu = share.take()
        title["mentions"].append(wall)
        title["mentions_cpu"].append(cpu)
    waiting = PendingMentionName.objects.count()
    # (The code before the queue had no drain: it is timed as nothing.)
    drain = getattr(mentions, "drain_pending", lambda **kwargs: 0)
    drained = timed_cpu(lambda: drain(budget=None))[:2]

    corpus_note = "" if size is None else f", {size / 1e6:.1f} MB"
    imported = (
        f"- Import (`manage.py import_sources`, the mentions found once after the last "
        f"batch): {import_seconds:,.1f} s."
        if import_seconds is not None
        else "- Import: not timed (the database of an earlier run, `--database`)."
    )
    lines = [
        "",
        f"### Unlinked mentions, {args.articles:,} articles",
        "",
        f"`python bench/mentions.py --articles {args.articles} --sections {args.sections} "
        f"--changes {args.changes}`: corpus from bench/corpus.py (seed {args.seed}"
        f"{corpus_note}), SQLite, in one process on {platform.machine()} "
        f"({os.cpu_count()} CPUs), Python {platform.python_version()}.",
        "",
        imported,
        f"- Whole corpus, `refresh_mentions()` ({passages:,} passages; {found:,} mentions: "
        f"{by_kind.get('title', 0):,} titles, {by_kind.get('topic', 0):,} topics): "
        + " and ".join(f"{wall:,.1f} s ({cpu:,.1f} s CPU)" for wall, cpu in whole)
        + f" ({min(cpu for _, cpu in whole) / passages * 1e6:,.0f} µs CPU per passage).",
        f"- Per changed article, over {len(chosen)} articles: the save and commit, and "
        "within it the mentions' after-commit work:",
        f"  - a passage's text changed (it now names another article): save "
        f"{median_max(body['save'])}; mentions {median_max(body['mentions'])} "
        f"(CPU {median_max(body['mentions_cpu'])});",
        f"  - its title changed (old mentions deleted, the new title looked for in the "
        f"passages the search index finds): save {median_max(title['save'])}; mentions "
        f"{median_max(title['mentions'])} (CPU {median_max(title['mentions_cpu'])}).",
        f"- Names left queued for the command: {waiting}; draining them: "
        f"{ms(drained[0])} ({ms(drained[1])} CPU).",
        "",
    ]
    print("\n".join(lines))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
