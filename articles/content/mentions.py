"""
Unlinked mentions: passages that name another published article or a topic
without linking to it or carrying it. Found with the topic detector's
matcher (sources/stemming.py) in the Markdown a passage is written in,
never inside a link, a cross-reference, code, a heading line or a list
marker; stored in UnlinkedMention when content changes, so that the
editors' pages only read. A title is found as written (case, accents and
hyphenation aside), since linking puts the title in the text; a topic by
its words' stems, since tagging leaves the text alone.
"""

import re
import threading
from contextlib import contextmanager

import reversion
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from taggit.models import Tag

from ..models import Article, CrossReference, Section, TaggedSection, UnlinkedMention
from ..sources.stemming import EXACT, find_phrases, fold, index_forms, words
from .reference_syntax import REFERENCE_PATTERN

TITLE, TOPIC = UnlinkedMention.Kind.TITLE, UnlinkedMention.Kind.TOPIC
BATCH_SIZE = 1000
MAX_NAMES_TO_FILTER = 40
# Enough of a word to find it in the database whatever its ending.
PREFIX = 5

# What a mention is never looked for in: the text of links and references
# (linking there would nest links), code, addresses, HTML, heading lines and
# the markers that open list items.
_NOT_TEXT = re.compile(
    r"""
    <a\b[^>]*>.*?</a>
    | \[\[[^\]\n]*\]\]
    | !?\[[^\]\n]*\]\([^)\n]*\)
    | `[^`\n]*`
    | <[^>\n]*>
    | \bhttps?://\S+
    | ^[ ]{0,3}\#{1,6}(?:[ \t][^\n]*)?$
    | ^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)
    """,
    re.M | re.X | re.S | re.I,
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_MARKUP = re.compile(r"\[\[|\]\]|\*\*|__|[*`]")


def title_phrase(title):
    """A title as the matcher finds it: every word as written."""
    return " ".join(EXACT + word for word in title.split())


def linkable(title):
    """Whether ``[[title]]`` would be a cross-reference to it (reference_syntax)."""
    return REFERENCE_PATTERN.fullmatch(f"[[{title}]]") is not None


def mention_index():
    """
    What passages are searched for: the titles of published articles and the
    names of topics, by their first key (stemming.index_forms). Two queries.
    """
    titles = Article.objects.published().values_list("pk", "title")
    topics = Tag.objects.values_list("pk", "name")
    return index_forms(
        [(title_phrase(title), (TITLE, pk)) for pk, title in titles if linkable(title)]
        + [(name, (TOPIC, pk)) for pk, name in topics]
    )


def text_segments(body):
    """(offset, text) of each stretch of a body a mention may stand in."""
    start = 0
    for match in _NOT_TEXT.finditer(body):
        yield from _paragraphs(body, start, match.start())
        start = match.end()
    yield from _paragraphs(body, start, len(body))


def _paragraphs(body, start, end):
    position = start
    for gap in _PARAGRAPH_BREAK.finditer(body, start, end):
        if body[position : gap.start()].strip():
            yield position, body[position : gap.start()]
        position = gap.end()
    if body[position:end].strip():
        yield position, body[position:end]


def find_mentions(body, index, *, skip=frozenset()):
    """(label, start, end) of the first mention of each label in ``body``, ``skip`` left out."""
    skip = set(skip)
    for offset, segment in text_segments(body):
        found = words(segment)
        for labels, start, end in find_phrases(found, index, skip):
            first, last = found.span(start, end)
            for label in sorted(labels):
                # Only the first mention of each: once is enough to offer a link.
                skip.add(label)
                yield label, offset + first, offset + last


def sentence_at(body, start, end):
    """The sentence of ``body`` that holds characters ``start`` to ``end``, as plain text."""
    before = body.rfind("\n\n", 0, start)
    paragraph_start = 0 if before < 0 else before + 2
    paragraph_end = body.find("\n\n", end)
    paragraph_end = len(body) if paragraph_end < 0 else paragraph_end
    begin = paragraph_start
    for match in _SENTENCE_END.finditer(body, paragraph_start, paragraph_end):
        if match.end() > start:
            return _plain(body[begin : max(match.start(), end)])
        begin = match.end()
    return _plain(body[begin:paragraph_end])


def _plain(text):
    return " ".join(_MARKUP.sub("", text).split())


def refresh_mentions(*, article_ids=None, sections=None):
    """
    Find the unlinked mentions again in the passages of ``article_ids``, or
    in the ``sections`` queryset, or in every passage, and store them in
    place of the old. A fixed number of queries, whatever the number of
    passages, but for the batches in which they are written.
    """
    if sections is None:
        sections = Section.objects.all()
    if article_ids is not None:
        sections = sections.filter(article_id__in=list(article_ids))
    index = mention_index()
    section_ids = sections.values("pk")
    skip = {}
    for section_id, tag_id in TaggedSection.objects.filter(
        content_object__in=section_ids
    ).values_list("content_object_id", "tag_id"):
        skip.setdefault(section_id, set()).add((TOPIC, tag_id))
    for section_id, target_id in CrossReference.objects.filter(
        source_section__in=section_ids, target__isnull=False
    ).values_list("source_section_id", "target_id"):
        skip.setdefault(section_id, set()).add((TITLE, target_id))
    found = []
    rows = sections.values_list("pk", "article_id", "body").order_by("pk")
    for section_id, article_id, body in rows.iterator(chunk_size=BATCH_SIZE):
        own = skip.get(section_id, set()) | {(TITLE, article_id)}
        for (kind, pk), start, end in find_mentions(body, index, skip=own):
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
        UnlinkedMention.objects.filter(section__in=section_ids).delete()
        UnlinkedMention.objects.bulk_create(found, batch_size=BATCH_SIZE)
    return len(found)


def passages_that_may_name(names):
    """
    The passages whose text may hold one of ``names``: a cheap filter in the
    database (every word of the name, by its first letters, as written or
    with its accents folded) before the matcher reads them.
    """
    condition = Q()
    for name in names:
        found = words(name)
        if not found.plain:
            continue
        every_word = Q()
        for start, end in found.spans:
            written = name[start:end]
            every_word &= Q(body__icontains=written[:PREFIX]) | Q(
                body__icontains=fold(written)[:PREFIX]
            )
        condition |= every_word
    return Section.objects.filter(condition) if condition else Section.objects.none()


def mentions_changed(*, article_ids=(), names=()):
    """
    Find the mentions again once the transaction commits (at once outside
    one): in the passages of ``article_ids``, and in every passage that may
    name one of ``names`` (a title or topic that appeared or changed).
    """
    if not hasattr(_pending, "article_ids"):
        _pending.article_ids, _pending.names = set(), set()
    _pending.article_ids.update(article_ids)
    _pending.names.update(names)
    transaction.on_commit(_flush)


# Changes asked for in the current transaction, looked at once it commits.
_pending = threading.local()


@contextmanager
def gathered():
    """
    Look at the changes committed inside the block once, at its end: an
    import of many batches reads the passages once, not once a batch.
    """
    outer = getattr(_pending, "held", False)
    _pending.held = True
    try:
        yield
    finally:
        _pending.held = outer
        if not outer:
            _flush()


def _flush():
    # The first callback of a commit looks at every change asked for so far;
    # the rest find nothing left. (A rolled-back transaction's changes are
    # looked at by the next commit: needless work, never a missed change.)
    if getattr(_pending, "held", False):
        return
    article_ids = getattr(_pending, "article_ids", set())
    names = getattr(_pending, "names", set())
    if not (article_ids or names):
        return
    _pending.article_ids, _pending.names = set(), set()
    if len(names) > MAX_NAMES_TO_FILTER:
        # Past a few names, the filter costs more than reading every passage.
        refresh_mentions()
        return
    if article_ids:
        refresh_mentions(article_ids=article_ids)
    if names:
        others = passages_that_may_name(names).exclude(article_id__in=article_ids)
        refresh_mentions(sections=others)


@receiver(post_save, sender=Article, dispatch_uid="mentions_article_saved")
def _article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        mentions_changed(article_ids=[instance.pk], names=[instance.title])


@receiver(post_save, sender=Section, dispatch_uid="mentions_section_saved")
def _section_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        mentions_changed(article_ids=[instance.article_id])


@receiver(post_save, sender=Tag, dispatch_uid="mentions_topic_saved")
def _topic_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        mentions_changed(names=[instance.name])


@receiver(m2m_changed, sender=TaggedSection, dispatch_uid="mentions_section_tagged")
def _section_tagged(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Section):
        mentions_changed(article_ids=[instance.article_id])
    elif pk_set:
        article_ids = Section.objects.filter(pk__in=pk_set).values_list("article_id", flat=True)
        mentions_changed(article_ids=set(article_ids))


class MentionError(ValueError):
    """A mention that cannot be linked or tagged any more; the message says why."""


def _current(mention, kind):
    section = Section.objects.select_related("article").get(pk=mention.section_id)
    if mention.kind != kind:
        raise MentionError("This mention is not of that kind.")
    if section.body[mention.start : mention.end] != mention.text:
        raise MentionError("The passage has changed since the mention was found.")
    return section


def _recorded(*, user, comment, section, change):
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        change()
        reversion.add_to_revision(section.article)


@transaction.atomic
def link_mention(*, mention, user):
    """
    Put a cross-reference to the named article where the passage names it,
    as one revision by ``user``. The mention goes with the save that follows.
    """
    section = _current(mention, TITLE)
    title = mention.article.title
    body = section.body
    section.body = f"{body[: mention.start]}[[{title}]]{body[mention.end :]}"
    _recorded(
        user=user,
        comment=f"Linked “{mention.text}” to “{title}” (unlinked mentions).",
        section=section,
        change=section.save,
    )
    UnlinkedMention.objects.filter(pk=mention.pk).delete()
    return section


@transaction.atomic
def tag_mention(*, mention, user):
    """Put the named topic on the passage, as one revision by ``user``."""
    section = _current(mention, TOPIC)
    tag = mention.tag
    _recorded(
        user=user,
        comment=f"Tagged “{section.heading}” with “{tag.name}” (unlinked mentions).",
        section=section,
        change=lambda: section.tags.add(tag),
    )
    UnlinkedMention.objects.filter(pk=mention.pk).delete()
    return section
