/*
 * Tag fields as chips. A tag field is one text input of comma-separated
 * names; here each name shows as a chip with a remove button, and a small
 * input beside them takes the next name, offering the site's tags (the
 * shared <datalist>) that match what is typed and are not chosen yet.
 * Enter, a comma or leaving the input adds the name typed; Backspace in the
 * empty input takes the last chip back for editing. The original input
 * stays in the form, hidden, and always holds the names as taggit reads
 * them: names with a comma or quote are written in double quotes.
 *
 * Without JavaScript the plain comma-separated field is left as it is.
 */
(function () {
  "use strict";

  var MAX_OPTIONS = 50;
  var allNames = new WeakMap(); // datalist → the site's tag names, read once

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // taggit's own reading of a field: quoted names, else comma-separated.
  function parse(value) {
    var names = [];
    var re = /"([^"]*)"|([^,"]+)/g;
    var match;
    while ((match = re.exec(value)) !== null) {
      var name = (match[1] !== undefined ? match[1] : match[2]).trim();
      if (name) {
        names.push(name);
      }
    }
    return names;
  }

  function written(names) {
    return names.map(function (name) {
      return /[,"]/.test(name) ? '"' + name.replace(/"/g, "") + '"' : name;
    }).join(", ");
  }

  function namesOf(list) {
    if (!allNames.has(list)) {
      allNames.set(list, Array.prototype.map.call(list.options, function (option) {
        return option.value;
      }));
    }
    return allNames.get(list);
  }

  function enhance(input) {
    if (input.dataset.tagChips || input.type === "hidden" || input.name.indexOf("__prefix__") !== -1) {
      return;
    }
    input.dataset.tagChips = "1";
    var list = document.getElementById(input.getAttribute("list"));
    var box = document.createElement("div");
    box.className = "tag-chips";
    var chips = document.createElement("ul");
    chips.className = "chip-list";
    chips.setAttribute("aria-label", "Chosen tags");
    var entry = document.createElement("input");
    entry.type = "text";
    entry.className = "chip-entry";
    entry.autocomplete = "off";
    if (list) {
      entry.setAttribute("list", list.id);
    }
    entry.placeholder = "Add a tag…";
    // The field's label and help now describe the input the editor types in.
    entry.id = input.id;
    input.id = input.id + "_names";
    if (input.getAttribute("aria-describedby")) {
      entry.setAttribute("aria-describedby", input.getAttribute("aria-describedby"));
    }
    input.type = "hidden";
    box.appendChild(chips);
    box.appendChild(entry);
    input.parentNode.insertBefore(box, input.nextSibling);

    function names() {
      return parse(input.value);
    }

    function store(next) {
      var seen = {};
      var unique = next.filter(function (name) {
        var key = name.toLowerCase();
        if (seen[key]) {
          return false;
        }
        seen[key] = true;
        return true;
      });
      var value = written(unique);
      if (value !== input.value) {
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      draw();
    }

    function draw() {
      var items = names().map(function (name, index) {
        var item = document.createElement("li");
        item.className = "chip";
        var label = document.createElement("span");
        label.textContent = name;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove the tag " + name);
        remove.addEventListener("click", function () {
          var next = names();
          next.splice(index, 1);
          store(next);
          entry.focus();
        });
        item.appendChild(label);
        item.appendChild(remove);
        return item;
      });
      chips.replaceChildren.apply(chips, items);
      chips.hidden = items.length === 0;
    }

    function commit() {
      var typed = parse(entry.value);
      if (typed.length) {
        store(names().concat(typed));
      }
      entry.value = "";
      refill();
    }

    function refill() {
      if (!list) {
        return;
      }
      var typed = entry.value.trim().toLowerCase();
      var taken = {};
      names().forEach(function (name) { taken[name.toLowerCase()] = true; });
      var options = [];
      var all = namesOf(list);
      for (var i = 0; i < all.length && options.length < MAX_OPTIONS; i++) {
        var key = all[i].toLowerCase();
        if (!taken[key] && key.indexOf(typed) !== -1) {
          var option = document.createElement("option");
          option.value = all[i];
          options.push(option);
        }
      }
      list.replaceChildren.apply(list, options);
    }

    entry.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === ",") {
        if (entry.value.trim()) {
          event.preventDefault();
          commit();
        } else if (event.key === "Enter") {
          event.preventDefault(); // an empty tag input never submits the whole form
        }
      } else if (event.key === "Backspace" && entry.value === "") {
        var next = names();
        if (next.length) {
          event.preventDefault();
          entry.value = next.pop();
          store(next);
        }
      }
    });
    entry.addEventListener("input", function (event) {
      // A suggestion picked from the list is a whole name: take it at once.
      var picked = event.inputType === "insertReplacementText";
      var value = entry.value.trim();
      if (picked && list && value && namesOf(list).indexOf(value) !== -1) {
        commit();
        return;
      }
      refill();
    });
    // A value set from outside (unsaved text restored) shows as chips too.
    input.addEventListener("change", draw);
    entry.addEventListener("focus", refill);
    entry.addEventListener("blur", function () {
      if (entry.value.trim()) {
        commit();
      }
    });
    draw();
  }

  function enhanceAll(root) {
    root.querySelectorAll("input[data-tag-suggestions]").forEach(enhance);
  }

  ready(function () {
    enhanceAll(document);
    document.addEventListener("formset:added", function (event) {
      enhanceAll(event.target);
    });
  });
})();
