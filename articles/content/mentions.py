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
"""

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import reversion
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from taggit.models import Tag

from .. import search
from ..caching import versions
from ..models import (
    Article,
    CrossReference,
    PendingMentionName,
    Section,
    TaggedSection,
    UnlinkedMention,
)
from ..models.articles import alias_lines
from ..sources.stemming import (
    EXACT,
    FUNCTION_WORDS,
    add_form,
    find_phrases,
    fold,
    phrase_forms,
    words,
)
from .reference_syntax import REFERENCE_PATTERN

TITLE, TOPIC = UnlinkedMention.Kind.TITLE, UnlinkedMention.Kind.TOPIC
BATCH_SIZE = 1000
# Past this many names changed at once (an import), reading every passage
# costs less than looking each name up.
MAX_NAMES_TO_FILTER = 40
# Passages read again for queued names on an editor's request, at most: a
# name the search index finds in more waits for the command.
INLINE_BUDGET = 300
NAMES_VERSION = "version:mention-names"

# What a mention is never looked for in: the text of links and references
# (linking there would nest links), code, addresses and HTML (``_NOT_INLINE``),
# heading lines and the markers that open list items (``_NOT_LINES``, read
# with a newline put before the body). Two patterns whose every branch starts
# with a known character, so that the engine skips to the next one at once.
_NOT_INLINE = re.compile(
    r"""
    <a\b[^>]*>.*?</a>
    | <[^>\n]*>
    | \[\[[^\]\n]*\]\]
    | \[[^\]\n]*\]\([^)\n]*\)
    | !\[[^\]\n]*\]\([^)\n]*\)
    | `[^`\n]*`
    | h(?<![^\W_]h)ttps?://\S+
    """,
    re.X | re.S | re.I,
)
_NOT_LINES = re.compile(
    r"""
    \n(?:[ ]{0,3}\#{1,6}(?:[ \t][^\n]*)?(?=\n|$)
    | [ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,9}[.)])(?=[ \t\n]|$))
    """,
    re.X,
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_MARKUP = re.compile(r"\[\[|\]\]|\*\*|__|[*`]")
_WORD = re.compile(r"[^\W_]+")


def title_phrase(title):
    """A title or alias as the matcher finds it: every word as written."""
    return " ".join(EXACT + word for word in title.split())


def linkable(title):
    """Whether ``[[title]]`` would be a cross-reference to it (reference_syntax)."""
    return REFERENCE_PATTERN.fullmatch(f"[[{title}]]") is not None


def article_names(title, aliases):
    """The names a passage may call an article by: its title, then its aliases."""
    if not aliases:
        return (title,) if linkable(title) else ()
    return tuple(dict.fromkeys(name for name in [title, *alias_lines(aliases)] if linkable(name)))


# --- The index of names -------------------------------------------------------------


@dataclass(frozen=True)
class NameIndex:
    """What passages are searched for: ``names`` by label, and the matcher's tree of them."""

    version: str | None
    names: dict
    tree: dict
    # When the next scheduled article goes public (a timestamp): the index is stale then.
    valid_until: float | None


_local = threading.local()
_built = {"index": None}


def _names_version():
    found = versions.current([versions.CONTENT, NAMES_VERSION])
    return None if found is None else f"{found[versions.CONTENT]}:{found[NAMES_VERSION]}"


def name_index():
    """
    The index of names, built again only when a name changed (in any process)
    or a scheduled article went public since it was built (whose names are
    then queued). One cache read; three queries when it is built.
    """
    version = _names_version()
    index = _built["index"]
    now = timezone.now().timestamp()
    if (
        index is not None
        and version is not None
        and index.version == version
        and (index.valid_until is None or now < index.valid_until)
    ):
        return index
    previous = index
    index = _build_index(version)
    if version is not None:
        _built["index"] = index
    if previous is not None and previous.version == version:
        # Outdated by the clock: the articles that went public on schedule
        # are named nowhere yet, so their names wait for the next drain.
        appeared = {
            name
            for label, names in index.names.items()
            if label not in previous.names
            for name in names
        }
        PendingMentionName.objects.bulk_create(
            [PendingMentionName(name=name[:255]) for name in appeared], ignore_conflicts=True
        )
    return index


def _build_index(version):
    names = {}
    for pk, title, aliases in Article.objects.published().values_list("pk", "title", "aliases"):
        if found := article_names(title, aliases):
            names[(TITLE, pk)] = found
    for pk, name in Tag.objects.values_list("pk", "name"):
        names[(TOPIC, pk)] = (name,)
    upcoming = (
        Article.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    tree = {}
    for label, found in names.items():
        for name in found:
            for form in _forms(label[0], name):
                add_form(tree, form, label)
    return NameIndex(
        version=version,
        names=names,
        tree=tree,
        valid_until=None if upcoming is None else upcoming.timestamp(),
    )


@lru_cache(maxsize=200_000)
def _forms(kind, name):
    # What makes building the index cost: kept per process, so that a
    # rebuild after one title changed reads the other titles' forms here.
    return tuple(phrase_forms(title_phrase(name) if kind == TITLE else name))


def forget_index():
    """Drop this process's index (other processes see the version move)."""
    _built["index"] = None


def mention_index():
    """The matcher's tree of every name (find_mentions)."""
    return name_index().tree


# --- Finding ------------------------------------------------------------------------


def not_text(body):
    """The (start, end) stretches of a body no mention is looked for in, merged, in order."""
    found = [match.span() for match in _NOT_INLINE.finditer(body)]
    # Offsets in "\n" + body: a match starts on the newline before its line.
    found += [(match.start(), match.end() - 1) for match in _NOT_LINES.finditer("\n" + body)]
    merged = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def text_segments(body):
    """(offset, text) of each stretch of a body a mention may stand in."""
    start = 0
    for skipped_from, skipped_to in not_text(body):
        yield from _paragraphs(body, start, skipped_from)
        start = skipped_to
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


# --- When content changes -------------------------------------------------------------


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
def gathered():
    """
    Look at the changes committed inside the block once, at its end, and
    every queued name then, whatever it costs: an import of many batches
    reads the passages once, not once a batch.
    """
    outer = getattr(_pending, "held", False)
    _pending.held = True
    try:
        yield
    finally:
        _pending.held = outer
        if not outer:
            _flush(unlimited=True)


def _flush(*, unlimited=False):
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
            refresh_mentions()
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
        drain_pending(budget=None if unlimited else INLINE_BUDGET)


def drain_pending(*, budget=None):
    """
    Look for the queued names in the passages that may hold them, oldest
    first, reading at most ``budget`` passages (None: no limit); a name that
    would take more stays queued. Returns how many names are left.
    """
    queued = list(PendingMentionName.objects.order_by("queued_at", "id"))
    if not queued:
        return 0
    if budget is None and len(queued) > MAX_NAMES_TO_FILTER:
        with transaction.atomic():
            refresh_mentions()
            PendingMentionName.objects.filter(pk__in=[row.pk for row in queued]).delete()
        return 0
    chosen, passages = [], set()
    for row in queued:
        limit = None if budget is None else budget - len(passages)
        found = passages_that_may_name([row.name], limit=limit)
        if found is None and budget is None:  # no search index to ask: every passage
            with transaction.atomic():
                refresh_mentions()
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


# --- Signals ------------------------------------------------------------------------

_STORED = "_names_before_save"


@receiver(pre_save, sender=Article, dispatch_uid="mentions_article_saving")
def _article_saving(sender, instance, raw=False, **kwargs):
    stored = None
    if instance.pk is not None:
        stored = (
            Article.objects.filter(pk=instance.pk)
            .values_list("title", "aliases", "status", "published_at")
            .first()
        )
    setattr(instance, _STORED, stored)


def _public(status, published_at):
    return (
        status == Article.Status.PUBLISHED
        and published_at is not None
        and published_at <= timezone.now()
    )


@receiver(post_save, sender=Article, dispatch_uid="mentions_article_saved")
def _article_saved(sender, instance, raw=False, **kwargs):
    stored = getattr(instance, _STORED, None)
    names = article_names(instance.title, instance.aliases) if instance.is_public else ()
    before = ()
    if stored is not None:
        title, aliases, status, published_at = stored
        before = article_names(title, aliases) if _public(status, published_at) else ()
    if names == before:
        return
    if set(before) - set(names):
        # A name gone: what was found under it goes now, and every name is looked for again.
        names_gone([(TITLE, instance.pk)])
        mentions_changed(names=names)
    else:
        mentions_changed(names=set(names) - set(before))


@receiver(post_delete, sender=Article, dispatch_uid="mentions_article_deleted")
@receiver(post_delete, sender=Tag, dispatch_uid="mentions_topic_deleted")
def _name_deleted(sender, instance, **kwargs):
    forget_index()
    versions.bump_after_commit([NAMES_VERSION])


@receiver(post_save, sender=Section, dispatch_uid="mentions_section_saved")
def _section_saved(sender, instance, raw=False, **kwargs):
    sections_changed([instance.pk])


@receiver(pre_save, sender=Tag, dispatch_uid="mentions_topic_saving")
def _topic_saving(sender, instance, raw=False, **kwargs):
    stored = None
    if instance.pk is not None:
        stored = Tag.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    setattr(instance, _STORED, stored)


@receiver(post_save, sender=Tag, dispatch_uid="mentions_topic_saved")
def _topic_saved(sender, instance, raw=False, **kwargs):
    stored = getattr(instance, _STORED, None)
    if stored == instance.name:
        return
    if stored is not None:
        names_gone([(TOPIC, instance.pk)])
    mentions_changed(names=[instance.name])


@receiver(m2m_changed, sender=TaggedSection, dispatch_uid="mentions_section_tagged")
def _section_tagged(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Section):
        sections_changed([instance.pk])
    elif pk_set:
        sections_changed(pk_set)


# --- Linking and tagging --------------------------------------------------------------


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
