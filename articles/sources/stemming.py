"""
Words as the topic detector compares them: casefolded, accents folded,
stemmed by the Snowball English stemmer, function words set aside, and each
hyphenated compound read both as its parts and as one word, so that
"peace-keeping" and "peacekeeping", "trained" and "training", "attachés" and
"attaches" meet. Pure functions; each process (the import's workers too)
builds its own stemmer on first use.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

# Words a phrase may hold or skip without changing what it names: "sharing of
# intelligence" is found in "sharing intelligence" and the other way round.
FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into its of on or the their to with".split()
)
# A phrase's word that starts with this is matched as written (folded, not
# stemmed): "=attaches" is the plural of attaché, not a form of "attach".
EXACT = "="
_WORD = re.compile(r"[^\W_]+")
_HYPHENS = frozenset("-‐‑")
_APOSTROPHES = frozenset("'’")


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")


def fold(text):
    """Casefolded, with accents and ligatures folded and curly apostrophes made straight."""
    text = text.casefold().replace("’", "'")
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Words:
    """
    A text's content words in order: ``plain`` as written (folded),
    ``stems`` and ``spans`` (where each stands in the text, as character
    offsets); ``joined`` maps the position where a hyphenated compound
    starts to (its plain form written as one word, its stem, the position
    after it).
    """

    plain: tuple
    stems: tuple
    joined: dict
    spans: tuple = ()

    def span(self, start, end):
        """The characters of the text that the words from ``start`` to ``end`` take."""
        return self.spans[start][0], self.spans[end - 1][1]


def words(text):
    """The Words of a text."""
    # Each word is folded as it is read, so that it keeps its place in the text as written.
    tokens, spans, linked = [], [], []  # linked[i]: token i joins the one before it by a hyphen
    previous_end = None
    for match in _WORD.finditer(text):
        word = match.group()
        word = word.lower() if word.isascii() else fold(word)  # the same, much faster
        gap = text[previous_end : match.start()] if previous_end is not None else None
        if gap in _APOSTROPHES and word == "s":  # a possessive: "canada's" is "canada"
            previous_end = match.end()
            continue
        tokens.append(word)
        spans.append(match.span())
        linked.append(gap is not None and len(gap) == 1 and gap in _HYPHENS)
        previous_end = match.end()
    content = [i for i, word in enumerate(tokens) if word not in FUNCTION_WORDS]
    position = {token: n for n, token in enumerate(content)}
    plain = tuple(tokens[i] for i in content)
    stems = tuple(_stemmer().stemWords(plain))
    joined = {}
    start = 0
    while start < len(tokens):
        end = start + 1
        while end < len(tokens) and linked[end]:
            end += 1
        if end - start > 1 and start in position:
            whole = "".join(tokens[start:end])
            after = next(
                (position[i] for i in range(end, len(tokens)) if i in position), len(plain)
            )
            joined[position[start]] = (whole, _stemmer().stemWord(whole), after)
        start = end
    return Words(plain=plain, stems=stems, joined=joined, spans=tuple(spans[i] for i in content))


def phrase_forms(phrase):
    """
    The ways a phrase is found, each a tuple of keys (a stem, or EXACT and a
    folded word): its words, and where it has hyphens, its compounds written
    as one word too.
    """
    exact = set()
    parts = []
    for raw in phrase.split():
        if raw.startswith(EXACT):
            raw = raw[len(EXACT) :]
            exact.add(len(parts))
        parts.append(raw)
    split_form, joined_form = [], []
    for n, raw in enumerate(parts):
        found = words(raw)
        keys = [_key(w, s, n in exact) for w, s in zip(found.plain, found.stems, strict=True)]
        split_form += keys
        if found.joined.get(0, (None, None, 0))[2] == len(found.plain) and len(found.plain) > 1:
            whole, stem, _ = found.joined[0]
            joined_form.append(_key(whole, stem, n in exact))
        else:
            joined_form += keys
    forms = {tuple(split_form), tuple(joined_form)}
    return sorted(form for form in forms if form)


def _key(plain, stem, exact):
    return EXACT + plain if exact else stem


def keys_at(found, position):
    """(key, position after it) for each way the text's word at ``position`` can be read."""
    yield found.stems[position], position + 1
    yield EXACT + found.plain[position], position + 1
    if position in found.joined:
        whole, stem, after = found.joined[position]
        yield stem, after
        yield EXACT + whole, after


# Where a node of an index holds the labels of the phrases that end there
# (no key is empty: a key is a stem, or EXACT and a word).
_ENDS_HERE = ""


def index_forms(phrases):
    """
    The index find_phrases looks in, for (phrase, label) pairs: a tree of
    keys, each phrase's forms a path from the root, so that looking for
    thousands of phrases costs about what looking for one does.
    """
    root = {}
    for phrase, label in phrases:
        for form in phrase_forms(phrase):
            add_form(root, form, label)
    return root


def add_form(index, form, label):
    """Add one form of a phrase (phrase_forms) to an index, under ``label``."""
    node = index
    for key in form:
        node = node.setdefault(key, {})
    node.setdefault(_ENDS_HERE, set()).add(label)


def find_phrases(found, index, ignore=frozenset()):
    """
    The phrases of ``index`` (index_forms) in the Words ``found``, as
    (labels, start, end) in word positions. Read left to right, the longest
    phrase found at a word wins and the next is looked for after it, so that
    "joint training exercises" is an exercise, not also a training. Labels
    in ``ignore`` are not looked for.
    """
    position, size = 0, len(found.stems)
    stems, plain, joined = found.stems, found.plain, found.joined
    while position < size:
        if (
            stems[position] not in index
            and EXACT + plain[position] not in index
            and position not in joined
        ):
            # Most words start no phrase: skip them before reading them every way.
            position += 1
            continue
        best_end, best = position, set()
        paths = [(index, position)]
        while paths:
            node, at = paths.pop()
            labels = node.get(_ENDS_HERE)
            if labels and at >= best_end and (labels := labels - ignore):
                if at > best_end:
                    best_end, best = at, set()
                best |= labels
            if at < size:
                for key, after in keys_at(found, at):
                    if (child := node.get(key)) is not None:
                        paths.append((child, after))
        if not best:
            position += 1
            continue
        yield best, position, best_end
        position = best_end
