"""
python bench/load_fault.py [--duration 60] [--readers 32]

Readers against two site instances while things break: 32 threads read the
home, article, tag and search pages for --duration seconds, alternating
between two gunicorn instances that share a PostgreSQL database and a Redis
cache. At --kill-at seconds one worker of instance A is killed with SIGKILL;
at --pause-redis-at seconds Redis stops answering for --pause-seconds
(``CLIENT PAUSE``, or ``DEBUG SLEEP`` where the server allows it — never a
shutdown: other things use this Redis).

Target: no errors, except the requests that were in flight on the killed
worker. Prints errors by type and time window, latencies, and the verdict;
exits 1 when the target is missed. Always cleans up: servers stopped, Redis
answering, the scratch database dropped and this run's cache keys deleted.
"""

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

if __package__ in (None, ""):
    # Run as a script: make the project (and the bench package) importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import note  # noqa: E402
from bench.loadgen import (  # noqa: E402
    OUT,
    ROOT,
    Gunicorn,
    ScratchDatabase,
    manage,
    site_environment,
)

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/milcoop_loadfault"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
REQUEST_TIMEOUT = 10
# Requests that fail this soon after the kill, on the killed worker's instance,
# with the connection dropped, are counted as that worker's in-flight requests.
KILL_GRACE_SECONDS = 2.0
CONNECTION_ERRORS = {
    "RemoteDisconnected",
    "ConnectionResetError",
    "BrokenPipeError",
    "IncompleteRead",
    "BadStatusLine",
    "ConnectionAbortedError",
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python bench/load_fault.py", description=__doc__.strip().split("\n\n")[1]
    )
    parser.add_argument("--duration", type=float, default=60, help="seconds of reading (60)")
    parser.add_argument("--readers", type=int, default=32, help="reader threads (32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance (2)")
    parser.add_argument("--kill-at", type=float, default=15, help="SIGKILL a worker of A at (15 s)")
    parser.add_argument("--pause-redis-at", type=float, default=25, help="stop Redis at (25 s)")
    parser.add_argument("--pause-seconds", type=float, default=10, help="for this long (10 s)")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help="PostgreSQL database, dropped and created afresh",
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


# --- Redis, through redis-cli -------------------------------------------------------------


class Redis:
    def __init__(self, url):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 6379
        self.db = int((parts.path or "/0").lstrip("/") or 0)
        self.paused_with = None
        self.pauser = None

    def cli(self, *args, timeout=5):
        command = ["redis-cli", "-h", self.host, "-p", str(self.port), "-n", str(self.db), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)

    def ping(self):
        try:
            return self.cli("PING", timeout=2).stdout.strip() == "PONG"
        except subprocess.TimeoutExpired:
            return False

    def pause(self, seconds):
        """
        Make the server stop answering for ``seconds``, without shutting it
        down. Returns the monotonic time the pause began.
        """
        answer = self.cli("DEBUG", "HELP").stdout
        if answer.startswith("ERR") or "not allowed" in answer:
            began = time.monotonic()
            result = self.cli("CLIENT", "PAUSE", str(int(seconds * 1000)), "ALL")
            if result.stdout.strip() != "OK":
                raise RuntimeError(f"cannot pause Redis: {answer.strip()}; {result.stdout.strip()}")
            self.paused_with = "CLIENT PAUSE … ALL (DEBUG is disabled on this server)"
        else:
            began = time.monotonic()
            self.pauser = subprocess.Popen(
                [
                    "redis-cli",
                    "-h",
                    self.host,
                    "-p",
                    str(self.port),
                    "DEBUG",
                    "SLEEP",
                    str(seconds),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.paused_with = "DEBUG SLEEP"
        return began

    def make_available(self, timeout=30):
        """Undo any pause and wait until the server answers again."""
        if self.paused_with and self.paused_with.startswith("CLIENT PAUSE"):
            try:
                self.cli("CLIENT", "UNPAUSE", timeout=3)
            except subprocess.TimeoutExpired:
                pass
        if self.pauser is not None:
            try:
                self.pauser.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.pauser.kill()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return True
            time.sleep(0.5)
        return False

    def delete_prefix(self, prefix):
        """Delete this run's cache keys (the content version never expires on its own)."""
        keys = self.cli("--scan", "--pattern", f"{prefix}:*", timeout=30).stdout.split()
        for start in range(0, len(keys), 500):
            self.cli("DEL", *keys[start : start + 500], timeout=30)
        return len(keys)


# --- Readers --------------------------------------------------------------------------------


@dataclass
class Outcome:
    t: float  # seconds since the start of reading, when the request started
    instance: str
    path: str
    status: int | None
    error: str | None
    latency: float
    x_cache: str


class Reader(threading.Thread):
    def __init__(self, number, *, instances, paths, start, stop_at, outcomes):
        super().__init__(daemon=True, name=f"reader-{number}")
        self.instances = instances  # [(name, port)]
        self.paths = paths
        self.start_time = start
        self.stop_at = stop_at
        self.outcomes = outcomes
        self.rng = random.Random(number)
        self.connections = {}
        self.turn = number

    def connection(self, name, port):
        if name not in self.connections:
            self.connections[name] = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=REQUEST_TIMEOUT
            )
        return self.connections[name]

    def drop(self, name):
        conn = self.connections.pop(name, None)
        if conn is not None:
            conn.close()

    def run(self):
        while time.monotonic() < self.stop_at:
            name, port = self.instances[self.turn % len(self.instances)]
            path = self.paths[self.turn % len(self.paths)]
            self.turn += 1
            began = time.monotonic()
            status, error, x_cache = None, None, ""
            try:
                conn = self.connection(name, port)
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                status, x_cache = response.status, response.getheader("X-Cache", "")
                if response.will_close:
                    self.drop(name)
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
                if isinstance(exc, TimeoutError) or "timed out" in str(exc):
                    error = "timeout"
                self.drop(name)
            self.outcomes.append(
                Outcome(
                    began - self.start_time,
                    name,
                    path,
                    status,
                    error,
                    time.monotonic() - began,
                    x_cache,
                )
            )
        for name in list(self.connections):
            self.drop(name)


# --- The run -------------------------------------------------------------------------------

PROBE = r"""
import json, django
django.setup()
from django.db.models import Count
from taggit.models import Tag
from articles.models import Article
articles = [a.get_absolute_url() for a in Article.objects.published().order_by("pk")]
tags = Tag.objects.annotate(n=Count("articles_taggedarticle_items")).filter(n__gt=0)
print(json.dumps({"articles": articles,
                  "tags": [f"/tags/{t.slug}/" for t in tags.order_by("-n", "name")[:3]]}))
"""


def reading_paths(env):
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"listing the site's pages failed:\n{completed.stderr[-2000:]}")
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    searches = [f"/search/?q={quote(q)}" for q in ("peacekeeping", "joint exercises", "NATO")]
    return ["/", *found["articles"], *found["tags"], *searches]


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def windows(args, kill, pause):
    """Named spans of the run, from when the faults actually happened."""
    kill = args.kill_at if kill is None else kill
    pause = args.pause_redis_at if pause is None else pause
    return [
        ("before the faults", 0, min(kill, pause)),
        ("worker killed (A)", kill, kill + KILL_GRACE_SECONDS),
        ("Redis paused", pause, pause + args.pause_seconds),
        ("Redis back", pause + args.pause_seconds, pause + args.pause_seconds + 5),
    ]


def window_of(t, spans):
    for name, start, end in spans:
        if start <= t < end:
            return name
    return "steady"


def summarize(
    outcomes, *, args, kill_time, killed_pid, pause_time, paused_with, threads_per_worker
):
    # A request belongs to the window it ended in: that is when it failed or answered.
    spans = windows(args, kill_time, pause_time)
    total = len(outcomes)
    failed = [o for o in outcomes if o.error or not (200 <= (o.status or 0) < 400)]
    in_flight = [
        o
        for o in failed
        if o.instance == "A"
        and o.error in CONNECTION_ERRORS
        and kill_time is not None
        and kill_time - REQUEST_TIMEOUT <= o.t <= kill_time + KILL_GRACE_SECONDS
        and o.t + o.latency >= kill_time
    ]
    # Each worker serves at most ``threads`` requests at once: more than that is not in flight.
    in_flight = in_flight[:threads_per_worker]
    others = [o for o in failed if o not in in_flight]

    lines = [
        "",
        f"Load and faults: {args.readers} readers for {args.duration:.0f} s against two "
        f"instances (A, B), {args.workers} workers each, PostgreSQL + Redis.",
        f"  t={spans[1][1]:.1f}s SIGKILL worker {killed_pid} of A; t={spans[2][1]:.1f}s "
        f"Redis paused {args.pause_seconds:.0f}s with {paused_with}.",
        f"  requests: {total:,} ({total / args.duration:,.0f}/s); errors: {len(failed)} "
        f"({len(in_flight)} in flight on the killed worker, {len(others)} other)",
    ]
    by_window = defaultdict(list)
    for o in outcomes:
        by_window[window_of(o.t + o.latency, spans)].append(o)
    lines.append("")
    lines.append(
        f"  {'window':24} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}  X-Cache"
    )
    order = [name for name, _, _ in spans] + ["steady"]
    for name in sorted(by_window, key=order.index):
        group = by_window[name]
        errors = sum(1 for o in group if o in failed)
        latencies = [o.latency * 1000 for o in group]
        caches = Counter(o.x_cache or "-" for o in group if o.status)
        cache_text = ", ".join(f"{k} {v}" for k, v in caches.most_common())
        lines.append(
            f"  {name:24} {len(group):>9,} {errors:>7} {percentile(latencies, 0.5):>8.1f} "
            f"{percentile(latencies, 0.99):>8.1f}  {cache_text}"
        )
    if failed:
        lines += ["", "  errors by type, window and instance:"]
        kinds = Counter(
            (o.error or f"HTTP {o.status}", window_of(o.t + o.latency, spans), o.instance)
            for o in failed
        )
        for (kind, window, instance), count in kinds.most_common():
            lines.append(f"    {count:>5}  {kind:22} {window:22} instance {instance}")
        first = sorted(failed, key=lambda o: o.t)[:10]
        lines += ["", "  first errors (started at, ended at, instance, path, error):"]
        lines += [
            f"    {o.t:6.2f}s {o.t + o.latency:6.2f}s  {o.instance}  {o.path[:50]:50} "
            f"{o.error or o.status}"
            for o in first
        ]
    latencies = [o.latency * 1000 for o in outcomes]
    lines.append("")
    lines.append(
        f"  latency overall: p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.0f} ms"
    )
    met = not others and total > 0
    lines.append(
        f"  target (no errors beyond the killed worker's in-flight requests): "
        f"{'MET' if met else 'MISSED'}"
    )
    return "\n".join(lines), met


def main(argv=None):
    args = parse_args(argv)
    redis = Redis(args.redis_url)
    if not redis.ping():
        raise SystemExit(f"Redis does not answer at {args.redis_url}")
    database = ScratchDatabase(args.database_url)
    if not database.is_postgres:
        raise SystemExit("--database-url must name a PostgreSQL database")
    run_dir = OUT / "load_fault"
    run_dir.mkdir(parents=True, exist_ok=True)
    prefix = f"loadfault-{uuid.uuid4().hex[:8]}"
    env = site_environment(database.url, run_dir / "static", workers=args.workers)
    env.update(REDIS_URL=args.redis_url, CACHE_KEY_PREFIX=prefix)
    threads_per_worker = int(env.get("GUNICORN_THREADS", "1") or 1)
    log = run_dir / "manage.log"
    log.write_text("")
    servers = []
    outcomes = []
    kill_time = killed_pid = pause_time = None
    met = False
    try:
        note(f"database {database.name}: created afresh; cache prefix {prefix}")
        database.create()
        manage(env, "migrate", "--noinput", "-v0", log=log)
        manage(env, "import_sources", "-v0", log=log)  # the project's own three sources
        manage(env, "collectstatic", "--noinput", "-v0", log=log)
        paths = reading_paths(env)
        note(f"{len(paths)} pages to read: {', '.join(paths[:4])}, …")
        for name in ("A", "B"):
            server = Gunicorn(
                env=env,
                workers=args.workers,
                log_path=run_dir / f"gunicorn-{name}.log",
                name=f"instance {name}",
            )
            servers.append(server.start())
        note(
            "instances: "
            + ", ".join(
                f"{name} {s.base_url} workers {s.worker_pids()}"
                for name, s in zip("AB", servers, strict=True)
            )
        )
        instances = [("A", servers[0].port), ("B", servers[1].port)]
        start = time.monotonic()
        stop_at = start + args.duration
        readers = [
            Reader(
                n, instances=instances, paths=paths, start=start, stop_at=stop_at, outcomes=outcomes
            )
            for n in range(args.readers)
        ]
        for reader in readers:
            reader.start()
        events = sorted([(args.kill_at, "kill"), (args.pause_redis_at, "pause")])
        for at, event in events:
            while time.monotonic() - start < at and time.monotonic() < stop_at:
                time.sleep(0.05)
            if time.monotonic() >= stop_at:
                break
            if event == "kill":
                workers = servers[0].worker_pids()
                killed_pid = workers[0]
                os.kill(killed_pid, signal.SIGKILL)
                kill_time = time.monotonic() - start
                note(f"t={kill_time:.1f}s SIGKILL worker {killed_pid} of instance A")
            else:
                pause_time = redis.pause(args.pause_seconds) - start
                note(
                    f"t={time.monotonic() - start:.1f}s Redis paused "
                    f"{args.pause_seconds:.0f}s ({redis.paused_with})"
                )
        while time.monotonic() < stop_at:
            done = (time.monotonic() - start) / args.duration
            sys.stderr.write(
                f"\rreading [{'#' * int(30 * done):.<30}] "
                f"{time.monotonic() - start:4.0f}s {len(outcomes):,} requests "
            )
            sys.stderr.flush()
            time.sleep(0.5)
        sys.stderr.write("\n")
        for reader in readers:
            reader.join(timeout=REQUEST_TIMEOUT + 5)
        report, met = summarize(
            list(outcomes),
            args=args,
            kill_time=kill_time,
            killed_pid=killed_pid,
            pause_time=pause_time,
            paused_with=redis.paused_with or "nothing (not reached)",
            threads_per_worker=threads_per_worker,
        )
        for name, server in zip("AB", servers, strict=True):
            started = sorted(
                (seen - start, pid) for pid, seen in server.first_seen.items() if seen > start
            )
            report += (
                f"\n  instance {name}: workers started during the run: "
                + (", ".join(f"{pid} at t={t:.1f}s" for t, pid in started) or "none")
                + " (a killed worker is replaced; gunicorn.conf.py also recycles workers "
                "after GUNICORN_MAX_REQUESTS)"
            )
        print(report)
        (run_dir / "report.txt").write_text(report + "\n")
    finally:
        for server in servers:
            server.stop()
        available = redis.make_available()
        note("Redis answering again" if available else "WARNING: Redis does not answer!")
        try:
            note(f"deleted {redis.delete_prefix(prefix)} cache keys with prefix {prefix}")
        except subprocess.TimeoutExpired:
            note(f"could not delete the cache keys with prefix {prefix}")
        if not args.keep:
            database.drop()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
