/*
 * The sections of the article form, for long articles. Each saved section
 * folds to its heading (with its word count and first words); "Edit"
 * unfolds it. An outline above lists every section and unfolds the one
 * chosen. Sections are reordered by dragging their handle or with their
 * "Move up" / "Move down" buttons; the hidden position fields follow the
 * order on the page, so nobody types positions.
 *
 * Without JavaScript the form is Django's own: every section open, with
 * its position field. Listeners are delegated to the section group, so rows
 * added with "Add another Section" work as well as the ones served.
 */
(function () {
  "use strict";

  var PREFIX = "sections";
  var SNIPPET_LENGTH = 110;
  var FIELD = new RegExp("^" + PREFIX + "-(\\d+)-(\\w+)$");
  var group, container, outlineList, live, dragged = null;

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function cards() {
    return Array.prototype.filter.call(
      group.querySelectorAll(".inline-related"),
      function (card) { return !card.classList.contains("empty-form"); }
    );
  }

  function field(card, name) {
    var inputs = card.querySelectorAll("input, select, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var match = FIELD.exec(inputs[i].name || "");
      if (match && match[2] === name) {
        return inputs[i];
      }
    }
    return null;
  }

  function headingOf(card) {
    var input = field(card, "heading");
    var text = input ? input.value.trim() : "";
    return text || "Untitled section";
  }

  function wordsOf(card) {
    var body = field(card, "body");
    var text = body ? body.value.trim() : "";
    return text ? text.split(/\s+/).length : 0;
  }

  function snippetOf(card) {
    var body = field(card, "body");
    var text = body ? body.value.replace(/\s+/g, " ").trim() : "";
    return text.length > SNIPPET_LENGTH ? text.slice(0, SNIPPET_LENGTH) + "…" : text;
  }

  function isSubsection(card) {
    var level = field(card, "level");
    return level !== null && level.value === "3";
  }

  function isSaved(card) {
    var id = field(card, "id");
    return id !== null && id.value !== "";
  }

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) {
      element.className = className;
    }
    if (text) {
      element.textContent = text;
    }
    return element;
  }

  function button(className, text, action) {
    var element = make("button", "section-button " + className, text);
    element.type = "button";
    element.dataset.sectionAction = action;
    return element;
  }

  // A button's visible word, then the section it acts on for screen readers:
  // "Move up the section “Convoys”".
  function label(control, word, heading) {
    var hidden = make("span", "visually-hidden", " the section “" + heading + "”");
    control.replaceChildren(document.createTextNode(word), hidden);
  }

  function announce(text) {
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  // -- One section's header ------------------------------------------------

  function enhance(card, open) {
    if (card.dataset.sectionEnhanced) {
      return;
    }
    card.dataset.sectionEnhanced = "1";
    var title = card.querySelector("h3");
    var body = make("div", "section-body");
    body.id = card.id + "-body";
    while (title.nextSibling) {
      body.appendChild(title.nextSibling);
    }
    var header = make("div", "section-header");
    var handle = make("span", "drag-handle", "⠿");
    handle.draggable = true;
    handle.title = "Drag to move this section";
    handle.setAttribute("aria-hidden", "true");
    var summary = make("div", "section-summary");
    summary.appendChild(make("span", "section-number"));
    summary.appendChild(make("span", "section-title"));
    summary.appendChild(make("span", "section-words"));
    summary.appendChild(make("span", "section-snippet"));
    var controls = make("div", "section-controls");
    var toggle = button("section-toggle", "Edit", "toggle");
    toggle.setAttribute("aria-controls", body.id);
    controls.appendChild(toggle);
    controls.appendChild(button("section-up", "Move up", "up"));
    controls.appendChild(button("section-down", "Move down", "down"));
    header.appendChild(handle);
    header.appendChild(summary);
    header.appendChild(controls);
    card.insertBefore(header, title);
    title.classList.add("section-row-title");
    card.appendChild(body);
    setOpen(card, open);
  }

  function setOpen(card, open) {
    var body = card.querySelector(".section-body");
    var toggle = card.querySelector(".section-toggle");
    if (!body || !toggle) {
      return;
    }
    body.hidden = !open;
    card.classList.toggle("is-folded", !open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function refresh() {
    var list = cards();
    list.forEach(function (card, index) {
      var heading = headingOf(card);
      var words = wordsOf(card);
      card.classList.toggle("is-subsection", isSubsection(card));
      card.querySelector(".section-number").textContent = (index + 1) + ".";
      card.querySelector(".section-title").textContent = heading;
      card.querySelector(".section-words").textContent = words === 1 ? "1 word" : words + " words";
      card.querySelector(".section-snippet").textContent = snippetOf(card);
      var toggle = card.querySelector(".section-toggle");
      var up = card.querySelector(".section-up");
      var down = card.querySelector(".section-down");
      label(toggle, card.classList.contains("is-folded") ? "Edit" : "Fold", heading);
      label(up, "Move up", heading);
      label(down, "Move down", heading);
      up.setAttribute("aria-disabled", index === 0 ? "true" : "false");
      down.setAttribute("aria-disabled", index === list.length - 1 ? "true" : "false");
    });
    drawOutline(list);
  }

  // -- The outline --------------------------------------------------------

  function buildOutline() {
    var nav = make("nav", "section-outline");
    nav.setAttribute("aria-labelledby", "section-outline-heading");
    var heading = make("h3", "", "Outline");
    heading.id = "section-outline-heading";
    var tools = make("div", "outline-tools");
    tools.appendChild(button("outline-open", "Unfold all", "open-all"));
    tools.appendChild(button("outline-fold", "Fold all", "fold-all"));
    outlineList = make("ol", "outline-list");
    nav.appendChild(heading);
    nav.appendChild(tools);
    nav.appendChild(outlineList);
    live = make("div", "visually-hidden");
    live.setAttribute("aria-live", "polite");
    nav.appendChild(live);
    var first = group.querySelector(".inline-related");
    first.parentNode.insertBefore(nav, first);
  }

  function drawOutline(list) {
    var items = list.map(function (card) {
      var item = make("li", isSubsection(card) ? "outline-subsection" : "");
      var link = make("a", "", headingOf(card));
      link.href = "#" + card.id;
      link.dataset.sectionAction = "go";
      item.appendChild(link);
      if (card.querySelector("input[name$='-DELETE']:checked")) {
        item.appendChild(make("span", "outline-note", " (to be deleted)"));
      }
      return item;
    });
    outlineList.replaceChildren.apply(outlineList, items);
  }

  // -- Order --------------------------------------------------------------

  function renumber() {
    cards().forEach(function (card, index) {
      var position = field(card, "position");
      if (position && position.value !== String(index)) {
        position.value = String(index);
        position.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    refresh();
  }

  function place(card, target, after) {
    if (card === target) {
      return;
    }
    target.parentNode.insertBefore(card, after ? target.nextSibling : target);
    renumber();
    var list = cards();
    announce("Moved “" + headingOf(card) + "” to place " + (list.indexOf(card) + 1) + " of " + list.length + ".");
  }

  function move(card, step, control) {
    var list = cards();
    var index = list.indexOf(card);
    var target = list[index + step];
    if (!target) {
      return;
    }
    place(card, target, step > 0);
    if (control) {
      control.focus();
    }
  }

  // Django numbers new rows after the saved ones and, when a new row is
  // removed, numbers the rest again in page order. A new row moved above a
  // saved one would then take a saved row's number: number them again,
  // saved rows first, each keeping its own fields.
  function reindex() {
    var rows = cards();
    var saved = rows.filter(isSaved);
    var fresh = rows.filter(function (card) { return !isSaved(card); });
    var pattern = new RegExp("(" + PREFIX + "-(\\d+|__prefix__))");
    saved.concat(fresh).forEach(function (card, index) {
      var replacement = PREFIX + "-" + index;
      card.id = replacement;
      card.querySelectorAll("[id], [name], [for], [aria-controls]").forEach(function (element) {
        ["id", "name", "for", "aria-controls", "aria-describedby"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value && pattern.test(value)) {
            element.setAttribute(attribute, value.replace(pattern, replacement));
          }
        });
      });
    });
  }

  // -- Events -------------------------------------------------------------

  function onClick(event) {
    var control = event.target.closest("[data-section-action]");
    if (!control || !group.contains(control)) {
      return;
    }
    var action = control.dataset.sectionAction;
    var card = control.closest(".inline-related");
    if (action === "toggle") {
      setOpen(card, card.classList.contains("is-folded"));
      refresh();
    } else if (action === "up" || action === "down") {
      if (control.getAttribute("aria-disabled") !== "true") {
        move(card, action === "up" ? -1 : 1, control);
      }
    } else if (action === "open-all" || action === "fold-all") {
      cards().forEach(function (each) { setOpen(each, action === "open-all"); });
      refresh();
    } else if (action === "go") {
      var target = document.getElementById(control.getAttribute("href").slice(1));
      if (target) {
        setOpen(target, true);
        refresh();
        var heading = field(target, "heading");
        if (heading) {
          window.setTimeout(function () { heading.focus(); }, 0);
        }
      }
    }
  }

  function onInput(event) {
    var match = FIELD.exec(event.target.name || "");
    if (match && ["heading", "body", "level", "DELETE"].indexOf(match[2]) !== -1) {
      refresh();
    }
  }

  function cardAt(event) {
    var card = event.target.closest ? event.target.closest(".inline-related") : null;
    return card && !card.classList.contains("empty-form") ? card : null;
  }

  function clearDropMarks() {
    group.querySelectorAll(".drop-before, .drop-after").forEach(function (card) {
      card.classList.remove("drop-before", "drop-after");
    });
  }

  function onDragStart(event) {
    if (!event.target.classList || !event.target.classList.contains("drag-handle")) {
      return;
    }
    dragged = event.target.closest(".inline-related");
    dragged.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.id);
    event.dataTransfer.setDragImage(dragged, 16, 16);
  }

  function dropsAfter(card, event) {
    var box = card.getBoundingClientRect();
    return event.clientY > box.top + box.height / 2;
  }

  function onDragOver(event) {
    var card = cardAt(event);
    if (!dragged || !card) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearDropMarks();
    if (card !== dragged) {
      card.classList.add(dropsAfter(card, event) ? "drop-after" : "drop-before");
    }
  }

  function onDrop(event) {
    var card = cardAt(event);
    if (!dragged || !card) {
      return;
    }
    event.preventDefault();
    var moving = dragged;
    clearDropMarks();
    place(moving, card, dropsAfter(card, event));
  }

  function onDragEnd() {
    if (dragged) {
      dragged.classList.remove("is-dragging");
    }
    dragged = null;
    clearDropMarks();
  }

  function onAdded(event) {
    if (!event.detail || event.detail.formsetName !== PREFIX) {
      return;
    }
    var card = event.target;
    enhance(card, true);
    var list = cards();
    var highest = -1;
    list.forEach(function (each) {
      var position = field(each, "position");
      if (each !== card && position && position.value !== "") {
        highest = Math.max(highest, parseInt(position.value, 10) || 0);
      }
    });
    var own = field(card, "position");
    if (own) {
      own.value = String(highest + 1);
    }
    refresh();
  }

  function onRemoved(event) {
    if (event.detail && event.detail.formsetName === PREFIX) {
      // Django numbers the rows again after telling of the removal.
      window.setTimeout(function () {
        reindex();
        refresh();
      }, 0);
    }
  }

  ready(function () {
    group = document.getElementById(PREFIX + "-group");
    if (!group || !group.querySelector(".inline-related")) {
      return;
    }
    container = group.querySelector("fieldset");
    group.classList.add("sections-enhanced");
    buildOutline();
    // The public page's "Edit" link of a passage names its card (#sections-N).
    var linked = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    cards().forEach(function (card) {
      var hasErrors = card.querySelector(".errorlist, .errors") !== null;
      enhance(card, hasErrors || !isSaved(card) || card === linked);
    });
    refresh();
    if (linked && linked.classList.contains("inline-related")) {
      linked.scrollIntoView();
    }
    group.addEventListener("click", onClick);
    group.addEventListener("input", onInput);
    group.addEventListener("change", onInput);
    container.addEventListener("dragstart", onDragStart);
    container.addEventListener("dragover", onDragOver);
    container.addEventListener("drop", onDrop);
    container.addEventListener("dragend", onDragEnd);
    document.addEventListener("formset:added", onAdded);
    document.addEventListener("formset:removed", onRemoved);
  });
})();
