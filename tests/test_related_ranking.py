"""
The ranking of related passages (reading.related.rank_related) against a
plain reading of its rule, on made-up candidates: the shared rankings of
``Candidates`` give what ranking each section on its own gives, including
a section whose own article holds more of the top candidates than a shared
ranking keeps.
"""

import random
from collections import Counter, namedtuple

import pytest

from articles.reading.related import Candidates, rank_related

Row = namedtuple(
    "Row",
    "tag_id passage article_id public shared_tags heading anchor article_title article_slug",
)


def candidate_rows(taggings):
    """Rows as candidates_of gives them, for (tag, passage, article, public), in reading order."""
    return [
        Row(tag, passage, article, public, 0, f"h{passage}", f"a{passage}", f"t{article}", "s")
        for tag, passage, article, public in taggings
    ]


def by_the_rule(rows, article_id, tags, public):
    """Every candidate of another article carrying a tag, most shared first, then reading order."""
    order = {}
    for row in rows:
        order.setdefault(row.passage, (len(order), row))
    shared = Counter(row.passage for row in rows if row.tag_id in tags)
    ranked = sorted(
        (p for p in shared if order[p][1].article_id != article_id),
        key=lambda p: (-shared[p], order[p][0]),
    )
    chosen, seen = [], 0
    for passage in ranked:
        chosen.append((passage, shared[passage]))
        seen += order[passage][1].public
        if seen == public:
            break
    return chosen


def passages(rows):
    return [(row.passage, row.shared_tags) for row in rows]


@pytest.mark.parametrize("seed", range(20))
def test_shared_rankings_rank_as_the_rule_does(seed):
    rng = random.Random(seed)
    taggings = []
    for passage in range(300):
        article = passage // rng.choice([3, 10, 60])
        public = rng.random() > 0.2
        for tag in rng.sample(range(8), rng.randint(1, 4)):
            taggings.append((tag, passage, article, public))
    rng.shuffle(taggings)
    rows = candidate_rows(taggings)
    tags_of = {
        1000 + n: (rng.randrange(10), sorted(rng.sample(range(8), rng.randint(1, 3))))
        for n in range(200)
    }
    ranked = rank_related(tags_of, public=3, candidates=Candidates(rows))
    for section_id, (article_id, tags) in tags_of.items():
        expected = by_the_rule(rows, article_id, set(tags), 3)
        assert passages(ranked.get(section_id, [])) == expected


def test_a_section_passing_over_more_than_a_kept_ranking_ranks_in_full():
    # One article holds the first KEPT + 5 candidates of the tag; another's follow.
    crowded = Candidates.KEPT + 5
    taggings = [(1, passage, 7, True) for passage in range(crowded)]
    taggings += [(1, crowded + n, 8, True) for n in range(4)]
    candidates = Candidates(candidate_rows(taggings))
    # A section of another article ranks first and keeps the shared ranking's head...
    assert [row.passage for row in candidates.ranked(99, [1], public=3)] == [0, 1, 2]
    # ...and one of article 7 finds the other article's passages past it.
    assert [row.passage for row in candidates.ranked(7, [1], public=3)] == [
        crowded,
        crowded + 1,
        crowded + 2,
    ]


def test_scheduled_passages_above_the_public_ones_are_kept():
    taggings = [(1, 0, 1, False), (1, 1, 2, True), (1, 2, 3, False), (1, 3, 4, True)]
    ranked = Candidates(candidate_rows(taggings)).ranked(9, [1], public=2)
    assert [(row.passage, row.public) for row in ranked] == [
        (0, False),
        (1, True),
        (2, False),
        (3, True),
    ]
