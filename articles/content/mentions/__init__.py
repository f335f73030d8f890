"""
Unlinked mentions: passages that name another published article (by its
title or one of its aliases) or a topic without linking to it or carrying
it. Found with the topic detector's matcher (sources/stemming.py) in the
Markdown a passage is written in, never inside a link, a cross-reference,
code, a heading line or a list marker; stored in UnlinkedMention when
content changes, so that the editors' pages only read. A title or alias is
found as written (case, accents and hyphenation aside), since linking puts
the title in the text; a topic by its words' stems, since tagging leaves the
text alone.

What it costs stays in proportion to what changed:

- The index of names (every published title and alias and every topic) is
  built once per process and kept while the ``versions`` cache's
  ``NAMES_VERSION`` (and the content version) stay the same; a write that
  changes a name moves it, so every process builds its index again once.
- A passage saved, or tagged, is read again alone once the change commits.
- A name that appeared or changed (a title, an alias, a topic, an article
  published) is queued in PendingMentionName once the change commits; the
  mentions found under its old form are deleted with the change, so the
  pages never offer a stale one. The queue is drained then, reading
  only the passages the search index says may hold the name, within a
  budget of passages per request; a name that may be in more waits for
  ``manage.py find_mentions --pending`` or the "look now" button, and the
  pages say which names are waiting.

Where each part lives: ``finding.py`` scans a body (what is never looked in,
the sentence around a mention); ``names.py`` keeps the index of names;
``refreshing.py`` reads passages again and stores what it finds;
``receivers.py`` asks for that when content changes; ``linking.py`` links or
tags a mention for an editor. The queue of changes and of pending names is
here, since callers, tests and benches reach it (and replace its parts) on
this package.
"""

import threading
from contextlib import contextmanager

from django.db import transaction

from ...caching import versions
from ...models import PendingMentionName, UnlinkedMention
from .finding import find_mentions, not_text, sentence_at, text_segments
from .linking import MentionError, link_mention, tag_mention
from .names import (
    NAMES_VERSION,
    TITLE,
    TOPIC,
    NameIndex,
    article_names,
    forget_index,
    linkable,
    mention_index,
    name_index,
    title_phrase,
)
from .refreshing import BATCH_SIZE, name_requirements, passages_that_may_name, refresh_mentions

__all__ = [
    "BATCH_SIZE",
    "INLINE_BUDGET",
    "MAX_NAMES_TO_FILTER",
    "NAMES_VERSION",
    "TITLE",
    "TOPIC",
    "MentionError",
    "NameIndex",
    "article_names",
    "drain_pending",
    "find_mentions",
    "forget_index",
    "gathered",
    "link_mention",
    "linkable",
    "mention_index",
    "mentions_changed",
    "name_index",
    "name_requirements",
    "names_gone",
    "not_text",
    "passages_that_may_name",
    "pending_names",
    "refresh_mentions",
    "sections_changed",
    "sentence_at",
    "tag_mention",
    "text_segments",
    "title_phrase",
]

# Past this many names changed at once (an import), reading every passage
# costs less than looking each name up.
MAX_NAMES_TO_FILTER = 40
# Passages read again for queued names on an editor's request, at most: a
# name the search index finds in more waits for the command.
INLINE_BUDGET = 300


def mentions_changed(*, article_ids=(), names=()):
    """
    Find the mentions again once the transaction commits (at once outside
    one): in the passages of ``article_ids``, and in every passage that may
    name one of ``names`` (a title, alias or topic that appeared or changed).
    No query before the commit, so a batch's queries do not grow with it.
    """
    names = {name[:255] for name in names if name}
    if names:
        forget_index()
        versions.bump_after_commit([NAMES_VERSION])
        _pending_set("names").update(names)
    _pending_set("article_ids").update(article_ids)
    transaction.on_commit(_flush)


def sections_changed(section_ids):
    """Read these passages again once the transaction commits."""
    _pending_set("section_ids").update(section_ids)
    transaction.on_commit(_flush)


def names_gone(labels):
    """
    The mentions of ``labels`` ((kind, pk): an article unpublished, renamed
    or given fewer aliases, a topic renamed) go now, with the transaction.
    """
    forget_index()
    versions.bump_after_commit([NAMES_VERSION])
    for kind, pk in labels:
        field = "article_id" if kind == TITLE else "tag_id"
        UnlinkedMention.objects.filter(kind=kind, **{field: pk}).delete()


# Changes asked for in the current transaction, looked at once it commits.
_pending = threading.local()


def _pending_set(name):
    if not hasattr(_pending, name):
        setattr(_pending, name, set())
    return getattr(_pending, name)


@contextmanager
def gathered(*, jobs=1):
    """
    Look at the changes committed inside the block once, at its end, and
    every queued name then, whatever it costs: an import of many batches
    reads the passages once, not once a batch (in ``jobs`` processes, when
    that means reading every passage).
    """
    outer = getattr(_pending, "held", False)
    _pending.held = True
    try:
        yield
    finally:
        _pending.held = outer
        if not outer:
            _flush(unlimited=True, jobs=jobs)


def _flush(*, unlimited=False, jobs=1):
    # The first callback of a commit looks at every change asked for so far;
    # the rest find nothing left. (A rolled-back transaction's changes are
    # looked at by the next commit: needless work, never a missed change.)
    if getattr(_pending, "held", False):
        return
    names = _pending_set("names")
    article_ids, section_ids = _pending_set("article_ids"), _pending_set("section_ids")
    if not (names or article_ids or section_ids or unlimited):
        return
    _pending.names, _pending.article_ids, _pending.section_ids = set(), set(), set()
    if len(names) > MAX_NAMES_TO_FILTER:
        with transaction.atomic():
            refresh_mentions(jobs=jobs)
            PendingMentionName.objects.all().delete()
        return
    if names:
        PendingMentionName.objects.bulk_create(
            [PendingMentionName(name=name) for name in names], ignore_conflicts=True
        )
    if article_ids:
        refresh_mentions(article_ids=article_ids)
    if section_ids:
        refresh_mentions(section_ids=section_ids)
    if names or unlimited:
        drain_pending(budget=None if unlimited else INLINE_BUDGET, jobs=jobs)


def drain_pending(*, budget=None, jobs=1):
    """
    Look for the queued names in the passages that may hold them, oldest
    first, reading at most ``budget`` passages (None: no limit); a name that
    would take more stays queued. Returns how many names are left. A pass
    over every passage reads them in ``jobs`` processes.
    """
    queued = list(PendingMentionName.objects.order_by("queued_at", "id"))
    if not queued:
        return 0
    if budget is None and len(queued) > MAX_NAMES_TO_FILTER:
        with transaction.atomic():
            refresh_mentions(jobs=jobs)
            PendingMentionName.objects.filter(pk__in=[row.pk for row in queued]).delete()
        return 0
    chosen, passages = [], set()
    for row in queued:
        limit = None if budget is None else budget - len(passages)
        found = passages_that_may_name([row.name], limit=limit)
        if found is None and budget is None:  # no search index to ask: every passage
            with transaction.atomic():
                refresh_mentions(jobs=jobs)
                PendingMentionName.objects.filter(pk__in=[r.pk for r in queued]).delete()
            return 0
        if found is not None:  # else too many passages for now: it waits
            chosen.append(row)
            passages |= found
    with transaction.atomic():
        PendingMentionName.objects.filter(pk__in=[row.pk for row in chosen]).delete()
        ordered = sorted(passages)
        for start in range(0, len(ordered), BATCH_SIZE):
            refresh_mentions(section_ids=ordered[start : start + BATCH_SIZE])
    return len(queued) - len(chosen)


def pending_names():
    """The names whose mentions are still to be looked for, oldest first."""
    return list(
        PendingMentionName.objects.order_by("queued_at", "id").values_list("name", flat=True)
    )


# Last: the receivers call the functions above.
from . import receivers  # noqa: E402, F401
