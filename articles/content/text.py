"""
The article as text: one snapshot of an article's editable content (title,
lead, tags, sections with their tags), and the forms it is read in.

- ``digest()`` notices an editor's changes: the importer stores it as
  ``imported_content_digest`` when it writes an article and compares it on the
  next import. Stored digests must keep matching, so its input is fixed.
- ``as_text()`` is what the admin's history and conflict views diff.
- The backup export reads sections and tags from it as data.

A snapshot can be read from the database (``from_article``, ``for_articles``)
or built from other content (an import's outline, a saved revision, a
submitted form) by passing the fields; tags are names, sections come in the
order given (the database's is position, then id).
"""

import hashlib
from dataclasses import dataclass

from ..models import Section, TaggedArticle, TaggedSection

__all__ = ["ArticleContent", "SectionContent"]

# Separators in the digest's input: record and unit separators cannot occur in
# a title or tag name, so two different contents never join to the same text.
_RECORD, _UNIT = "\x1e", "\x1f"


@dataclass(frozen=True)
class SectionContent:
    """One section's editable fields; ``tags`` are tag names, kept sorted."""

    level: int
    heading: str
    anchor: str
    body: str
    tags: tuple[str, ...] = ()
    position: int = 0

    def __post_init__(self):
        object.__setattr__(self, "tags", tuple(sorted(self.tags)))


@dataclass(frozen=True)
class ArticleContent:
    """An article's editable content; ``tags`` are tag names, kept sorted."""

    title: str
    summary: str
    tags: tuple[str, ...] = ()
    sections: tuple[SectionContent, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "tags", tuple(sorted(self.tags)))
        object.__setattr__(self, "sections", tuple(self.sections))

    @classmethod
    def from_article(cls, article):
        """A saved article's content, in three queries."""
        return cls.for_articles([article])[article.pk]

    @classmethod
    def for_articles(cls, articles):
        """
        {article id: content} for saved articles, in three queries however
        many there are (the caller bounds how many ids one query may carry).
        """
        articles = list(articles)
        ids = [article.pk for article in articles]
        article_tags, section_tags, sections = {}, {}, {}
        for article_id, name in TaggedArticle.objects.filter(content_object__in=ids).values_list(
            "content_object_id", "tag__name"
        ):
            article_tags.setdefault(article_id, []).append(name)
        for section_id, name in TaggedSection.objects.filter(
            content_object__article__in=ids
        ).values_list("content_object_id", "tag__name"):
            section_tags.setdefault(section_id, []).append(name)
        rows = (
            Section.objects.filter(article__in=ids)
            .order_by("article", "position", "id")
            .values_list("pk", "article_id", "position", "level", "heading", "anchor", "body")
        )
        for pk, article_id, position, level, heading, anchor, body in rows:
            sections.setdefault(article_id, []).append(
                SectionContent(
                    level=level,
                    heading=heading,
                    anchor=anchor,
                    body=body,
                    tags=section_tags.get(pk, ()),
                    position=position,
                )
            )
        return {
            article.pk: cls(
                title=article.title,
                summary=article.summary,
                tags=article_tags.get(article.pk, ()),
                sections=sections.get(article.pk, ()),
            )
            for article in articles
        }

    def digest(self):
        """SHA-256 (hex) of the content; positions count only through the order."""
        parts = [self.title, _RECORD, self.summary, _RECORD]
        for section in self.sections:
            parts += (str(section.level), _UNIT, section.heading, _UNIT, section.anchor, _UNIT)
            parts += (section.body, _UNIT, ",".join(section.tags), _RECORD)
        parts.append(",".join(self.tags))
        return hashlib.sha256("".join(parts).encode()).hexdigest()

    def as_text(self):
        """The content as lines of text for a diff: a header, the lead, then each section."""
        lines = [f"Title: {self.title}", f"Tags: {', '.join(self.tags)}", "", self.summary or ""]
        lines.append("")
        for section in self.sections:
            # A form's level is a string; a saved one an integer.
            mark = "###" if str(section.level) == str(Section.Level.SUBSECTION) else "##"
            lines.append(f"{mark} {section.heading}  {{#{section.anchor or ''}}}")
            if section.tags:
                lines.append(f"Tags: {', '.join(section.tags)}")
            lines.append("")
            lines.extend((section.body or "").replace("\r\n", "\n").split("\n"))
            lines.append("")
        return "\n".join(lines).replace("\r\n", "\n")
