"""
Topic tagging from the vocabulary in vocabulary.json: pure functions from an
outline to tag names. The importer decides which of them to keep.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .outline import ItemList, Paragraph

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.json")
# A topic named in a heading counts this many times a mention in the body.
HEADING_WEIGHT = 2
# Mentions a section needs before it is tagged with a topic.
SECTION_THRESHOLD = 1
# Enough to follow a passage's main topics without burying them.
MAX_SECTION_TAGS = 6
MAX_ARTICLE_TAGS = 12


@dataclass(frozen=True)
class Topic:
    name: str
    pattern: re.Pattern

    def count(self, text):
        return len(self.pattern.findall(text))


def _topic(name, phrases):
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return Topic(name, re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE))


@lru_cache(maxsize=4)
def load_vocabulary(path=VOCABULARY_PATH):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(_topic(entry["name"], entry["phrases"]) for entry in data["topics"])


def _text(blocks):
    parts = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, ItemList):
            parts.extend(block.items)
    return "\n".join(parts)


def section_topics(section, vocabulary):
    """Topic names a section treats: named in its heading, or mentioned repeatedly."""
    body = _text(section.blocks)
    scored = []
    for order, topic in enumerate(vocabulary):
        score = HEADING_WEIGHT * topic.count(section.heading) + topic.count(body)
        if score >= SECTION_THRESHOLD:
            scored.append((-score, order, topic.name))
    return [name for _, _, name in sorted(scored)[:MAX_SECTION_TAGS]]


def suggest_tags(outline, vocabulary=None):
    """
    (article tag names, [section tag names per section]) for an outline. An
    article carries the topics its passages treat, the most treated first.
    """
    vocabulary = vocabulary or load_vocabulary()
    per_section = [section_topics(section, vocabulary) for section in outline.sections]
    counts = {}
    for names in per_section:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    opening = f"{outline.title}\n{_text(outline.lead)}"
    for topic in vocabulary:
        if topic.count(opening):
            counts[topic.name] = counts.get(topic.name, 0) + 1
    article_tags = sorted(
        counts, key=lambda name: (-counts[name], name)
    )[:MAX_ARTICLE_TAGS]
    return article_tags, per_section
