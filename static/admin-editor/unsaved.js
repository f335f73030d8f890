/*
 * Never lose text. While an editor types in the article form, every field
 * changed since the form was opened is kept in this browser (localStorage),
 * per article and per section. When the form opens again — after a closed
 * tab, a crash, or a session that ended mid-edit and a new login — text
 * kept and not saved is offered back: restore it, or discard it. Leaving
 * the page with unsaved changes asks first.
 *
 * What the form was opened with is in the hidden "initial-…" fields the
 * admin writes beside each field; a value equal to it is not a change.
 * Text restored over an article saved by someone else since keeps the
 * version it was written against, so saving shows the edit-conflict screen.
 */
(function () {
  "use strict";

  var STORE_PREFIX = "milcoop:unsaved:";
  var ADD_PATH = /\/add\/$/;
  var KEPT = /^(title|slug|summary|tags|sections-\d+-(heading|anchor|body|tags|level))$/;
  var SECTION = /^sections-(\d+)-(\w+)$/;
  var DELAY_MS = 300;
  var form, key, submitting = false, timer = null;

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage switched off: nothing kept, nothing offered
    }
  }

  function read(slot) {
    var store = storage();
    try {
      return store ? JSON.parse(store.getItem(slot) || "null") : null;
    } catch (error) {
      return null;
    }
  }

  function write(slot, value) {
    var store = storage();
    if (!store) {
      return;
    }
    try {
      if (value) {
        store.setItem(slot, JSON.stringify(value));
      } else {
        store.removeItem(slot);
      }
    } catch (error) {
      // Storage full: the beforeunload warning still protects the text.
    }
  }

  function tagNames(value) {
    var names = [];
    var re = /"([^"]*)"|([^,"]+)/g;
    var match;
    while ((match = re.exec(value || "")) !== null) {
      var name = (match[1] !== undefined ? match[1] : match[2]).trim();
      if (name) {
        names.push(name.toLowerCase());
      }
    }
    return names.sort().join("\n");
  }

  function same(name, a, b) {
    a = (a || "").replace(/\r\n/g, "\n");
    b = (b || "").replace(/\r\n/g, "\n");
    return /(^|-)tags$/.test(name) ? tagNames(a) === tagNames(b) : a === b;
  }

  function opened(element) {
    var initial = form.querySelector("[name='initial-" + element.name + "']");
    return initial ? initial.value : element.defaultValue;
  }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && KEPT.test(element.name) && element.name.indexOf("__prefix__") === -1;
    });
  }

  // Sections are named by their id, so a reorder or a new row keeps them apart.
  function identity(name) {
    var match = SECTION.exec(name);
    if (!match) {
      return name;
    }
    var id = form.querySelector("[name='sections-" + match[1] + "-id']");
    return (id && id.value ? "section:" + id.value : "new:" + match[1]) + ":" + match[2];
  }

  function elementFor(ident) {
    var parts = ident.split(":");
    if (parts.length === 1) {
      return form.querySelector("[name='" + ident + "']");
    }
    var index = null;
    if (parts[0] === "section") {
      form.querySelectorAll("input[name$='-id']").forEach(function (input) {
        var match = /^sections-(\d+)-id$/.exec(input.name);
        if (match && input.value === parts[1]) {
          index = match[1];
        }
      });
    } else {
      index = parts[1];
    }
    return index === null ? null : form.querySelector("[name='sections-" + index + "-" + parts[2] + "']");
  }

  function changes() {
    var found = {};
    fields().forEach(function (element) {
      if (!same(element.name, element.value, opened(element))) {
        found[identity(element.name)] = element.value;
      }
    });
    return found;
  }

  function isDirty() {
    return Object.keys(changes()).length > 0 || form.dataset.reordered === "1";
  }

  function version() {
    var stamp = form.querySelector("[name='loaded_version']");
    return stamp ? stamp.value : "";
  }

  function keep() {
    var found = changes();
    write(key, Object.keys(found).length ? {
      savedAt: new Date().toISOString(),
      version: version(),
      title: (form.querySelector("[name='title']") || {}).value || "",
      fields: found
    } : null);
  }

  function describe(ident) {
    var parts = ident.split(":");
    var names = { title: "title", slug: "slug", summary: "lead", tags: "tags", heading: "heading", body: "text", anchor: "anchor", level: "level" };
    if (parts.length === 1) {
      return "the " + (names[ident] || ident);
    }
    var element = elementFor(ident);
    var heading = element ? form.querySelector("[name='" + element.name.replace(/-\w+$/, "-heading") + "']") : null;
    var label = heading && heading.value ? "“" + heading.value + "”" : (parts[0] === "new" ? "a new section" : "a section");
    return "the " + (names[parts[2]] || parts[2]) + " of " + label;
  }

  // -- Offering kept text back --------------------------------------------

  function addRowsFor(kept) {
    var add = document.querySelector("#sections-group .add-row a");
    Object.keys(kept).forEach(function (ident) {
      var parts = ident.split(":");
      if (parts[0] !== "new") {
        return;
      }
      var guard = 0;
      while (!elementFor(ident) && add && guard < 50) {
        add.click();
        guard += 1;
      }
    });
  }

  function restore(entry) {
    addRowsFor(entry.fields);
    Object.keys(entry.fields).forEach(function (ident) {
      var element = elementFor(ident);
      if (!element) {
        return;
      }
      element.value = entry.fields[ident];
      element.dispatchEvent(new Event("input", { bubbles: true }));
      element.dispatchEvent(new Event("change", { bubbles: true }));
      var card = element.closest(".inline-related.is-folded");
      var toggle = card ? card.querySelector(".section-toggle") : null;
      if (toggle) {
        toggle.click();
      }
    });
    var stamp = form.querySelector("[name='loaded_version']");
    if (stamp && entry.version && entry.version !== stamp.value) {
      stamp.value = entry.version;
    }
    keep();
  }

  function offer(entry) {
    // Offered: what differs from the form as it opens, and new sections to add
    // again; a section deleted since is gone with its text.
    var idents = Object.keys(entry.fields).filter(function (ident) {
      var element = elementFor(ident);
      if (!element) {
        return ident.split(":")[0] === "new";
      }
      return !same(element.name, element.value, entry.fields[ident]);
    });
    if (!idents.length) {
      write(key, null);
      return;
    }
    var when = new Date(entry.savedAt);
    var banner = document.createElement("div");
    banner.className = "unsaved-offer";
    banner.setAttribute("role", "region");
    banner.setAttribute("aria-label", "Unsaved changes");
    var text = document.createElement("p");
    text.textContent = "This browser kept changes you made on " + when.toLocaleString() +
      " and did not save: " + idents.map(describe).join(", ") + ".";
    banner.appendChild(text);
    if (entry.version && entry.version !== version()) {
      var note = document.createElement("p");
      note.className = "unsaved-note";
      note.textContent = "The article was saved since. If you restore your changes, saving shows you the differences first.";
      banner.appendChild(note);
    }
    var restoreButton = document.createElement("button");
    restoreButton.type = "button";
    restoreButton.className = "button default";
    restoreButton.textContent = "Restore my changes";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button";
    discard.textContent = "Discard them";
    restoreButton.addEventListener("click", function () {
      restore(entry);
      banner.remove();
      var first = elementFor(idents[0]);
      if (first && first.type !== "hidden") {
        first.focus();
      }
    });
    discard.addEventListener("click", function () {
      write(key, null);
      banner.remove();
    });
    banner.appendChild(restoreButton);
    banner.appendChild(discard);
    form.insertBefore(banner, form.firstChild);
  }

  // A new article saved: the add form's kept text is the article's own now.
  function forgetSavedAddition() {
    if (ADD_PATH.test(window.location.pathname)) {
      return;
    }
    var slot = STORE_PREFIX + window.location.pathname.replace(/\/\d+\/change\/$/, "/add/");
    var added = read(slot);
    var title = form.querySelector("[name='title']");
    if (added && title && added.title && added.title === title.value) {
      write(slot, null);
    }
  }

  ready(function () {
    form = document.getElementById("article_form");
    if (!form) {
      return;
    }
    key = STORE_PREFIX + window.location.pathname;
    forgetSavedAddition();
    var entry = read(key);
    if (entry && entry.fields) {
      offer(entry);
    }
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(keep, DELAY_MS);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", function (event) {
      if (/^sections-\d+-position$/.test(event.target.name || "")) {
        form.dataset.reordered = "1";
      }
      later();
    });
    form.addEventListener("submit", function () {
      submitting = true;
      keep(); // kept until a page shows the text saved
    });
    window.addEventListener("pagehide", keep);
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && isDirty()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });
})();
