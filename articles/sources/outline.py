"""The plain outline a source text parses to: no database, no Django."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class ItemList:
    ordered: bool
    items: tuple[str, ...]


@dataclass(frozen=True)
class SeeAlso:
    title: str
    line: int


Block = Paragraph | ItemList | SeeAlso


@dataclass
class OutlineSection:
    heading: str
    level: int
    line: int
    blocks: list[Block] = field(default_factory=list)

    @property
    def see_also(self):
        return [block.title for block in self.blocks if isinstance(block, SeeAlso)]


@dataclass
class Outline:
    title: str
    lead: list[Block]
    sections: list[OutlineSection]

    @property
    def intro_paragraphs(self):
        return sum(1 for block in self.lead if isinstance(block, Paragraph))

    def see_also(self):
        """(title, heading of the section it stands in) for every See also line."""
        found = [(title, None) for title in _see_also_titles(self.lead)]
        for section in self.sections:
            found.extend((title, section.heading) for title in section.see_also)
        return found


def _see_also_titles(blocks):
    return [block.title for block in blocks if isinstance(block, SeeAlso)]


class SourceError(ValueError):
    """A source text that cannot be imported: says which file, which line, and why."""

    def __init__(self, filename, line, reason):
        self.filename = filename
        self.line = line
        self.reason = reason
        super().__init__(f"{filename}:{line}: {reason}" if line else f"{filename}: {reason}")
