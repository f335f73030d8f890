"""
Reading passages again: the mentions found in them stored in place of the
old ones (refresh_mentions), and which passages the search index says may
hold a name (passages_that_may_name), so that a changed name is looked for
in those alone.
"""

import re

from django.db import transaction

from ... import search
from ...models import CrossReference, Section, TaggedSection, UnlinkedMention
from ...sources.stemming import FUNCTION_WORDS, fold
from .finding import find_mentions, sentence_at
from .names import TITLE, TOPIC, mention_index

BATCH_SIZE = 1000
_WORD = re.compile(r"[^\W_]+")


def refresh_mentions(*, article_ids=None, sections=None, section_ids=None):
    """
    Find the unlinked mentions again in the passages of ``article_ids``, or
    of ``section_ids``, or in the ``sections`` queryset, or in every passage,
    and store them in place of the old. A fixed number of queries, whatever
    the number of passages, but for the batches in which they are written.
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
    found = []
    rows = sections.values_list("pk", "article_id", "body").order_by("pk")
    for section_id, article_id, body in rows.iterator(chunk_size=BATCH_SIZE):
        own = skip.get(section_id, set())
        own.add((TITLE, article_id))
        for (kind, pk), start, end in find_mentions(body, tree, skip=own):
            found.append(
                UnlinkedMention(
                    section_id=section_id,
                    kind=kind,
                    article_id=pk if kind == TITLE else None,
                    tag_id=pk if kind == TOPIC else None,
                    text=body[start:end][:255],
                    start=start,
                    end=end,
                    sentence=sentence_at(body, start, end),
                )
            )
    with transaction.atomic():
        old = UnlinkedMention.objects.all()
        if chosen is not None:
            old = old.filter(section__in=chosen)
        old.delete()
        UnlinkedMention.objects.bulk_create(found, batch_size=BATCH_SIZE)
    return len(found)


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
