"""
The pure half of an import: a source file's bytes → everything the import
service writes that does not depend on the database (the outline written as
Markdown and rendered as a save renders it, indexed text and its terms,
references, suggested tags). No database, so it can run in worker processes
beside the one that writes; ``prepared_in_order`` does that for a large import.
"""

import hashlib
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from ..content.reference_syntax import normalize_title
from ..content.references import reference_fields
from ..models import RenderedBody, render_body
from ..search import indexable
from ..search.rows import Terms, article_terms, section_terms
from .markdown_writer import blocks_to_markdown
from .outline import SourceError
from .parser import decode_source, parse_source
from .tagging import suggest_tags

# Files per task sent to a worker: enough to amortise the round trip.
FILES_PER_TASK = 8
# Files prepared ahead of the writer: more than a batch, so that the workers
# keep going while it writes one.
FILES_AHEAD = 256
# Below this many files, worker processes cost more to start than they save.
MIN_FILES_FOR_WORKERS = 64


@dataclass
class PreparedSection:
    heading: str
    level: int
    body: str  # Markdown, as stored
    rendered: RenderedBody  # as Section.prepare() would render the body
    text: str  # what the search index holds
    terms: Terms  # its index entry's compounds and vocabulary
    references: list  # reference_fields() of the body's cross-references
    tags: list  # suggested topic names, before the "two passages" rule


@dataclass
class PreparedSource:
    filename: str
    digest: str
    title: str
    title_key: str  # what an existing article of the same title is found by
    summary: str  # the lead, in Markdown
    rendered_summary: RenderedBody  # as Article.prepare() would render the lead
    summary_text: str  # what the search index holds
    summary_terms: Terms  # the article's index entry's compounds and vocabulary
    references: list  # reference_fields() of the lead's cross-references
    tags: list  # suggested article topics, before the "two passages" rule
    sections: list  # PreparedSection


@dataclass
class FailedSource:
    """A file that cannot be imported: the error line to print, and what to count."""

    filename: str
    error: str  # as listed at the end
    message: str  # as printed when it happens


@dataclass
class KnownSource:
    """
    A file with the very bytes an article was last imported from: it needs no
    parsing to be found unchanged (the importer prepares it after all, should
    the run change that article before its turn).
    """

    filename: str
    digest: str
    data: bytes


def source_digest(data):
    return hashlib.sha256(data).hexdigest()


def prepare_source(data, filename):
    """Bytes of a source file → PreparedSource. Raises SourceError for bad input."""
    outline = parse_source(decode_source(data, filename), filename)
    article_tags, section_tags = suggest_tags(outline)
    sections = []
    for position, (outline_section, tags) in enumerate(
        zip(outline.sections, section_tags, strict=True)
    ):
        heading = " ".join(outline_section.heading.split())
        body = blocks_to_markdown(outline_section.blocks)
        rendered = render_body(body)
        text = indexable(rendered.text)
        sections.append(
            PreparedSection(
                heading=heading,
                level=outline_section.level,
                body=body,
                rendered=rendered,
                text=text,
                terms=section_terms(heading, text),
                references=_references(body, position),
                tags=tags,
            )
        )
    title = " ".join(outline.title.split())
    summary = blocks_to_markdown(outline.lead)
    rendered_summary = render_body(summary)
    summary_text = indexable(rendered_summary.text)
    return PreparedSource(
        filename=filename,
        digest=source_digest(data),
        title=title,
        title_key=normalize_title(title),
        summary=summary,
        rendered_summary=rendered_summary,
        summary_text=summary_text,
        summary_terms=article_terms(title, summary_text),
        references=_references(summary, None),
        tags=article_tags,
        sections=sections,
    )


def _references(markdown, position):
    """reference_fields() of a passage (``position``: its section's, or None for the lead)."""
    # Most passages name no other article: skip reading them line by line.
    if "[[" not in markdown:
        return []
    return reference_fields(markdown, section_position=position)


def prepare_file(path):
    """A source file on disk → PreparedSource, or FailedSource saying why it cannot be imported."""
    path = Path(path)
    try:
        return prepare_source(path.read_bytes(), path.name)
    except SourceError as exc:
        return FailedSource(path.name, str(exc), f"error: {exc}")
    except OSError as exc:
        return FailedSource(
            path.name, f"{path}: {exc.strerror}", f"error: {path}: cannot read ({exc.strerror})"
        )


def _prepare_files(paths):
    return [prepare_file(path) for path in paths]


def _start_worker():
    import django
    from django.apps import apps

    if not apps.ready:  # a worker that was spawned, not forked
        django.setup()


def default_jobs():
    return os.cpu_count() or 1


def prepared_in_order(items, *, count, jobs=None):
    """
    PreparedSource (or FailedSource) for each path of ``items``, in order;
    the KnownSource among them are passed on as they are. With more than
    one job and ``count`` files or more, the work runs in ``jobs`` worker
    processes, a bounded number of files ahead of the caller.
    """
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or count < MIN_FILES_FOR_WORKERS:
        for item in items:
            yield item if isinstance(item, KnownSource) else prepare_file(item)
        return
    items = iter(items)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker) as pool:

        def submit():
            chunk = list(islice(items, FILES_PER_TASK))
            if not chunk:
                return None
            paths = [item for item in chunk if not isinstance(item, KnownSource)]
            return chunk, pool.submit(_prepare_files, paths) if paths else None

        pending = deque()
        while len(pending) < max(jobs, FILES_AHEAD // FILES_PER_TASK) and (task := submit()):
            pending.append(task)
        try:
            while pending:
                chunk, future = pending.popleft()
                prepared = iter(future.result() if future is not None else ())
                if task := submit():
                    pending.append(task)
                for item in chunk:
                    yield item if isinstance(item, KnownSource) else next(prepared)
        finally:
            for _, future in pending:
                if future is not None:
                    future.cancel()
