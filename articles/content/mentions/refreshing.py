"""
Reading passages again: the mentions found in them stored in place of the
old ones (refresh_mentions), and which passages the search index says may
hold a name (passages_that_may_name), so that a changed name is looked for
in those alone. A command reading every passage of a large site may read
them in several processes (``jobs``).
"""

import multiprocessing
import re
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

from django.db import transaction

from ... import search
from ...models import CrossReference, Section, TaggedSection, UnlinkedMention
from ...sources.stemming import FUNCTION_WORDS, fold
from .finding import mentions_in
from .names import TITLE, TOPIC, mention_index

BATCH_SIZE = 1000
# Below this many passages, worker processes cost more to start than they save.
MIN_PASSAGES_FOR_JOBS = 5000
_WORD = re.compile(r"[^\W_]+")


def refresh_mentions(*, article_ids=None, sections=None, section_ids=None, jobs=1):
    """
    Find the unlinked mentions again in the passages of ``article_ids``, or
    of ``section_ids``, or in the ``sections`` queryset, or in every passage,
    and store them in place of the old. A fixed number of queries, whatever
    the number of passages, but for the batches in which they are written.
    With ``jobs`` above 1, the passages of a pass over every one are read in
    so many worker processes (the database is read and written here alone).
    """
    everything = sections is None and article_ids is None and section_ids is None
    if sections is None:
        sections = Section.objects.all()
    if article_ids is not None:
        sections = sections.filter(article_id__in=list(article_ids))
    if section_ids is not None:
        sections = sections.filter(pk__in=list(section_ids))
    tree = mention_index()
    chosen = None if everything else sections.values("pk")
    tagged = TaggedSection.objects.all()
    linked = CrossReference.objects.filter(target__isnull=False, source_section__isnull=False)
    if chosen is not None:
        tagged = tagged.filter(content_object__in=chosen)
        linked = linked.filter(source_section__in=chosen)
    skip = {}
    for section_id, tag_id in tagged.values_list("content_object_id", "tag_id"):
        skip.setdefault(section_id, set()).add((TOPIC, tag_id))
    for section_id, target_id in linked.values_list("source_section_id", "target_id"):
        skip.setdefault(section_id, set()).add((TITLE, target_id))
    rows = sections.values_list("pk", "article_id", "body").order_by("pk")
    passages = (
        (section_id, body, skip.get(section_id, set()) | {(TITLE, article_id)})
        for section_id, article_id, body in rows.iterator(chunk_size=BATCH_SIZE)
    )
    if everything and jobs > 1 and Section.objects.count() >= MIN_PASSAGES_FOR_JOBS:
        found_in = _mentions_in_workers(passages, tree, jobs=jobs)
    else:
        found_in = mentions_in(passages, tree)
    found = [
        UnlinkedMention(
            section_id=section_id,
            kind=kind,
            article_id=pk if kind == TITLE else None,
            tag_id=pk if kind == TOPIC else None,
            text=text,
            start=start,
            end=end,
            sentence=sentence,
        )
        for section_id, (kind, pk), text, start, end, sentence in found_in
    ]
    with transaction.atomic():
        old = UnlinkedMention.objects.all()
        if chosen is not None:
            old = old.filter(section__in=chosen)
        old.delete()
        UnlinkedMention.objects.bulk_create(found, batch_size=BATCH_SIZE)
    return len(found)


def _mentions_in_workers(passages, tree, *, jobs):
    """``mentions_in`` over chunks of passages in ``jobs`` forked processes, in order."""
    # Forked, so that the workers have the index and the code without a
    # set-up of their own; they never touch the database.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_keep, initargs=(tree,)) as pool:
        pending = deque()
        chunks = iter(lambda: list(islice(passages, BATCH_SIZE)), [])
        for chunk in chunks:
            pending.append(pool.submit(_mentions_in_chunk, chunk))
            if len(pending) > 2 * jobs:  # a few chunks ahead, not the whole corpus
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


_worker_index = None


def _keep(tree):
    global _worker_index
    _worker_index = tree


def _mentions_in_chunk(chunk):
    return list(mentions_in(chunk, _worker_index))


def name_requirements(name):
    """
    What a passage's search entry must hold to name ``name`` (search.Form
    groups, one per word): each content word as written, a compound also
    as one word. Every passage the matcher finds a title or alias in meets
    them (the same words, which the index stems alike); a topic, matched by
    Snowball stems where the index stems with Porter, nearly always: the
    rare other passage is found by the next full pass (find_mentions).
    """
    groups = []
    for chunk in name.split():
        parts = [part for part in _WORD.findall(fold(chunk)) if part]
        if len(parts) > 1 and parts[-1] == "s" and "'" in fold(chunk):
            parts.pop()  # a possessive: "Canada's" is "canada"
        if len(parts) > 1:
            forms = (search.Form(tuple(parts), False), search.Form(("".join(parts),), False))
        elif parts and parts[0] not in FUNCTION_WORDS:
            forms = (search.Form((parts[0],), False),)
        else:
            continue
        groups.append(forms)
    return groups


def passages_that_may_name(names, *, limit=None):
    """
    The ids of the passages whose text may hold one of ``names`` (the search
    index's words, a superset the matcher reads again); None if there are
    more than ``limit``, or no search index to ask.
    """
    found = set()
    for name in names:
        required = name_requirements(name)
        if not required:
            continue
        budget = None if limit is None else limit - len(found) + 1
        ids = search.passages_naming(required, limit=budget)
        if ids is None:
            return None
        found.update(ids)
        if limit is not None and len(found) > limit:
            return None
    return found
