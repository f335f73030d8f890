"""
Topic tagging from the vocabulary in vocabulary.json: pure functions from an
outline to tag names. The importer decides which of them to keep. Every
topic name is checked by the one rule for tag names when the vocabulary is
read, so no import can make a tag that a page could not link to.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError

from ..content.tags import clean_tag_name
from .outline import ItemList, Paragraph, SourceError

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.json")
# A topic named in a heading counts this many times a mention in the body.
HEADING_WEIGHT = 2
# Mentions a section needs before it is tagged with a topic.
SECTION_THRESHOLD = 1
# Enough to follow a passage's main topics without burying them.
MAX_SECTION_TAGS = 6
MAX_ARTICLE_TAGS = 12


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Vocabulary:
    """Topic names in their listed order, and a whole-word pattern for each phrase."""

    names: tuple[str, ...]
    phrases: tuple[tuple[str, str, re.Pattern], ...]  # (phrase, topic name, pattern)
    # The phrases (as indexes into ``phrases``) by their first word, and those
    # that start with no word character (always tried).
    _by_first_word: dict = field(init=False, repr=False, compare=False)
    _first_words: frozenset = field(init=False, repr=False, compare=False)
    _always: tuple = field(init=False, repr=False, compare=False)
    order: dict = field(init=False, repr=False, compare=False)  # topic name → its place

    def __post_init__(self):
        by_first_word, always = {}, []
        for index, (phrase, _name, _pattern) in enumerate(self.phrases):
            first = _WORD.match(phrase)
            if first:
                by_first_word.setdefault(first.group(), []).append(index)
            else:
                always.append(index)
        object.__setattr__(self, "_by_first_word", by_first_word)
        object.__setattr__(self, "_first_words", frozenset(by_first_word))
        object.__setattr__(self, "_always", tuple(always))
        object.__setattr__(self, "order", {name: n for n, name in enumerate(self.names)})

    def count(self, text):
        """Mentions of each topic in a text: {topic name: count}."""
        lowered = text.casefold()
        # A phrase can only match where the text has its first word as a whole
        # word (the pattern's boundaries see to that): most phrases are absent
        # from most texts, and the text's words rule them out at once.
        candidates = list(self._always)
        for word in self._first_words.intersection(_WORD.findall(lowered)):
            candidates += self._by_first_word[word]
        counts = {}
        for index in sorted(candidates):
            phrase, name, _pattern = self.phrases[index]
            if phrase in lowered and (found := _mentions(lowered, phrase)):
                counts[name] = counts.get(name, 0) + found
        return counts


_WORD_OR_HYPHEN = re.compile(r"[\w-]")


def _mentions(text, phrase):
    """
    How often ``phrase`` stands as a whole word in ``text``: what its pattern's
    ``findall`` counts (left to right, without overlaps), with str.find doing
    the scanning instead of the regex engine trying every position.
    """
    found, start, size = 0, 0, len(phrase)
    while (at := text.find(phrase, start)) != -1:
        end = at + size
        if (at == 0 or not _WORD_OR_HYPHEN.match(text, at - 1)) and not _WORD_OR_HYPHEN.match(
            text, end
        ):
            found += 1
            start = end
        else:
            start = at + 1
    return found


@lru_cache(maxsize=4)
def load_vocabulary(path=None):
    """
    The vocabulary in ``path`` (vocabulary.json by default). Each topic name
    becomes a tag, so it must be one (``clean_tag_name``): an entry that
    cannot is a SourceError naming the file, the line and the reason, before
    any article is tagged with it.
    """
    path = Path(path or VOCABULARY_PATH)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(path.name, error.lineno, f"not valid JSON: {error.msg}") from None
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, list):
        raise SourceError(path.name, 0, "needs a list of topics under “topics”")
    lines = [text.count("\n", 0, match.start()) + 1 for match in _NAME_KEY.finditer(text)]
    names, topic_of_phrase = [], {}
    for number, entry in enumerate(topics, start=1):
        line = lines[number - 1] if len(lines) == len(topics) else 0
        name, phrases = _topic(entry, number, path.name, line)
        if name in names:
            raise SourceError(path.name, line, f"topic {number}: “{name}” is listed twice")
        names.append(name)
        for phrase in phrases:
            topic_of_phrase.setdefault(phrase, name)
    # A phrase inside a longer one ("treaty" in "north atlantic treaty") counts for both
    # topics: each is really mentioned.
    ordered = sorted(topic_of_phrase)
    return Vocabulary(
        names=tuple(names),
        phrases=tuple(
            (
                phrase,
                topic_of_phrase[phrase],
                re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"),
            )
            for phrase in ordered
        ),
    )


# Where each topic's entry starts in the file (a "name" key; inside a JSON
# string its quotes would be escaped), for the line of an error.
_NAME_KEY = re.compile(r'"name"\s*:')


def _topic(entry, number, filename, line):
    """(tag name, casefolded phrases) of one vocabulary entry, or a SourceError."""
    if not isinstance(entry, dict) or not isinstance(entry.get("phrases"), list):
        raise SourceError(filename, line, f"topic {number} needs a “name” and a list of “phrases”")
    try:
        name = clean_tag_name(entry.get("name"))
    except ValidationError as error:
        raise SourceError(filename, line, f"topic {number}: {error.messages[0]}") from None
    phrases = []
    for phrase in entry["phrases"]:
        if not isinstance(phrase, str) or not phrase.strip():
            raise SourceError(filename, line, f"topic {number} (“{name}”): a phrase is empty")
        phrases.append(phrase.casefold())
    return name, phrases


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
    in_heading = vocabulary.count(section.heading)
    in_body = vocabulary.count(_text(section.blocks))
    scored = []
    for name in in_heading.keys() | in_body.keys():  # a topic not mentioned scores 0
        score = HEADING_WEIGHT * in_heading.get(name, 0) + in_body.get(name, 0)
        if score >= SECTION_THRESHOLD:
            scored.append((-score, vocabulary.order[name], name))
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
    for name in vocabulary.count(f"{outline.title}\n{_text(outline.lead)}"):
        counts[name] = counts.get(name, 0) + 1
    article_tags = sorted(counts, key=lambda name: (-counts[name], name))[:MAX_ARTICLE_TAGS]
    return article_tags, per_section
