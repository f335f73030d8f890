/*
 * Previews of the exact passage, article or topic a link leads to.
 *
 * A link in the page's main content to a passage (/articles/<slug>/#<anchor>),
 * an article (/articles/<slug>/) or a topic (/tags/<slug>/) shows a small
 * card beside it:
 *   - on hover, after a short pause, until the pointer leaves link and card;
 *   - on keyboard focus, until the focus moves on; Escape closes it;
 *   - on a touch screen, a first tap shows the card, with an "Open" link, and
 *     a second tap on the link (or "Open") follows it; a tap elsewhere closes it.
 * The card is the server's: /articles/<slug>/card/<anchor>/, /articles/<slug>/card/
 * or /tags/<slug>/card/, a tiny page fetched once, when first wanted, and kept.
 * Without this script (or if a card cannot be had) every link is a plain link.
 */
(function () {
  "use strict";

  var main = document.getElementById("content");
  if (!main || !("fetch" in window) || !("DOMParser" in window)) return;

  // Links that are not about another passage, article or topic: no card.
  var SKIP = ".toc, .permalink, .heading-cite, .pagination, .cite, .skip-link, .preview-popup";
  var SHOW_DELAY = 300;
  var HIDE_DELAY = 250;
  var MARGIN = 8;

  var cards = new Map(); // card address -> Promise of the card element, or null
  var popup = document.createElement("div");
  popup.className = "preview-popup";
  popup.id = "preview-card";
  popup.hidden = true;
  // In the main landmark (whose box is not positioned: the card is placed on the page).
  main.appendChild(popup);

  var current = null; // the link whose card is shown, or being fetched
  var mode = null; // how it was asked for: "hover", "focus" or "touch"
  var lastPointer = "mouse";
  var pressedLink = null; // a link just pressed with a pointer: its focus is not the keyboard's
  var showTimer = 0;
  var hideTimer = 0;

  function cardAddress(link) {
    if (!link || !main.contains(link) || link.closest(SKIP)) return null;
    var url;
    try {
      url = new URL(link.href, window.location.href);
    } catch (error) {
      return null;
    }
    if (url.origin !== window.location.origin || url.search) return null;
    var found = url.pathname.match(/^\/articles\/([-\w]+)\/$/);
    if (found) {
      if (url.hash.length > 1) return "/articles/" + found[1] + "/card/" + url.hash.slice(1) + "/";
      if (url.pathname === window.location.pathname) return null; // this very page
      return "/articles/" + found[1] + "/card/";
    }
    found = url.pathname.match(/^\/tags\/([^/]+)\/$/);
    return found ? "/tags/" + found[1] + "/card/" : null;
  }

  function load(address) {
    if (!cards.has(address)) {
      cards.set(
        address,
        fetch(address, { credentials: "same-origin", headers: { Accept: "text/html" } })
          .then(function (response) {
            return response.ok ? response.text() : null;
          })
          .then(function (text) {
            if (!text) return null;
            var card = new DOMParser().parseFromString(text, "text/html").querySelector(".preview");
            if (!card) return null;
            // The card page's h1 is a paragraph here: the page keeps its own outline.
            var title = card.querySelector(".preview__title");
            if (title) {
              var line = document.createElement("p");
              line.className = title.className;
              while (title.firstChild) line.appendChild(title.firstChild);
              title.replaceWith(line);
            }
            return document.importNode(card, true);
          })
          .catch(function () {
            return null;
          })
      );
    }
    return cards.get(address);
  }

  function place(link) {
    // Below the link's last line (or above its first), never off the screen.
    var lines = link.getClientRects();
    var first = lines[0] || link.getBoundingClientRect();
    var last = lines[lines.length - 1] || first;
    var width = popup.offsetWidth;
    var height = popup.offsetHeight;
    var viewWidth = document.documentElement.clientWidth;
    var below = last.bottom + MARGIN;
    var above = first.top - height - MARGIN;
    var fitsBelow = below + height <= window.innerHeight - MARGIN || above < MARGIN;
    var left = Math.max(MARGIN, Math.min((fitsBelow ? last : first).left, viewWidth - width - MARGIN));
    var top = fitsBelow ? below : above;
    popup.style.left = Math.round(left + window.scrollX) + "px";
    popup.style.top = Math.round(top + window.scrollY) + "px";
  }

  function show(link, how) {
    var address = cardAddress(link);
    if (!address) return;
    window.clearTimeout(hideTimer);
    if (current && current !== link) hide();
    current = link;
    mode = how;
    load(address).then(function (card) {
      if (current !== link) return; // the reader has moved on
      if (!card) {
        hide();
        return;
      }
      popup.replaceChildren(card.cloneNode(true));
      popup.classList.toggle("preview-popup--touch", how === "touch");
      if (how === "touch") {
        popup.setAttribute("role", "dialog");
        popup.setAttribute("aria-label", "Preview");
      } else {
        popup.setAttribute("role", "tooltip");
        popup.removeAttribute("aria-label");
        link.setAttribute("aria-describedby", popup.id);
      }
      popup.hidden = false;
      place(link);
    });
  }

  function hide() {
    window.clearTimeout(showTimer);
    window.clearTimeout(hideTimer);
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    mode = null;
    popup.hidden = true;
    popup.replaceChildren();
  }

  function hideSoon() {
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(hide, HIDE_DELAY);
  }

  function linkOf(event) {
    return event.target instanceof Element ? event.target.closest("a[href]") : null;
  }

  document.addEventListener(
    "pointerdown",
    function (event) {
      lastPointer = event.pointerType || "mouse";
      pressedLink = linkOf(event);
    },
    true
  );

  main.addEventListener("mouseover", function (event) {
    var link = linkOf(event);
    if (!link || lastPointer === "touch" || !cardAddress(link)) return;
    if (link === current) {
      window.clearTimeout(hideTimer);
      return;
    }
    window.clearTimeout(showTimer);
    showTimer = window.setTimeout(function () {
      show(link, "hover");
    }, SHOW_DELAY);
  });

  main.addEventListener("mouseout", function (event) {
    var link = linkOf(event);
    if (!link || link.contains(event.relatedTarget)) return;
    window.clearTimeout(showTimer);
    if (link === current && mode === "hover") hideSoon();
  });

  popup.addEventListener("mouseenter", function () {
    window.clearTimeout(hideTimer);
  });
  popup.addEventListener("mouseleave", function () {
    if (mode === "hover") hideSoon();
  });

  main.addEventListener("focusin", function (event) {
    var link = linkOf(event);
    if (!link || link === pressedLink || !cardAddress(link)) return;
    show(link, "focus");
  });

  main.addEventListener("focusout", function (event) {
    if (mode === "focus" && linkOf(event) === current) hide();
  });

  main.addEventListener(
    "click",
    function (event) {
      var link = linkOf(event);
      if (lastPointer !== "touch" || !cardAddress(link)) return;
      if (current === link && mode === "touch" && !popup.hidden) return; // the second tap opens it
      event.preventDefault();
      show(link, "touch");
    },
    true
  );

  document.addEventListener("click", function (event) {
    if (mode !== "touch" || !current) return;
    var target = event.target;
    if (popup.contains(target) || current.contains(target)) return;
    hide();
  });

  document.addEventListener("keydown", function (event) {
    pressedLink = null; // focus from here on is the keyboard's
    if (event.key === "Escape" && current) hide();
  });

  window.addEventListener("resize", function () {
    if (current && !popup.hidden) place(current);
  });
})();
