"""
python -m bench [--articles N] [--sections N] [--duration S] [--database-url URL] [--keep]

Generates a synthetic corpus of source texts, imports it into a scratch
database with ``manage.py import_sources`` (timed), serves it with gunicorn
(2 workers, the project's gunicorn.conf.py) and measures it with wrk against
the static-file ceiling. Prints a table and writes bench/RESULTS.md.
See bench/README.md.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import Bar, corpus, note
from .loadgen import (
    GUNICORN_CONFIG,
    OUT,
    ROOT,
    WRK_MISSING,
    Gunicorn,
    ScratchDatabase,
    cache_busting_script,
    manage,
    run_wrk,
    site_environment,
    wrk_path,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
WORKERS = 2
THREADS, CONNECTIONS = 2, 16

# Issue 15's targets where it set one (cached pages, import with the derived
# data), the earlier performance issue's for the rest.
TARGETS = {
    "cached": 0.85,  # × static ceiling req/s
    "uncached": 0.15,
    "search_p99_ms": 100,
    "import_rate": 100,  # articles/s
    "worker_mb": 150,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.strip().split("\n\n")[1]
    )
    parser.add_argument("--articles", type=int, default=10_000, help="articles to generate (10000)")
    parser.add_argument("--sections", type=int, default=20, help="sections per article (20)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL (10)")
    parser.add_argument(
        "--database-url",
        help="scratch database; default a fresh SQLite file under bench/out/. A PostgreSQL "
        "database named here is dropped and created afresh, e.g. "
        "postgres://postgres@127.0.0.1:5432/milcoop_bench",
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (1)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the corpus, the scratch database and static files under bench/out/",
    )
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="where to write the report (bench/RESULTS.md)"
    )
    return parser.parse_args(argv)


PROGRESS_LINE = re.compile(r"^\[\s*(\d+)/(\d+)\]")


def timed_import(env, directory, count, log):
    """Run import_sources on the corpus; (seconds, its summary line)."""
    command = [sys.executable, str(ROOT / "manage.py"), "import_sources", str(directory)]
    bar = Bar("importing", count)
    summary = ""
    started = time.monotonic()
    with open(log, "a") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        for line in process.stdout:
            out.write(line)
            match = PROGRESS_LINE.match(line)
            if match:
                bar.update(int(match.group(1)))
            elif line.strip():
                summary = line.strip()
                bar.update(bar.done)
        returncode = process.wait()
    seconds = time.monotonic() - started
    bar.close()
    if returncode != 0:
        raise SystemExit(f"import_sources failed ({returncode}); see {log}")
    return seconds, summary


PROBE = r"""
import json, django
django.setup()
from django.db.models import Count
from django.test import Client
from taggit.models import Tag
from articles.models import Article, CrossReference, Section

published = Article.objects.published().order_by("pk")
n = published.count()
article = published[n // 2] if n else None
tag = (Tag.objects.annotate(n=Count("articles_taggedarticle_items")).order_by("-n", "name").first())
client = Client(HTTP_HOST="127.0.0.1")
size = 0
status = None
if article is not None:
    response = client.get(article.get_absolute_url())
    status, size = response.status_code, len(response.content)
print(json.dumps({
    "articles": Article.objects.count(),
    "published": n,
    "sections": Section.objects.count(),
    "subsections": Section.objects.filter(level=3).count(),
    "tags": Tag.objects.count(),
    "tag_uses": Article.tags.through.objects.count(),
    "references": CrossReference.objects.count(),
    "resolved": CrossReference.objects.filter(target__isnull=False).count(),
    "article_url": article.get_absolute_url() if article else None,
    "article_status": status,
    "article_bytes": size,
    "tag_name": tag.name if tag else None,
    "tag_slug": tag.slug if tag else None,
    "tag_articles": tag.n if tag else 0,
}))
"""


def probe(env):
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"probing the imported site failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- Cases ---------------------------------------------------------------------------

SEARCH_QUERIES = [
    "peacekeeping",
    "joint exercises",
    "interoperability",
    "cyber defence",
    "humanitarian law",
    "maritime patrol",
    "Chile",
    "crisis management",
    "information sharing",
    "NATO",
    "staff college exchanges",
    "regional stability",
]


@dataclass
class Case:
    key: str
    label: str
    path: str
    cached: bool  # warm it, and expect X-Cache: hit
    script: Path | None = None
    x_cache: str = ""


def cases(site, scratch, token):
    ceiling = f"/static/{CEILING_NAME}"
    article = site["article_url"] or "/articles/missing/"
    tag = f"/tags/{quote(site['tag_slug'])}/" if site["tag_slug"] else "/tags/"
    searches = [f"/search/?q={quote(q)}" for q in SEARCH_QUERIES]
    return [
        Case(
            "static", f"static file, {site['article_bytes']:,} bytes (whitenoise)", ceiling, False
        ),
        Case("cached", "article, cached", article, True),
        Case(
            "uncached",
            "article, uncached (unique query string)",
            article,
            False,
            cache_busting_script(scratch / "uncached.lua", [article], token=token),
        ),
        Case("home", "home, cached", "/", True),
        Case("tag", f"tag page “{site['tag_name']}”, cached", tag, True),
        Case(
            "search",
            f"search, uncached ({len(searches)} queries rotating)",
            searches[0],
            False,
            cache_busting_script(scratch / "search.lua", searches, token=token),
        ),
    ]


CEILING_NAME = "bench-ceiling.html"


def write_ceiling(static_root, size):
    """A static file of the article page's size: what whitenoise alone can serve."""
    unit = b"<p>static ceiling for the milcoop benchmark</p>\n"
    data = (unit * (size // len(unit) + 1))[:size]
    (Path(static_root) / CEILING_NAME).write_bytes(data)


def settle(base_url, timeout=180):
    """
    Wait until the server has worked through requests still queued from the last
    run (wrk closes its connections, the workers still answer what they accepted).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        began = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=timeout) as response:
                response.read()
        except OSError:
            time.sleep(0.5)
            continue
        if time.monotonic() - began < 0.5:
            return
    note(f"the server did not settle within {timeout}s")


def warm(base_url, case):
    """Request a case's URL so every worker has it; (status, X-Cache) of the last answer."""
    status, x_cache = None, "-"
    for _ in range(2 * WORKERS + 1 if case.cached else 1):
        path = case.path
        if case.script is not None:
            separator = "&" if "?" in path else "?"
            path = f"{path}{separator}nocache=probe-{uuid.uuid4().hex}"
        try:
            with urllib.request.urlopen(base_url + path, timeout=120) as response:
                response.read()
                status, x_cache = response.status, response.headers.get("X-Cache", "-")
        except urllib.error.HTTPError as exc:
            status, x_cache = exc.code, exc.headers.get("X-Cache", "-")
        except OSError as exc:
            status, x_cache = type(exc).__name__, "-"
        if status != 200:
            break  # warming a failing page again only queues more work
    return status, x_cache


# --- Machine ---------------------------------------------------------------------------


def machine(database, load_before):
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    import django
    import gunicorn

    wrk_version = subprocess.run(
        [wrk_path(), "--version"], capture_output=True, text=True
    ).stdout.splitlines()
    return {
        "CPUs (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU model": cpu,
        "Memory": memory,
        "OS": os_name,
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "gunicorn": f"{gunicorn.__version__}, {WORKERS} workers, "
        + ("gunicorn.conf.py" if GUNICORN_CONFIG.exists() else "no gunicorn.conf.py (defaults)"),
        "Database": database.describe(),
        "Cache": "local memory (per worker; no REDIS_URL)",
        "Load generator": f"{(wrk_version or ['wrk'])[0].strip()} -t{THREADS} -c{CONNECTIONS}, on the same machine",
        "Load average (1, 5, 15 min) before the requests": load_before,
        "Date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


# --- Report ----------------------------------------------------------------------------


def fmt_ms(value):
    return "—" if value is None else (f"{value:.1f}" if value >= 10 else f"{value:.2f}")


def table_rows(results, static_rps):
    rows = []
    for case, result in results:
        rps = result.answered_per_second
        ratio = rps / static_rps if static_rps else 0
        answered = result.answered > 0
        errors = f"{result.errors:,}" if answered else f"{result.errors:,} (none answered in 5 s)"
        rows.append(
            [
                case.label,
                case.path if len(case.path) < 60 else case.path[:57] + "…",
                f"{rps:,.0f}" if rps >= 10 else f"{rps:.1f}",
                fmt_ms(result.p50_ms) if answered else "—",
                fmt_ms(result.p99_ms) if answered else "—",
                errors,
                f"{ratio:.2f}×",
                case.x_cache,
            ]
        )
    return rows


HEADERS = ["URL", "path", "req/s", "p50 ms", "p99 ms", "errors", "× static", "X-Cache"]


def text_table(rows):
    widths = [max(len(str(r[i])) for r in rows + [HEADERS]) for i in range(len(HEADERS))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)


def markdown_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def evaluate_targets(by_key, import_rate, peak_mb, articles):
    static = by_key["static"].answered_per_second

    def ratio(key):
        return by_key[key].answered_per_second / static if static else 0

    search_p99 = by_key["search"].p99_ms
    search_note = "" if articles >= 10_000 else f" (measured at {articles:,} articles, not 10,000)"
    checks = [
        (
            f"cached article ≥ {TARGETS['cached']}× static ceiling req/s",
            f"{ratio('cached'):.2f}×",
            ratio("cached") >= TARGETS["cached"],
        ),
        (
            f"uncached article ≥ {TARGETS['uncached']}× static ceiling req/s",
            f"{ratio('uncached'):.2f}×",
            ratio("uncached") >= TARGETS["uncached"],
        ),
        (
            f"search p99 < {TARGETS['search_p99_ms']} ms at 10,000 articles",
            f"{fmt_ms(search_p99)} ms{search_note}",
            by_key["search"].answered > 0
            and search_p99 is not None
            and search_p99 < TARGETS["search_p99_ms"]
            and by_key["search"].errors == 0,
        ),
        (
            f"import ≥ {TARGETS['import_rate']} articles/s",
            f"{import_rate:,.1f} articles/s",
            import_rate >= TARGETS["import_rate"],
        ),
        (
            f"worker peak memory < {TARGETS['worker_mb']} MB",
            f"{peak_mb:.0f} MB",
            0 < peak_mb < TARGETS["worker_mb"],
        ),
    ]
    return [(name, value, "met" if ok else "**missed**") for name, value, ok in checks]


def write_results(
    path,
    *,
    args,
    info,
    site,
    corpus_bytes,
    import_seconds,
    import_summary,
    rows,
    targets,
    peaks,
    server,
    notes,
):
    import_rate = site["articles"] / import_seconds if import_seconds else 0
    peak_rows = [[str(pid), f"{kb / 1024:.0f}"] for pid, kb in sorted(peaks.items())]
    command = (
        "python -m bench"
        + (f" --articles {args.articles}" if args.articles != 10_000 else "")
        + (f" --sections {args.sections}" if args.sections != 20 else "")
        + (f" --duration {args.duration}" if args.duration != 10 else "")
        + (" --database-url …" if args.database_url else "")
    )
    parts = [
        "# Benchmark results",
        "",
        f"Generated by `{command}` (bench/README.md says how to read this). "
        "Figures are from one run on the machine below; the load generator shares its CPUs.",
        "",
        "## Machine",
        "",
        markdown_table(["", ""], [[k, v] for k, v in info.items()]),
        "",
        "## Corpus and import",
        "",
        f"- Synthetic corpus: {site['articles']:,} articles × {args.sections} sections "
        f"(seed {args.seed}), {corpus_bytes / 1e6:,.1f} MB of source text "
        f"({corpus_bytes / max(site['articles'], 1) / 1024:.1f} KiB per article).",
        f"- Imported: {site['sections']:,} sections ({site['subsections']:,} of them "
        f"subsections), {site['tags']} tags on {site['tag_uses']:,} article–tag links, "
        f"{site['references']:,} cross-references ({site['resolved']:,} resolved).",
        f"- `manage.py import_sources`: **{import_seconds:,.1f} s, "
        f"{import_rate:,.1f} articles/s** (wall clock, including the command's start-up).",
        f"- Its summary: “{import_summary}”",
        "",
        "## Requests",
        "",
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{args.duration}s --latency, one URL (or rotation) at a "
        f"time, against gunicorn with {WORKERS} workers on 127.0.0.1. "
        "Errors are non-2xx/3xx answers plus socket errors. “× static” is req/s over the static "
        "ceiling's. X-Cache is what the page cache said to a probe request before the run.",
        "",
        markdown_table(HEADERS, rows),
        "",
        "## Peak memory per gunicorn worker",
        "",
        "VmHWM (peak resident set) of every worker process seen during the run, polled "
        "from /proc every 0.25 s (workers recycled by max_requests appear as new pids).",
        "",
        markdown_table(["worker pid", "peak RSS (MB)"], peak_rows)
        if peak_rows
        else "(no workers seen)",
        "",
        "## Targets",
        "",
        markdown_table(["target", "measured", "result"], targets),
    ]
    if notes:
        parts += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    path.write_text("\n".join(parts) + "\n")


# --- Main --------------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    if wrk_path() is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    run_dir = OUT / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    static_root = run_dir / "static"
    log = run_dir / "manage.log"
    corpus_dir = OUT / f"corpus-{args.articles}x{args.sections}-seed{args.seed}"
    database = ScratchDatabase(args.database_url)
    env = site_environment(database.url, static_root, workers=WORKERS)
    server = None
    notes = []
    try:
        files, corpus_bytes = corpus.generate(
            corpus_dir, articles=args.articles, sections=args.sections, seed=args.seed
        )
        note(f"database: {database.url}")
        database.create()
        manage(env, "migrate", "--noinput", "-v0", log=log)
        import_seconds, import_summary = timed_import(env, corpus_dir, len(files), log)
        note(
            f"imported {len(files):,} files in {import_seconds:,.1f}s "
            f"({len(files) / import_seconds:,.1f} articles/s)"
        )
        manage(env, "collectstatic", "--noinput", "-v0", log=log)
        site = probe(env)
        if site["article_status"] != 200:
            notes.append(
                f"The article page answered {site['article_status']} to the probe; "
                "its figures measure that answer."
            )
        if not site["article_bytes"]:
            site["article_bytes"] = 50_000
            notes.append("No article page to size the static file on; 50,000 bytes used.")
        write_ceiling(static_root, site["article_bytes"])

        server = Gunicorn(env=env, workers=WORKERS, log_path=run_dir / "gunicorn.log").start()
        note(f"gunicorn on {server.base_url}, workers {server.worker_pids()}")
        load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        token = uuid.uuid4().hex[:8]
        results = []
        for case in cases(site, run_dir, token):
            settle(server.base_url)
            status, case.x_cache = warm(server.base_url, case)
            if status != 200:
                notes.append(f"{case.label}: {case.path} answered {status} before the run.")
            note(f"wrk {args.duration}s: {case.label}  {case.path}  (X-Cache: {case.x_cache})")
            result = run_wrk(
                server.base_url + case.path,
                duration=args.duration,
                threads=THREADS,
                connections=CONNECTIONS,
                script=case.script,
            )
            (run_dir / f"wrk-{case.key}.txt").write_text(result.output)
            results.append((case, result))
        server.sample_memory()
        peaks = dict(server.peaks)
    finally:
        if server is not None:
            server.stop()

    by_key = {case.key: result for case, result in results}
    static_rps = by_key["static"].answered_per_second
    rows = table_rows(results, static_rps)
    peak_mb = max(peaks.values(), default=0) / 1024
    import_rate = site["articles"] / import_seconds if import_seconds else 0
    targets = evaluate_targets(by_key, import_rate, peak_mb, site["articles"])
    notes.append(
        "The page cache here is local memory, one per worker (no REDIS_URL), and "
        "gunicorn.conf.py recycles a worker after GUNICORN_MAX_REQUESTS requests (jittered; "
        "the default is in gunicorn.conf.py): a recycled worker starts with an empty cache, "
        "so part of the “cached” requests are misses."
    )
    for case, _ in results:
        expected = "hit" if case.cached else ("-" if case.key == "static" else "miss")
        if case.x_cache not in (expected, "-") or (case.key == "static" and case.x_cache != "-"):
            notes.append(
                f"{case.label}: the probe request got X-Cache “{case.x_cache}”, "
                f"expected “{expected}”."
            )
    info = machine(database, load_before)
    print()
    print(
        f"corpus: {site['articles']:,} articles, {site['sections']:,} sections; import "
        f"{import_seconds:,.1f}s = {import_rate:,.1f} articles/s"
    )
    print(text_table(rows))
    print(f"peak RSS per worker: {peak_mb:.0f} MB (max over {len(peaks)} worker pids)")
    for name, value, verdict in targets:
        print(f"  {verdict.strip('*'):7} {name}: {value}")
    write_results(
        args.results,
        args=args,
        info=info,
        site=site,
        corpus_bytes=corpus_bytes,
        import_seconds=import_seconds,
        import_summary=import_summary,
        rows=rows,
        targets=targets,
        peaks=peaks,
        server=server,
        notes=notes,
    )
    results = args.results.resolve()
    print(f"wrote {results.relative_to(ROOT) if results.is_relative_to(ROOT) else results}")
    if not args.keep:
        database.drop()
        shutil.rmtree(corpus_dir, ignore_errors=True)
        shutil.rmtree(static_root, ignore_errors=True)
    else:
        note(f"kept: {corpus_dir}, {database.url}, {static_root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
