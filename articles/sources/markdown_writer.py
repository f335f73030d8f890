"""
Outline blocks → the Markdown stored in Article.summary and Section.body
(which ``render_markdown`` then renders, as on an editor's save).
"""

import re

from .outline import ItemList, Paragraph, SeeAlso

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}>|])")
# "<" can't be backslash-escaped in Markdown (the backslash would show), nor
# "&": where they could start a tag, an autolink or an entity, they are
# written as entities, which render as the characters themselves.
_TAG_OR_ENTITY_START = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)")
_ENTITIES = {"<": "&lt;", "&": "&amp;"}
_LINE_START_SPECIAL = re.compile(r"^(\s*)([#>+\-]|\d+[.)])(\s)")


def escape_markdown(text):
    """Plain text → Markdown that renders as the same text."""
    text = _TAG_OR_ENTITY_START.sub(lambda m: _ENTITIES[m.group()], text)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _LINE_START_SPECIAL.sub(
        lambda m: f"{m.group(1)}{_escape_marker(m.group(2))}{m.group(3)}", text
    )


def _escape_marker(marker):
    return marker[:-1] + "\\" + marker[-1] if marker[-1] in ".)" else "\\" + marker


def blocks_to_markdown(blocks):
    parts = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(escape_markdown(block.text))
        elif isinstance(block, ItemList):
            if block.ordered:
                lines = [f"{n}. {escape_markdown(item)}" for n, item in enumerate(block.items, 1)]
            else:
                lines = [f"- {escape_markdown(item)}" for item in block.items]
            parts.append("\n".join(lines))
        elif isinstance(block, SeeAlso):
            parts.append(f"See also: [[{_see_also_title(block)}]]")
    return "\n\n".join(parts)


def _see_also_title(block):
    return block.title.replace("[", "(").replace("]", ")").replace("#", "")
