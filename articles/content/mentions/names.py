"""
The names a passage may mention (every published title and alias, every
topic) and the matcher's index of them, built once per process and kept
while ``NAMES_VERSION`` and the content version stay the same.
"""

import threading
from dataclasses import dataclass
from functools import lru_cache

from django.utils import timezone
from taggit.models import Tag

from ...caching import versions
from ...models import Article, PendingMentionName, UnlinkedMention
from ...models.articles import alias_lines
from ...sources.stemming import EXACT, add_form, phrase_forms
from ..reference_syntax import REFERENCE_PATTERN

TITLE, TOPIC = UnlinkedMention.Kind.TITLE, UnlinkedMention.Kind.TOPIC
NAMES_VERSION = "version:mention-names"


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
