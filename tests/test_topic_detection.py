"""
Topics detected on articles the vocabulary was never fitted to: two articles
written for this test (tests/data/unseen/), labelled by hand before the
detector was first run on them (labels.json). Most passages must carry a
fitting topic, and few of the topics put on them may be off-topic.
"""

import json
from pathlib import Path

import pytest

from articles.sources.tagging import load_vocabulary, suggest_topics

from .test_topics import figures, outline

UNSEEN = Path(__file__).resolve().parent / "data" / "unseen"
LABELS = json.loads((UNSEEN / "labels.json").read_text(encoding="utf-8"))
ARTICLES = [name for name in LABELS if name != "about"]


def test_the_labels_name_every_passage_and_only_vocabulary_topics():
    names = set(load_vocabulary().names)
    for name in ARTICLES:
        assert [s.heading for s in outline(UNSEEN / name).sections] == list(LABELS[name])
        for topics in LABELS[name].values():
            assert set(topics) <= names


def test_eight_in_ten_passages_carry_a_fitting_topic_and_at_most_one_in_seven_is_off():
    fitting, passages, off, put = figures(UNSEEN, LABELS)
    assert passages == sum(len(LABELS[name]) for name in ARTICLES)
    assert fitting / passages >= 0.8, (fitting, passages)
    assert off / put <= 1 / 7, (off, put)


def test_the_unseen_articles_wording_is_not_in_the_vocabulary():
    phrases = {phrase for phrase, _name, _forms in load_vocabulary().phrases}
    for name in ARTICLES:
        source = outline(UNSEEN / name)
        assert source.title.casefold() not in phrases
        assert not {s.heading.casefold() for s in source.sections} & phrases


@pytest.mark.parametrize(
    "text, not_topic",
    [
        ("Emerging threats call for new thinking about emerging powers.", "Crisis management"),
        (
            "Traditional security thinking still shapes traditional alliances.",
            "Cultural understanding",
        ),
        ("According to the ministry, conventional forces grew according to plan.", "Treaties"),
        ("The runway was jammed with cargo and the port was jammed with ships.", "Hybrid warfare"),
        ("An open door and open channels keep talks open.", "Transparency and accountability"),
    ],
)
def test_a_word_that_only_shares_a_stem_with_a_phrase_does_not_find_it(text, not_topic):
    assert not_topic not in suggest_topics(text)


def test_general_variants_find_their_topic():
    assert suggest_topics("Allied armies held winter manoeuvres and live-fire drills.") == [
        "Joint exercises"
    ]
    assert "Human rights" in suggest_topics(
        "Medics are protected by the Geneva Conventions and the laws of war."
    )
