"""
A synthetic corpus of source texts, in the format the importer reads
(/work/shared/sources/README.md): a title line, lead paragraphs, headings —
some of them subsections announced by their section's lead-in, as the parser
expects (see articles.sources.parser.infer_levels) — numbered and bullet
lists, and ``See also  <title>`` lines naming other articles of the corpus
(so cross-references resolve) or, now and then, titles that do not exist.

Topic phrases from articles/sources/vocabulary.json are sprinkled with a
Zipf-like distribution, so the importer's tags come out as a real site's do: a
few topics everywhere, a long tail of rare ones.

Deterministic: article ``i`` of a corpus depends only on the seed, ``i`` and
the list of titles, so the same arguments always write the same files.
"""

import json
import random
import re
from pathlib import Path

from articles.sources.parser import terms

from . import Bar, note

VOCABULARY_PATH = Path(__file__).resolve().parents[1] / "articles" / "sources" / "vocabulary.json"
ZIPF_EXPONENT = 1.1
SEE_ALSO_RATE = 0.25  # share of sections that end with a See also line
MISSING_REFERENCE_RATE = 0.15  # share of See also lines that name no article
SUBSECTION_RATE = 0.3  # share of sections that frame a run of subsections

THEMES = [
    "Military Diplomacy",
    "Defence Cooperation",
    "Naval Diplomacy",
    "Security Partnerships",
    "Defence Engagement",
    "Military Cooperation",
    "Strategic Dialogue",
    "Defence Diplomacy",
    "Military Partnerships",
    "Security Cooperation",
    "Army Diplomacy",
    "Maritime Engagement",
]
# France, Canada and the United States are topics of the vocabulary: they come in
# through the Zipf draw like every other topic, not through titles.
PLACES = [
    "Chile",
    "Peru",
    "Argentina",
    "Brazil",
    "Colombia",
    "Mexico",
    "Uruguay",
    "Ecuador",
    "Norway",
    "Sweden",
    "Finland",
    "Denmark",
    "Estonia",
    "Latvia",
    "Lithuania",
    "Poland",
    "Germany",
    "Italy",
    "Spain",
    "Portugal",
    "Greece",
    "Romania",
    "Bulgaria",
    "Hungary",
    "Austria",
    "Ireland",
    "Iceland",
    "Morocco",
    "Tunisia",
    "Egypt",
    "Jordan",
    "Oman",
    "Kenya",
    "Ghana",
    "Senegal",
    "Nigeria",
    "Ethiopia",
    "Rwanda",
    "Tanzania",
    "Botswana",
    "India",
    "Japan",
    "Indonesia",
    "Vietnam",
    "Thailand",
    "Malaysia",
    "Singapore",
    "the Philippines",
    "Australia",
    "New Zealand",
    "Fiji",
    "Mongolia",
    "Kazakhstan",
    "Georgia",
    "Armenia",
    "Cyprus",
    "Malta",
    "Slovenia",
    "Croatia",
    "Albania",
]
# Titles no article has, for See also lines that stay unresolved.
MISSING_PLACES = ["Atlantis", "Ruritania", "Freedonia", "Syldavia", "Borduria", "Genovia"]

ASPECTS = [
    "The Purpose of",
    "Challenges in",
    "Future Prospects for",
    "Historical Context of",
    "Impact of",
    "Benefits of",
    "Lessons from",
    "Foundations of",
    "Priorities in",
    "Institutions of",
    "Limits of",
    "Funding",
    "Evaluating",
    "Public Debate on",
    "Leadership in",
    "Principles of",
    "Evolution of",
    "Risks in",
    "Milestones in",
    "Outlook for",
    "Instruments of",
    "Practice of",
    "Costs of",
    "Legacy of",
]
# Narrow subjects, read as subsections when their section's lead-in names them.
SUBJECTS = [
    "Peacekeeping missions",
    "Training programs for partner nations",
    "Joint exercises at sea",
    "Intelligence sharing arrangements",
    "Port visits and exchanges",
    "Officer exchange schemes",
    "Arms control verification",
    "Disaster relief coordination",
    "Maritime patrol agreements",
    "Border dialogue",
    "Procurement programmes",
    "Medical support",
    "Staff college exchanges",
    "Cyber defence units",
    "Counter-piracy operations",
    "Mine clearance",
    "Veterans and remembrance",
    "Logistics and basing",
    "Air policing",
    "Search and rescue",
    "Language training",
    "Humanitarian corridors",
    "Coastguard cooperation",
    "Liaison officers",
    "Satellite technology programmes",
    "Crisis management cells",
    "Human rights training",
    "Energy security planning",
    "Bilateral agreements on access",
    "Cultural exchange visits",
    "Counter-terrorism units",
    "Research and development projects",
    "Hybrid threats response",
]

SUBJECT_NOUNS = [
    "the ministries",
    "the armed forces",
    "senior officers",
    "planners",
    "the navies",
    "the general staffs",
    "partner governments",
    "the defence ministries",
    "envoys",
    "the embassies",
    "military academies",
    "regional commands",
    "the attaché networks",
]
VERBS = [
    "have strengthened",
    "continue to shape",
    "gradually widened",
    "carefully reviewed",
    "have formalised",
    "regularly revisit",
    "quietly expanded",
    "have coordinated",
    "jointly assessed",
    "steadily deepened",
    "openly discussed",
    "have supported",
]
OBJECTS = [
    "the framework of consultation",
    "their common procedures",
    "the exchange of staff",
    "a shared calendar of visits",
    "the terms of access",
    "the rules of engagement",
    "long-term planning",
    "the joint command structure",
    "a network of contacts",
    "the annual programme",
    "mutual confidence",
    "the working groups",
    "common standards",
]
TAILS = [
    "over the past decade",
    "despite budget constraints",
    "after a period of tension",
    "within existing agreements",
    "at several levels of command",
    "with measured results",
    "in response to new risks",
    "under successive governments",
    "on a reciprocal basis",
    "through regular meetings",
    "with clear reporting lines",
    "in practical terms",
]
TOPIC_FRAMES = [
    "Much of this work depends on {phrase}, which {subject} treat as a priority.",
    "Observers point to {phrase} as the area where progress has been most visible.",
    "In recent years {phrase} has moved to the centre of the agenda {tail}.",
    "Agreements on {phrase} give {subject} a concrete basis for cooperation.",
    "Debates about {phrase} show how {subject} balance ambition and caution.",
]
DISPLAY = {"nato": "NATO", "g7": "G7", "u.s.": "U.S.", "pesco": "PESCO", "article 5": "Article 5"}
# Topics that are names: their phrases are written capitalised.
PROPER_TOPICS = {
    "NATO",
    "European Union",
    "United Nations",
    "G7",
    "Francophonie",
    "France",
    "Canada",
    "United States",
}


def load_topics(path=VOCABULARY_PATH):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    # A phrase's "=" (a word matched as written) is the detector's mark, not prose.
    return [
        (entry["name"], [phrase.replace("=", "") for phrase in entry["phrases"]])
        for entry in data["topics"]
    ]


def make_titles(count, seed):
    """``count`` distinct article titles, in a seeded order."""
    rng = random.Random(f"titles:{seed}")
    titles = [f"{theme} in {place} Relations" for theme in THEMES for place in PLACES]
    titles += [
        f"{theme} between {a} and {b}"
        for theme in THEMES
        for i, a in enumerate(PLACES)
        for b in PLACES[i + 1 :]
    ]
    rng.shuffle(titles)
    if count > len(titles):
        titles += [f"{t}, Volume {n}" for n in range(2, 2 + count // len(titles)) for t in titles]
    return titles[:count]


def file_name(index, title):
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    return f"{index:05d}_{slug}.txt"


class ArticleWriter:
    """Writes one article's source text."""

    def __init__(self, *, index, titles, topics, sections, seed):
        self.rng = random.Random(f"article:{seed}:{index}")
        self.index = index
        self.title = titles[index]
        self.titles = titles
        self.topics = topics
        self.sections = sections
        ranks = list(range(len(topics)))
        random.Random(f"ranks:{seed}").shuffle(ranks)
        # The same topics are common across the whole corpus: rank order is per seed.
        self.weights = [0.0] * len(topics)
        for rank, topic_index in enumerate(ranks, start=1):
            self.weights[topic_index] = 1 / rank**ZIPF_EXPONENT
        self.title_terms = set(terms(self.title))
        self.theme = next(t for t in THEMES if self.title.startswith(t))

    # --- prose ---

    def phrase(self):
        name, phrases = self.rng.choices(self.topics, weights=self.weights)[0]
        text = self.rng.choice(phrases)
        if text in DISPLAY:
            return DISPLAY[text]
        return text.title() if name in PROPER_TOPICS else text

    def sentence(self):
        rng = self.rng
        words = f"{rng.choice(SUBJECT_NOUNS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        words = f"{words} {rng.choice(TAILS)}"
        return words[0].upper() + words[1:] + "."

    def topic_sentence(self, phrase):
        text = self.rng.choice(TOPIC_FRAMES).format(
            phrase=phrase, subject=self.rng.choice(SUBJECT_NOUNS), tail=self.rng.choice(TAILS)
        )
        return text[0].upper() + text[1:]

    def paragraph(self, phrases=()):
        sentences = [self.sentence() for _ in range(self.rng.randint(3, 4))]
        for phrase in phrases:
            sentences.insert(self.rng.randrange(len(sentences) + 1), self.topic_sentence(phrase))
        return " ".join(sentences)

    def body(self, paragraphs, topics):
        """Paragraphs with the section's topics mentioned among them."""
        mentions = [[] for _ in range(paragraphs)]
        for phrase in topics:
            for _ in range(self.rng.randint(1, 2)):
                mentions[self.rng.randrange(paragraphs)].append(phrase)
        return [self.paragraph(m) for m in mentions]

    def item_list(self, items, ordered):
        spaced = self.rng.random() < 0.5
        lines = []
        for n, item in enumerate(items, start=1):
            lines.append(f"  {n}. {item}" if ordered else f"  • {item}")
            if spaced:
                lines.append("")
        return "\n".join(lines).rstrip("\n")

    def section_topics(self):
        return [self.phrase() for _ in range(self.rng.choice((1, 1, 2, 2, 3)))]

    def see_also(self):
        if self.rng.random() < MISSING_REFERENCE_RATE:
            target = f"{self.rng.choice(THEMES)} in {self.rng.choice(MISSING_PLACES)} Relations"
        else:
            target = self.titles[self.rng.randrange(len(self.titles))]
            if target == self.title:
                target = self.titles[(self.index + 1) % len(self.titles)]
        return f"See also  {target}"

    # --- structure ---

    def section_heading(self, aspects):
        if not aspects:
            # More sections than aspects: number the second round, under the full title.
            self.round = getattr(self, "round", 1) + 1
            aspects.extend(self.rng.sample(ASPECTS, len(ASPECTS)))
        aspect = aspects.pop()
        if getattr(self, "round", 1) > 1:
            return f"{aspect} {self.title} {self.round}"
        core = self.title if self.rng.random() < 0.5 else self.theme
        return f"{aspect} {core}"

    def subjects(self, count, used):
        # A subsection heading shares no word with the title, so it reads as narrower.
        pool = [s for s in SUBJECTS if s not in used and not set(terms(s)) & self.title_terms]
        chosen = self.rng.sample(pool, min(count, len(pool)))
        used.update(chosen)
        return chosen

    def text(self):
        rng = self.rng
        blocks = [self.title, ""]
        blocks += [p + "\n" for p in self.body(rng.randint(1, 2), [self.phrase()])]
        aspects = rng.sample(ASPECTS, len(ASPECTS))
        used_subjects = set()
        written = 0
        self.levels = []
        while written < self.sections:
            remaining = self.sections - written
            run = rng.choice((2, 3)) if remaining >= 4 and rng.random() < SUBSECTION_RATE else 0
            subjects = self.subjects(run, used_subjects) if run else []
            run = len(subjects) if len(subjects) >= 2 else 0
            blocks += [self.section_heading(aspects), ""]
            if run:
                blocks.append(self.paragraph()[:-1] + ", in several areas of work:\n")
                items = [f"{s}: {self.sentence()}" for s in subjects]
                blocks.append(self.item_list(items, ordered=rng.random() < 0.6) + "\n")
                blocks.append(self.paragraph() + "\n")
                for subject in subjects:
                    blocks += [subject, ""]
                    topics = self.section_topics()
                    blocks += [p + "\n" for p in self.body(rng.randint(2, 3), topics)]
                    if rng.random() < SEE_ALSO_RATE:
                        blocks += [self.see_also(), ""]
                written += 1 + run
                self.levels += [2] + [3] * run
                continue
            topics = self.section_topics()
            paragraphs = self.body(rng.randint(2, 3), topics)
            if rng.random() < 0.35:
                items = [self.sentence() for _ in range(rng.randint(3, 5))]
                ordered = rng.random() < 0.5
                paragraphs.insert(1, self.item_list(items, ordered))
            blocks += [p + "\n" for p in paragraphs]
            if rng.random() < SEE_ALSO_RATE:
                blocks += [self.see_also(), ""]
            written += 1
            self.levels.append(2)
        blocks.append("Scroll to Top")
        return "\n".join(blocks) + "\n"


def generate(directory, *, articles, sections, seed=1, show_progress=True):
    """
    Write the corpus into ``directory`` (reused when already complete for the
    same arguments). Returns (list of file paths, total bytes).
    """
    directory = Path(directory)
    stamp = directory / ".complete"
    wanted = json.dumps({"articles": articles, "sections": sections, "seed": seed, "version": 1})
    if stamp.exists() and stamp.read_text() == wanted:
        files = sorted(directory.glob("*.txt"))
        if show_progress:
            note(f"corpus: reusing {len(files)} files in {directory}")
        return files, sum(f.stat().st_size for f in files)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.txt"):
        old.unlink()
    stamp.unlink(missing_ok=True)
    topics = load_topics()
    titles = make_titles(articles, seed)
    bar = Bar("generating corpus", articles, enabled=show_progress)
    files, total = [], 0
    for index in range(articles):
        writer = ArticleWriter(
            index=index, titles=titles, topics=topics, sections=sections, seed=seed
        )
        data = writer.text().encode("utf-8")
        path = directory / file_name(index, titles[index])
        path.write_bytes(data)
        files.append(path)
        total += len(data)
        bar.update(index + 1)
    bar.close()
    stamp.write_text(wanted)
    return files, total
