"""
Topic tagging from the vocabulary in vocabulary.json: pure functions from an
outline (or a passage's text) to tag names. The importer decides which of
them to keep. Every topic name is checked by the one rule for tag names when
the vocabulary is read, so no import can make a tag that a page could not
link to. Phrases are found by their words' stems (stemming.py), so a
vocabulary lists a topic's phrases once, not each of their inflections.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError

from ..content.tags import clean_tag_name
from .outline import ItemList, Paragraph, SourceError
from .stemming import add_form, find_phrases, phrase_forms, words

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.json")
# A topic named in a heading counts this many times a mention in the body.
HEADING_WEIGHT = 3
# The share of a passage's words that must speak of a topic (a heading's
# mentions weighted as above) before the passage is tagged with it: a topic
# whose words merely brush a long passage is not what the passage treats.
MIN_SHARE = 0.006
# A topic treated far less than the passage's main one is left to that one:
# named once, it must pass a third of the main topic; named again, a quarter
# (a passage that weighs several means names each of them more than once).
MIN_SHARE_OF_MAIN = 1 / 3
MIN_SHARE_OF_MAIN_REPEATED = 1 / 4
# Enough to follow a passage's main topics without burying them.
MAX_SECTION_TAGS = 5
MAX_ARTICLE_TAGS = 12


@dataclass(frozen=True)
class Treatment:
    """How much of a text speaks of each topic: {name: (mentions, words)}, of ``size`` words."""

    topics: dict
    size: int


@dataclass(frozen=True)
class Vocabulary:
    """Topic names in their listed order, and each phrase with the forms it is found by."""

    names: tuple[str, ...]
    phrases: tuple[tuple[str, str, tuple], ...]  # (phrase, topic name, forms)
    # The forms as a tree of keys (stemming.index_forms): found in one reading of a text.
    _index: dict = field(init=False, repr=False, compare=False)
    order: dict = field(init=False, repr=False, compare=False)  # topic name → its place

    def __post_init__(self):
        index = {}
        for _phrase, name, forms in self.phrases:
            for form in forms:
                add_form(index, form, name)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "order", {name: n for n, name in enumerate(self.names)})

    def treatment(self, text):
        """The topics a text speaks of (each phrase found as stemming.find_phrases reads it)."""
        found = words(text)
        topics = {}
        for names, start, end in find_phrases(found, self._index):
            for name in names:
                mentions, covered = topics.get(name, (0, 0))
                topics[name] = (mentions + 1, covered + end - start)
        return Treatment(topics=topics, size=len(found.stems))

    def count(self, text):
        """Mentions of each topic in a text: {topic name: count}."""
        return {name: mentions for name, (mentions, _) in self.treatment(text).topics.items()}


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
    return Vocabulary(
        names=tuple(names),
        phrases=tuple(
            (phrase, topic_of_phrase[phrase], tuple(phrase_forms(phrase)))
            for phrase in sorted(topic_of_phrase)
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
        if not phrase_forms(phrase):
            raise SourceError(
                filename, line, f"topic {number} (“{name}”): “{phrase}” has no words to find"
            )
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


def passage_topics(heading, text, vocabulary=None, *, subject=()):
    """
    The topic names a passage treats, the most treated first: those its
    heading names, and those that fill enough of its words (MIN_SHARE), as
    long as they are not dwarfed by its main topic (MIN_SHARE_OF_MAIN, and
    MIN_SHARE_OF_MAIN_REPEATED for a topic named more than once).
    ``subject``: the topics the article's title names, which run through
    every passage; they do not count as a passage's main topic, or an
    article on the G7 would leave its passages no other.
    """
    vocabulary = vocabulary or load_vocabulary()
    in_heading = vocabulary.treatment(heading).topics
    body = vocabulary.treatment(text)
    size = max(body.size, 1)
    scores = {}
    for name in in_heading.keys() | body.topics.keys():
        # Mentions, not the words they take: a long phrase names a topic once.
        mentions = (
            HEADING_WEIGHT * in_heading.get(name, (0, 0))[0] + body.topics.get(name, (0, 0))[0]
        )
        scores[name] = mentions / size
    main = max((score for name, score in scores.items() if name not in subject), default=0)
    kept = [
        (-score, vocabulary.order[name], name)
        for name, score in scores.items()
        if name in in_heading
        or (score >= MIN_SHARE and score > _share_of_main(body.topics.get(name)) * main)
    ]
    return [name for _, _, name in sorted(kept)[:MAX_SECTION_TAGS]]


def _share_of_main(found):
    """The share of the main topic's score that a topic found in the body as ``found`` must pass."""
    mentions = found[0] if found else 0
    return MIN_SHARE_OF_MAIN_REPEATED if mentions > 1 else MIN_SHARE_OF_MAIN


def suggest_topics(text, heading="", title="", vocabulary=None):
    """
    The topics an editor is offered for a passage (its Markdown body, its
    heading and its article's title): what an import would tag it with,
    before the "two passages" rule.
    """
    vocabulary = vocabulary or load_vocabulary()
    subject = vocabulary.treatment(title).topics.keys()
    return passage_topics(heading, text, vocabulary, subject=subject)


def section_topics(section, vocabulary, subject=()):
    """Topic names an outline's section treats (see ``passage_topics``)."""
    return passage_topics(section.heading, _text(section.blocks), vocabulary, subject=subject)


def suggest_tags(outline, vocabulary=None):
    """
    (article tag names, [section tag names per section]) for an outline. An
    article carries the topics its passages treat, the most treated first,
    and those its title and lead treat.
    """
    vocabulary = vocabulary or load_vocabulary()
    subject = vocabulary.treatment(outline.title).topics.keys()
    per_section = [section_topics(section, vocabulary, subject) for section in outline.sections]
    counts = {}
    for names in per_section:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    for name in passage_topics(outline.title, _text(outline.lead), vocabulary):
        counts[name] = counts.get(name, 0) + 1
    article_tags = sorted(counts, key=lambda name: (-counts[name], name))[:MAX_ARTICLE_TAGS]
    return article_tags, per_section
