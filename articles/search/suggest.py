"""
"Did you mean …": for a search that finds nothing, or very little, a
correction drawn from the index's own vocabulary (``TERMS``, kept by every
write of the index), never from a scan of the indexed text.

Each of the query's first words, if long enough to be misspelt, is compared
with the vocabulary words its backend finds near it (SQLite: same first
letter, similar length; PostgreSQL: most trigrams in common), by edit
distance (letters added, dropped, changed or swapped). The nearest are then
counted in the published entries, each up to a bound, in one statement, with
the word as typed: a word is corrected only towards one found far more often.
The vocabulary holds drafts' words and words since edited away, so nothing
is suggested that the published entries do not hold, and a correction of
several words is offered only if the corrected query finds more.

A search without a suggestion costs nothing here; one with runs two or three
statements, whatever the size of the corpus.
"""

from .text import fold, replace_words, requirements, words

# Fewer matches than this and a correction is looked for.
SUGGEST_BELOW = 3
# Words of a query that may be corrected, and the shortest that may.
MAX_WORDS = 4
MIN_LENGTH = 4
# Vocabulary words looked at per word: lengths within SPREAD (and as many as
# the backend allows: a bound on SQLite, the most alike on PostgreSQL).
SPREAD = 2
# Nearest vocabulary words counted per word, each up to COUNT_UP_TO matches.
PROBES = 3
COUNT_UP_TO = 30
# A known word is corrected only towards one found this many times as often.
BETTER_BY = 5


def suggestion(cursor, backend, cleaned, found):
    """A corrected query for ``cleaned`` (which found ``found`` matches) that finds more, or ""."""
    typed = correctable(cleaned)
    if not typed:
        return ""
    near = backend.similar_terms(cursor, typed, spread=SPREAD)
    nearest = {word: closest(word, near.get(word, ()))[:PROBES] for word in typed}
    probes = [
        (word, term)
        for word in typed
        if nearest[word]
        for term in (word, *(term for _distance, term in nearest[word]))
    ]
    if not probes:
        return ""
    queries = [backend.render(requirements(term)) for _word, term in probes]
    counts = dict(zip(probes, backend.counts(cursor, queries, up_to=COUNT_UP_TO), strict=True))
    replacements = {}
    for word in typed:
        own = counts.get((word, word), 0)
        # The nearest found, and of those the most often found.
        ranks = [(distance, -counts[word, term], term) for distance, term in nearest[word]]
        best = min((rank for rank in ranks if rank[1] < 0), default=None)
        if best is not None and -best[1] >= max(1, own * BETTER_BY):
            replacements[word] = best[2]
    if not replacements:
        return ""
    corrected = replace_words(cleaned, replacements)
    if len(words(cleaned)) > 1:
        # Each word is found; are they found together?
        query = backend.render(requirements(corrected))
        (total,) = backend.counts(cursor, [query], up_to=found + 1)
        if total <= found:
            return ""
    return corrected


def correctable(cleaned):
    """The query's distinct words (lower-cased) that may be misspelt: letters only, long enough."""
    typed = []
    for word in words(cleaned.lower()):
        if len(word) >= MIN_LENGTH and word.isalpha() and word not in typed:
            typed.append(word)
    return typed[:MAX_WORDS]


def closest(word, terms):
    """
    (distance, term) for the ``terms`` within the edit distance allowed for
    ``word``, nearest first (then by length difference, then alphabetically);
    ``word`` itself left out.
    """
    allowed = allowed_distance(word)
    folded = fold(word)
    pairs = _pairs(folded)
    # An edit changes at most three of a word's letter pairs: a term sharing
    # fewer of them is too far, and is passed over without the full comparison.
    shared = len(pairs) - 3 * allowed
    scored = []
    for term in terms:
        if term == word or abs(len(term) - len(word)) > allowed:
            continue
        other = term if term.isascii() else fold(term)
        if len(pairs.intersection(zip(other, other[1:], strict=False))) < shared:
            continue
        distance = edit_distance(folded, other, allowed)
        if distance is not None:
            scored.append((distance, abs(len(term) - len(word)), term))
    return [(distance, term) for distance, _length, term in sorted(scored)]


def _pairs(word):
    return set(zip(word, word[1:], strict=False))


def allowed_distance(word):
    """Edits allowed in a correction: one in a word of four letters, two in a longer one."""
    return 1 if len(word) <= MIN_LENGTH else 2


def edit_distance(first, second, bound):
    """
    The optimal-string-alignment distance between two words (insertions,
    deletions, substitutions and swaps of neighbours), or None when it is
    more than ``bound``: each row stops being computed once it exceeds it.
    """
    if abs(len(first) - len(second)) > bound:
        return None
    if first == second:
        return 0
    # Rows of the edit matrix: two back (for swaps), the last, the current.
    before, last = None, list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        row = [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            cost = a != b
            row[j] = min(last[j] + 1, row[j - 1] + 1, last[j - 1] + cost)
            if before is not None and j > 1 and a == second[j - 2] and first[i - 2] == b:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > bound:
            return None
        before, last = last, row
    return last[-1] if last[-1] <= bound else None
