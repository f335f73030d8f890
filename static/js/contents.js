/*
 * The article's contents, following the reader.
 *
 * Without this script the contents are a plain list: closed behind their
 * summary on narrow screens, shown beside the text on wide ones (the
 * stylesheet does that). With it, on a wide screen:
 *   - the list is opened (so its state matches what is shown) and its summary
 *     no longer toggles it;
 *   - the passage being read is marked (aria-current="location") and only
 *     its branch of sub-passages is unfolded, so the list stays short;
 *   - the list stays in view while the reader scrolls, but only when it fits
 *     in the window (folding that branch too if need be): it never scrolls
 *     inside itself.
 * On a narrow screen the passage being read is marked too, for when the
 * reader opens the list.
 */
(function () {
  "use strict";

  var toc = document.querySelector(".toc");
  if (!toc || !("matchMedia" in window)) return;
  var details = toc.querySelector(".toc__details");
  var summary = toc.querySelector(".toc__summary");
  var wide = window.matchMedia("(min-width: 72rem)");
  // The passage counts as being read once its heading is above this line.
  var READING_LINE = 0.3;
  var MARGIN = 24;

  var links = Array.prototype.slice.call(toc.querySelectorAll(".toc__list a[href^='#']"));
  var entries = links
    .map(function (link) {
      var heading = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      return heading ? { link: link, heading: heading, branch: link.closest(".toc__list > li") } : null;
    })
    .filter(Boolean);
  if (!entries.length) return;

  var current = null;

  function passageBeingRead() {
    var line = window.innerHeight * READING_LINE;
    var found = entries[0];
    for (var i = 0; i < entries.length; i++) {
      if (entries[i].heading.getBoundingClientRect().top > line) break;
      found = entries[i];
    }
    // At the very end of the page the last passage is the one being read,
    // even when its heading never reaches the line.
    var bottom = document.documentElement.scrollHeight - window.innerHeight - 2;
    if (window.scrollY >= bottom) found = entries[entries.length - 1];
    return found;
  }

  function fits() {
    return toc.getBoundingClientRect().height <= window.innerHeight - 2 * MARGIN;
  }

  // In view while it fits: with the branch being read unfolded, else with
  // every branch folded; a list too long even then stays at the top of its
  // column, as without the script.
  function fit() {
    toc.classList.remove("toc--sticky", "toc--folded");
    if (!wide.matches) return;
    if (!fits()) toc.classList.add("toc--folded");
    toc.classList.toggle("toc--sticky", fits());
  }

  function mark() {
    var found = passageBeingRead();
    if (found === current) return;
    if (current) {
      current.link.removeAttribute("aria-current");
      if (current.branch) current.branch.classList.remove("toc__branch--open");
    }
    current = found;
    current.link.setAttribute("aria-current", "location");
    if (current.branch) current.branch.classList.add("toc__branch--open");
    fit();
  }

  var scheduled = false;
  function onScroll() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () {
      scheduled = false;
      mark();
    });
  }

  function layout() {
    toc.classList.toggle("toc--follow", wide.matches);
    if (wide.matches) details.open = true;
    fit();
  }

  summary.addEventListener("click", function (event) {
    // Beside the text the contents are always shown: nothing to toggle.
    if (wide.matches) event.preventDefault();
  });
  if (wide.addEventListener) wide.addEventListener("change", layout);
  window.addEventListener("scroll", onScroll, { passive: true });
  window.addEventListener("resize", function () {
    fit();
    onScroll();
  });
  layout();
  mark();
})();
