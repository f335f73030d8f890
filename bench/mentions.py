"""
python bench/mentions.py [--articles 10000] [--sections 20] [--changes 20] [--keep]

How long finding the unlinked mentions takes (articles/content/mentions.py):
for the whole corpus, as an import's last step does, and per changed
article, as a save does once it commits: a passage's text changed (its
article's passages read again) and a title changed (its article's passages,
and every passage that may name the new title). Generates the corpus with
bench/corpus.py, imports it into a scratch SQLite database under bench/out/
and times in this process. Prints a Markdown section for bench/RESULTS.md.
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


def ms(seconds):
    return f"{seconds * 1000:,.0f} ms"


def main(argv=None):
    args = parse_args(argv)
    work = OUT / "mentions"
    source_dir = work / f"corpus-{args.articles}x{args.sections}-{args.seed}"
    database = work / "mentions.sqlite3"
    work.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    files, size = corpus.generate(
        source_dir, articles=args.articles, sections=args.sections, seed=args.seed
    )
    setup(database)

    from django.core.management import call_command
    from django.db import transaction

    from articles.content.mentions import refresh_mentions
    from articles.models import Article, Section, UnlinkedMention

    call_command("migrate", verbosity=0)
    note("importing…")
    import_seconds, _ = timed(lambda: call_command("import_sources", str(source_dir), verbosity=0))
    passages = Section.objects.count()
    note("the whole corpus…")
    whole = [timed(refresh_mentions)[0]]
    found = UnlinkedMention.objects.count()
    by_kind = {
        kind: UnlinkedMention.objects.filter(kind=kind).count()
        for kind in UnlinkedMention.Kind.values
    }

    pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    chosen = random.Random(args.seed).sample(pks, min(args.changes, len(pks)))
    body_times, title_times = [], []
    note("changed articles…")
    for pk in chosen:
        section = Section.objects.filter(article_id=pk).order_by("position").first()
        section.body += "\n\nA closing paragraph on defence cooperation."

        def save_body(section=section):
            with transaction.atomic():
                section.save()  # the mentions are found again as the save commits

        body_times.append(timed(save_body)[0])
        article = Article.objects.get(pk=pk)
        article.title = f"{article.title} revisited"

        def save_title(article=article):
            with transaction.atomic():
                article.save()

        title_times.append(timed(save_title)[0])

    lines = [
        "",
        f"### Unlinked mentions, {args.articles:,} articles",
        "",
        f"`python bench/mentions.py --articles {args.articles} --sections {args.sections} "
        f"--changes {args.changes}`: corpus from bench/corpus.py (seed {args.seed}, "
        f"{size / 1e6:.1f} MB), SQLite, in one process on {platform.machine()} "
        f"({os.cpu_count()} CPUs), Python {platform.python_version()}.",
        "",
        f"- Import (`manage.py import_sources`, the mentions found once after the last "
        f"batch): {import_seconds:,.1f} s.",
        f"- Whole corpus, `refresh_mentions()` ({passages:,} passages; {found:,} mentions: "
        f"{by_kind.get('title', 0):,} titles, {by_kind.get('topic', 0):,} topics): "
        f"{' and '.join(f'{s:,.1f} s' for s in whole)} "
        f"({min(whole) / passages * 1e6:,.0f} µs per passage).",
        f"- Per changed article, over {len(chosen)} articles (save and commit, the "
        "mentions found again included):",
        f"  - a passage's text changed: median {ms(statistics.median(body_times))}, "
        f"max {ms(max(body_times))};",
        f"  - its title changed (its passages, and every passage that may name the new "
        f"title): median {ms(statistics.median(title_times))}, max {ms(max(title_times))}.",
        "",
    ]
    print("\n".join(lines))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
