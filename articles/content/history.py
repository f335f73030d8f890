"""
An article's history as an editor reads it. A saved revision
(django-reversion) is read back into the same ``ArticleContent`` snapshot
(``content/text.py``) as the article saved now or an editor's form, and two
snapshots are compared field by field: title, lead, tags, then each section
matched with its counterpart by anchor (then heading), never by line, with
the words that changed marked. The state (draft or published) and the
publication date are compared beside them. The admin's compare page and
its edit-conflict page both show these comparisons, side by side.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from taggit.models import Tag

from ..models import Article, Section, TaggedArticle, TaggedSection
from .text import ArticleContent, SectionContent

# A word, a run of spacing, or one other character: what a change is made of.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    """A run of text on one side of a comparison: ``same``, ``removed`` or ``added``."""

    kind: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One field on both sides, as runs of words: the old side's and the new side's."""

    label: str
    old: tuple[Piece, ...]
    new: tuple[Piece, ...]

    @property
    def old_text(self):
        return "".join(piece.text for piece in self.old)

    @property
    def new_text(self):
        return "".join(piece.text for piece in self.new)

    @property
    def removed(self):
        return [piece.text for piece in self.old if piece.kind == "removed"]

    @property
    def added(self):
        return [piece.text for piece in self.new if piece.kind == "added"]


@dataclass(frozen=True)
class SectionChange:
    """
    A section as the comparison found it: ``same``, ``changed``, ``added`` or
    ``removed``; ``moved`` when its place among the others changed. Positions
    count from one, in each version's order.
    """

    heading: str
    state: str
    old_position: int | None = None
    new_position: int | None = None
    moved: bool = False
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """Two versions of an article, field by field and section by section."""

    fields: tuple[FieldChange, ...] = ()
    sections: tuple[SectionChange, ...] = ()
    state_fields: tuple[FieldChange, ...] = ()

    @property
    def text_changed(self):
        return bool(self.fields) or any(s.state != "same" or s.moved for s in self.sections)

    @property
    def changed(self):
        return self.text_changed or bool(self.state_fields)

    def reading_blocks(self):
        """
        The sections for a page: each changed, added, removed or moved one
        by itself, and runs of unchanged ones together, as
        ("section", SectionChange) or ("unchanged", [SectionChange, ...]).
        """
        blocks = []
        for section in self.sections:
            if section.state == "same" and not section.moved:
                if blocks and blocks[-1][0] == "unchanged":
                    blocks[-1][1].append(section)
                else:
                    blocks.append(("unchanged", [section]))
            else:
                blocks.append(("section", section))
        return blocks

    def changes(self):
        """Every change as (place, field label, FieldChange), in reading order."""
        found = [("Article", change.label, change) for change in self.state_fields + self.fields]
        for section in self.sections:
            found += [(section.heading, change.label, change) for change in section.fields]
        return found


# -- Words -------------------------------------------------------------------------------


def _merged(pieces):
    merged = []
    for piece in pieces:
        if piece.text and merged and merged[-1].kind == piece.kind:
            merged[-1] = Piece(piece.kind, merged[-1].text + piece.text)
        elif piece.text:
            merged.append(piece)
    return tuple(merged)


def word_diff(old, new):
    """(old side, new side) of two texts, as Pieces: the words removed and added marked."""
    old, new = (old or "").replace("\r\n", "\n"), (new or "").replace("\r\n", "\n")
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    old_side, new_side = [], []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        # Spacing alone between two changes belongs to them: "Radar stations"
        # reads as one change, not two words with a space kept between.
        between_changes = 0 < index < len(opcodes) - 1 and not "".join(a[i1:i2]).strip()
        if op == "equal" and not between_changes:
            old_side.append(Piece("same", "".join(a[i1:i2])))
            new_side.append(Piece("same", "".join(b[j1:j2])))
        else:
            old_side.append(Piece("removed", "".join(a[i1:i2])))
            new_side.append(Piece("added", "".join(b[j1:j2])))
    return _merged(old_side), _merged(new_side)


def field_change(label, old, new):
    """The FieldChange between two values, or None when they are equal."""
    old, new = str(old if old is not None else ""), str(new if new is not None else "")
    if old.replace("\r\n", "\n") == new.replace("\r\n", "\n"):
        return None
    return FieldChange(label, *word_diff(old, new))


def _list_change(label, old, new):
    """Two lists of names: the names only on one side are the ones marked."""
    old, new = list(old), list(new)
    if old == new:
        return None
    old_side = [Piece("same" if name in new else "removed", name) for name in old]
    new_side = [Piece("same" if name in old else "added", name) for name in new]
    return FieldChange(label, _with_commas(old_side), _with_commas(new_side))


def _with_commas(pieces):
    joined = []
    for index, piece in enumerate(pieces):
        if index:
            joined.append(Piece("same", ", "))
        joined.append(piece)
    return tuple(joined)


# -- Sections ----------------------------------------------------------------------------


def _level_name(level):
    return "Subsection" if str(level) == str(Section.Level.SUBSECTION) else "Section"


def _section_fields(old, new):
    changes = [
        field_change("Heading", old.heading, new.heading),
        field_change("Level", _level_name(old.level), _level_name(new.level)),
        field_change("Anchor", old.anchor, new.anchor) if old.anchor and new.anchor else None,
        _list_change("Tags", old.tags, new.tags),
        field_change("Text", old.body, new.body),
    ]
    return tuple(change for change in changes if change is not None)


def _whole(label, text, kind):
    if not text:
        return None
    piece = (Piece(kind, text),)
    return FieldChange(label, piece if kind == "removed" else (), piece if kind == "added" else ())


def _one_sided(section, kind):
    parts = [
        _whole("Heading", section.heading, kind),
        _whole("Tags", ", ".join(section.tags), kind),
        _whole("Text", (section.body or "").replace("\r\n", "\n"), kind),
    ]
    return tuple(part for part in parts if part is not None)


def _heading_key(heading):
    return " ".join((heading or "").split()).casefold()


def match_sections(old, new):
    """
    {new index: old index} for the sections that are one section in both
    versions: the same anchor (which outlives a change of heading), else the
    same heading.
    """
    matches, taken = {}, set()
    for key in (lambda s: s.anchor or None, lambda s: _heading_key(s.heading) or None):
        by_key = {}
        for index, section in enumerate(old):
            if index not in taken and key(section) is not None:
                by_key.setdefault(key(section), index)
        for index, section in enumerate(new):
            found = by_key.get(key(section)) if key(section) is not None else None
            if index not in matches and found is not None and found not in taken:
                matches[index] = found
                taken.add(found)
    return matches


def _kept_in_order(old_indices):
    """The longest run of ``old_indices`` (in new order) that kept its order: the rest moved."""
    best = [[index] for index in old_indices]
    for i, index in enumerate(old_indices):
        for j in range(i):
            if old_indices[j] < index and len(best[j]) + 1 > len(best[i]):
                best[i] = best[j] + [index]
    return set(max(best, key=len)) if best else set()


def compare_sections(old, new):
    """The SectionChanges from ``old`` to ``new`` (lists of SectionContent), in reading order."""
    old, new = list(old), list(new)
    matches = match_sections(old, new)
    kept = _kept_in_order([matches[i] for i in sorted(matches)])
    removed_after = {}  # new index after which an old section that went is shown
    last_new_for_old = {old_index: new_index for new_index, old_index in matches.items()}
    for old_index in range(len(old)):
        if old_index in last_new_for_old:
            continue
        earlier = [last_new_for_old[i] for i in range(old_index) if i in last_new_for_old]
        removed_after.setdefault(max(earlier) if earlier else -1, []).append(old_index)

    def removed(after):
        return [
            SectionChange(
                old[i].heading, "removed", old_position=i + 1, fields=_one_sided(old[i], "removed")
            )
            for i in removed_after.get(after, [])
        ]

    changes = removed(-1)
    for new_index, section in enumerate(new):
        old_index = matches.get(new_index)
        if old_index is None:
            changes.append(
                SectionChange(
                    section.heading,
                    "added",
                    new_position=new_index + 1,
                    fields=_one_sided(section, "added"),
                )
            )
        else:
            fields = _section_fields(old[old_index], section)
            changes.append(
                SectionChange(
                    section.heading,
                    "changed" if fields else "same",
                    old_position=old_index + 1,
                    new_position=new_index + 1,
                    moved=old_index not in kept,
                    fields=fields,
                )
            )
        changes += removed(new_index)
    return tuple(changes)


# -- Articles ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleState:
    """Where a version stands: its status and publication date, as stored."""

    status: str
    published_at: object = None

    def describe(self):
        if self.status != Article.Status.PUBLISHED:
            return "Draft"
        return "Published"

    def date_text(self):
        if not self.published_at:
            return ""
        return date_format(timezone.localtime(self.published_at), "j F Y, H:i")


def compare(old, new, *, old_state=None, new_state=None):
    """The Comparison from one ArticleContent (and ArticleState) to another."""
    fields = [
        field_change("Title", old.title, new.title),
        field_change("Lead", old.summary, new.summary),
        _list_change("Tags", old.tags, new.tags),
    ]
    state_fields = []
    if old_state is not None and new_state is not None:
        state_fields = [
            field_change("Status", old_state.describe(), new_state.describe()),
            field_change("Publication date", old_state.date_text(), new_state.date_text()),
        ]
    return Comparison(
        fields=tuple(change for change in fields if change is not None),
        sections=compare_sections(old.sections, new.sections),
        state_fields=tuple(change for change in state_fields if change is not None),
    )


def revision_state(version):
    """The ArticleState a Version of an Article holds."""
    data = version.field_dict
    published_at = data.get("published_at")
    if isinstance(published_at, str):
        published_at = parse_datetime(published_at)
    return ArticleState(status=data.get("status", ""), published_at=published_at)


def revision_content(version):
    """
    The article as the revision holding ``version`` (a Version of an Article)
    saved it. Tags deleted since are named "(deleted tag N)". Two queries.
    """
    article_id = str(version.object_id)
    sections, section_tag_ids, article_tag_ids = {}, {}, []
    for other in version.revision.version_set.all():
        model, fields = other._model, other.field_dict
        # Foreign keys are stored under their column names (article_id, tag_id).
        if model is Section and str(fields["article_id"]) == article_id:
            sections[str(other.object_id)] = fields
        elif model is TaggedArticle and str(fields["content_object_id"]) == article_id:
            # One revision may hold several articles (an action on a selection).
            article_tag_ids.append(fields["tag_id"])
        elif model is TaggedSection:
            section_id = str(fields["content_object_id"])
            section_tag_ids.setdefault(section_id, []).append(fields["tag_id"])
    wanted_ids = set(article_tag_ids) | {i for ids in section_tag_ids.values() for i in ids}
    names = dict(Tag.objects.filter(pk__in=wanted_ids).values_list("pk", "name"))

    def tag_names(ids):
        return [names.get(i, f"(deleted tag {i})") for i in ids]

    ordered = sorted(sections.items(), key=lambda item: (item[1]["position"], int(item[0])))
    data = version.field_dict
    return ArticleContent(
        title=data.get("title", ""),
        summary=data.get("summary", ""),
        tags=tag_names(article_tag_ids),
        sections=[
            SectionContent(
                level=fields["level"],
                heading=fields["heading"],
                anchor=fields.get("anchor") or "",
                body=fields.get("body") or "",
                tags=tag_names(section_tag_ids.get(section_id, [])),
                position=fields["position"],
            )
            for section_id, fields in ordered
        ],
    )
