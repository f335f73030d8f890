"""
The article page read in Chromium at 1280 px: between one passage's text and
the next, nothing drawn as a box, only each passage's one quiet line; and
every passage's related passages one click away on that line.
"""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from articles.reading import related, selectors

from .conftest import DESKTOP, FRANCOPHONIE

pytestmark = pytest.mark.browser

# For each pair of consecutive passages: the outermost visible elements lying
# between the first one's text and the second one's, other than the second
# one's heading; each with whether it (or anything visible in it) is drawn as
# a box, with a border or a background of its own.
BETWEEN_PASSAGES = """
() => {
  const drawnAsBox = (el) => {
    const style = getComputedStyle(el);
    const background = style.backgroundColor !== "rgba(0, 0, 0, 0)"
      || style.backgroundImage !== "none";
    const border = ["Top", "Right", "Bottom", "Left"].some((side) =>
      parseFloat(style[`border${side}Width`]) > 0 && style[`border${side}Style`] !== "none");
    return background || border;
  };
  const shown = (el) => el.checkVisibility() && el.getBoundingClientRect().height > 0;
  const texts = [...document.querySelectorAll(".article__body .prose")];
  const column = document.querySelector(".article__body").getBoundingClientRect();
  const gaps = [];
  for (let i = 0; i + 1 < texts.length; i++) {
    const top = texts[i].getBoundingClientRect().bottom;
    const bottom = texts[i + 1].getBoundingClientRect().top;
    const found = [];
    for (const el of document.querySelectorAll(".article__body *")) {
      const box = el.getBoundingClientRect();
      if (!shown(el) || box.top < top - 0.5 || box.bottom > bottom + 0.5) continue;
      if (box.left < column.left - 1 || box.right > column.right + 1) continue;
      if (found.some((outer) => outer.el.contains(el))) continue;
      found.push({el});
    }
    gaps.push(found
      .filter(({el}) => !/^H[1-6]$/.test(el.tagName))
      .map(({el}) => ({
        element: el.tagName.toLowerCase() + "." + el.classList[0],
        box: drawnAsBox(el) || [...el.querySelectorAll("*")].some((d) => shown(d) && drawnAsBox(d)),
        text: el.innerText.replace(/\\s+/g, " ").trim(),
      })));
  }
  return gaps;
}
"""


def test_nothing_drawn_as_a_box_between_two_passages(site, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"/articles/{FRANCOPHONIE}/")
    gaps = page.evaluate(BETWEEN_PASSAGES)
    sections = Article.objects.get(slug=FRANCOPHONIE).sections.count()
    assert len(gaps) == sections - 1
    boxes = [item for gap in gaps for item in gap if item["box"]]
    assert not boxes, f"boxes between passages: {boxes}"
    for gap in gaps:
        # Only the passage's own closed line, e.g. "3 related passages, 6 topics".
        assert [item["element"] for item in gap] == ["details.passage-notes"], gap
        assert re.fullmatch(
            r"\d+ related passages?, \d+ topics?|\d+ related passages?|\d+ topics?", gap[0]["text"]
        ), gap


def test_every_passage_reaches_its_related_passages_in_one_click(site, new_context):
    article = Article.objects.get(slug=FRANCOPHONIE)
    _, sections = selectors.tags_and_sections(article)
    expected = related.related_passages(article, sections)
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"/articles/{FRANCOPHONIE}/")
    assert expected, "the article has related passages"
    for section in sections:
        heading = page.locator(f"[id='{section.anchor}']")
        passage = page.locator("section.passage").filter(has=heading)
        links = passage.get_by_role("complementary").get_by_role("link")
        wanted = expected.get(section.pk, [])
        if not wanted:  # no passage elsewhere shares its topics
            expect(links).to_have_count(0)
            continue
        expect(links.first).to_be_hidden()
        passage.locator("summary").click()
        expect(links).to_have_text([related_passage.heading for related_passage in wanted])
        for link, related_passage in zip(links.all(), wanted, strict=True):
            assert link.get_attribute("href") == related_passage.url
