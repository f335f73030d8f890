/*
 * Markdown writing on the article form: above the lead and each section's
 * text, a toolbar (bold, italic, link, cross-reference, lists); beside it a
 * preview rendered by the site itself, asked for a moment after the editor
 * stops typing. The preview marks each cross-reference as resolved, an
 * unpublished draft or wanted, names the markup the sanitizer dropped, and
 * warns about a Markdown heading inside a text (the sections are the
 * headings).
 *
 * The preview comes from the admin's preview endpoint (POST, with the
 * form's CSRF token); its HTML is the sanitized rendering the site stores,
 * so it is shown as it comes. A preview is only asked for when its text is
 * on screen: folded sections cost nothing.
 */
(function () {
  "use strict";

  var DELAY_MS = 400;
  var TEXT = /^(summary|sections-\d+-body)$/;
  var STATES = {
    resolved: "links to the published article",
    unpublished: "names an article not published yet",
    wanted: "names no article yet: it is listed under Wanted articles"
  };
  var endpoint, token;

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
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

  // -- The toolbar ----------------------------------------------------------

  var TOOLS = [
    { label: "Bold", wrap: ["**", "**"], placeholder: "bold text" },
    { label: "Italic", wrap: ["*", "*"], placeholder: "italic text" },
    { label: "Link", wrap: ["[", "](https://)"], placeholder: "link text" },
    { label: "Cross-reference", wrap: ["[[", "]]"], placeholder: "Article title" },
    { label: "Bulleted list", line: "- " },
    { label: "Numbered list", line: "1. " }
  ];

  function apply(textarea, tool) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var value = textarea.value;
    var chosen = value.slice(start, end);
    var replacement, selectFrom, selectTo;
    if (tool.wrap) {
      var inner = chosen || tool.placeholder;
      replacement = tool.wrap[0] + inner + tool.wrap[1];
      selectFrom = start + tool.wrap[0].length;
      selectTo = selectFrom + inner.length;
    } else {
      var lineStart = value.lastIndexOf("\n", start - 1) + 1;
      start = lineStart;
      chosen = value.slice(start, end);
      var lines = (chosen || "").split("\n").map(function (line, index) {
        return (tool.line === "1. " ? (index + 1) + ". " : tool.line) + line;
      });
      replacement = lines.join("\n");
      selectFrom = start + replacement.length;
      selectTo = selectFrom;
    }
    textarea.focus();
    textarea.setSelectionRange(start, end);
    // execCommand keeps the browser's undo history; setRangeText where it is gone.
    if (!document.execCommand || !document.execCommand("insertText", false, replacement)) {
      textarea.setRangeText(replacement, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    textarea.setSelectionRange(selectFrom, selectTo);
  }

  function toolbar(textarea) {
    var bar = make("div", "markdown-toolbar");
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    if (textarea.id) {
      bar.setAttribute("aria-controls", textarea.id);
    }
    TOOLS.forEach(function (tool) {
      var control = make("button", "markdown-tool tool-" + tool.label.toLowerCase().replace(/\W+/g, "-"), tool.label);
      control.type = "button";
      control.addEventListener("click", function () { apply(textarea, tool); });
      bar.appendChild(control);
    });
    return bar;
  }

  // -- The preview ----------------------------------------------------------

  function list(className, heading, items) {
    var box = make("div", "preview-note " + className);
    box.appendChild(make("p", "preview-note-heading", heading));
    var ul = make("ul");
    items.forEach(function (item) { ul.appendChild(item); });
    box.appendChild(ul);
    return box;
  }

  function referenceItem(reference) {
    var item = make("li", "reference-" + reference.state);
    var name = reference.title + (reference.heading ? " § " + reference.heading : "");
    if (reference.url) {
      var link = make("a", "", name);
      link.href = reference.url;
      item.appendChild(link);
    } else {
      item.appendChild(make("strong", "", name));
    }
    item.appendChild(document.createTextNode(" " + STATES[reference.state]));
    return item;
  }

  function show(pane, data) {
    var body = pane.querySelector(".preview-body");
    var notes = pane.querySelector(".preview-notes");
    body.innerHTML = data.html || "<p class=\"preview-empty\">Nothing to preview yet.</p>";
    var parts = [];
    if (data.headings && data.headings.length) {
      parts.push(list("preview-warning", "A Markdown heading inside a text does not show as a heading: the sections are the headings. Add a section instead of:",
        data.headings.map(function (heading) { return make("li", "", "“" + heading + "”"); })));
    }
    if (data.dropped && data.dropped.length) {
      parts.push(list("preview-warning", "Left out when published (not allowed on the site):",
        data.dropped.map(function (what) { return make("li", "", what); })));
    }
    if (data.references && data.references.length) {
      parts.push(list("preview-references", "Cross-references:", data.references.map(referenceItem)));
    }
    notes.replaceChildren.apply(notes, parts);
    pane.querySelector(".preview-status").textContent = data.words === 1 ? "1 word" : data.words + " words";
    pane.classList.remove("is-stale");
  }

  function fail(pane, message) {
    pane.classList.add("is-stale");
    pane.querySelector(".preview-status").textContent = message;
  }

  function request(textarea, pane) {
    var text = textarea.value;
    if (pane.dataset.shown === text) {
      return;
    }
    var body = new FormData();
    body.append("text", text);
    body.append("csrfmiddlewaretoken", token);
    var asked = text;
    pane.dataset.asked = asked;
    fetch(endpoint, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch" },
      redirect: "manual"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.type === "opaqueredirect" || !response.ok && response.status !== 413 || type.indexOf("application/json") === -1) {
        throw new Error("Preview unavailable: your session may have ended. Your text stays here; log in again in another tab, then keep writing.");
      }
      return response.json();
    }).then(function (data) {
      if (pane.dataset.asked !== asked) {
        return; // a newer request is on its way
      }
      if (data.error) {
        fail(pane, data.error);
        return;
      }
      pane.dataset.shown = asked;
      show(pane, data);
    }).catch(function (error) {
      fail(pane, error.message || "Preview unavailable.");
    });
  }

  function enhance(textarea) {
    if (textarea.dataset.markdownEditor || !TEXT.test(textarea.name)) {
      return;
    }
    textarea.dataset.markdownEditor = "1";
    var wrapper = make("div", "markdown-editor");
    var pane = make("section", "markdown-preview");
    pane.setAttribute("aria-label", "Preview");
    var head = make("div", "preview-head");
    head.appendChild(make("span", "preview-title", "Preview"));
    head.appendChild(make("span", "preview-status", ""));
    pane.appendChild(head);
    pane.appendChild(make("div", "preview-body prose"));
    pane.appendChild(make("div", "preview-notes"));
    textarea.parentNode.insertBefore(wrapper, textarea);
    var writing = make("div", "markdown-writing");
    writing.appendChild(toolbar(textarea));
    writing.appendChild(textarea);
    wrapper.appendChild(writing);
    wrapper.appendChild(pane);

    var timer = null;
    textarea.addEventListener("input", function () {
      pane.classList.add("is-stale");
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { request(textarea, pane); }, DELAY_MS);
    });
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            request(textarea, pane);
          }
        });
      }).observe(pane);
    } else {
      request(textarea, pane);
    }
  }

  function enhanceAll(root) {
    root.querySelectorAll("textarea").forEach(function (textarea) {
      if (textarea.name.indexOf("__prefix__") === -1) {
        enhance(textarea);
      }
    });
  }

  ready(function () {
    var config = document.getElementById("markdown-preview-config");
    var csrf = document.querySelector("input[name='csrfmiddlewaretoken']");
    if (!config || !csrf) {
      return;
    }
    endpoint = config.dataset.url;
    token = csrf.value;
    enhanceAll(document);
    document.addEventListener("formset:added", function (event) {
      enhanceAll(event.target);
    });
  });
})();
