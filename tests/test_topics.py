"""
Topics on passages, measured against hand-labelled passages
(tests/data/topic_labels.json): how many passages carry a fitting topic, and
how many of the topics put on passages are off-topic. These two articles
were labelled after the detector had been run on them; the measure on
articles labelled beforehand is in test_topic_detection.py.
"""

import json
from pathlib import Path

from articles.sources.parser import decode_source, parse_source
from articles.sources.tagging import load_vocabulary, suggest_tags, suggest_topics

DATA = Path(__file__).resolve().parent / "data"
LABELS = json.loads((DATA / "topic_labels.json").read_text(encoding="utf-8"))
UNSEEN = ["unseen_article.txt", "unseen_article_2.txt"]


def outline(path):
    return parse_source(decode_source(path.read_bytes(), path.name), path.name)


def figures(folder, labels):
    """
    (passages with a fitting topic, passages, off-topic topics, topics put on
    passages) over the articles of ``folder`` that ``labels`` names.
    """
    fitting = passages = off = put = 0
    for name in labels.keys() - {"about"}:
        source = outline(folder / name)
        _, per_section = suggest_tags(source)
        for section, topics in zip(source.sections, per_section, strict=True):
            labelled = set(labels[name][section.heading])
            passages += 1
            fitting += bool(labelled & set(topics))
            put += len(topics)
            off += len(set(topics) - labelled)
    return fitting, passages, off, put


def test_most_passages_carry_a_fitting_topic_and_few_topics_are_off():
    labels = {name: LABELS[name] for name in UNSEEN}
    fitting, passages, off, put = figures(DATA, labels)
    assert passages == sum(len(LABELS[n]) for n in UNSEEN)
    assert fitting / passages >= 0.8, (fitting, passages)
    assert off / put <= 1 / 7, (off, put)


def test_the_unseen_articles_are_not_in_the_vocabulary():
    phrases = {phrase for phrase, _name, _forms in load_vocabulary().phrases}
    for name in UNSEEN:
        source = outline(DATA / name)
        assert source.title.casefold() not in phrases
        assert not {s.heading.casefold() for s in source.sections} & phrases


def test_a_topic_that_brushes_a_passage_is_not_put_on_it():
    text = (
        "Liaison officers posted abroad explain plans to the staff of a partner and learn how "
        "its headquarters reads an order. Liaison officers also carry messages between "
        "commanders who have never met, and they report what they see. A liaison officer "
        "who knows the partner's staff well can settle in a phone call what letters would "
        "take weeks to settle, and the best of them stay in touch long after the posting "
        "has ended. Their reports travel home every week, read by desk officers who may "
        "never visit the country but must brief ministers on its intentions, its budget "
        "and the mood of its officer corps. Once, years ago, one of them had taken part in a joint exercise."
    )
    assert suggest_topics(text) == ["Defence attachés"]


def test_suggested_topics_read_the_heading_and_discount_the_article_s_subject():
    text = "G7 ministers agreed to widen G7 training. G7 staff colleges will train officers."
    assert (
        suggest_topics(text, heading="Staff colleges", title="The G7")[0] == "Training programmes"
    )
    assert "Cybersecurity" in suggest_topics("Nothing here.", heading="Cyber defence")
