/*
 * Tag fields hold several names separated by commas, but a <datalist> only
 * completes the field's whole value. While an editor types in a tag field,
 * this rewrites the field's datalist so that each option is what the field
 * would read with the tag being typed completed: "navy, hyb" is offered
 * "navy, Hybrid warfare". Names already in the field are not offered again.
 *
 * Without JavaScript the field still works and completes the first name.
 */
(function () {
  "use strict";

  var MAX_OPTIONS = 50;
  var allNames = new WeakMap(); // datalist → the site's tag names, read once

  function namesOf(list) {
    if (!allNames.has(list)) {
      allNames.set(list, Array.prototype.map.call(list.options, function (option) {
        return option.value;
      }));
    }
    return allNames.get(list);
  }

  function unquote(name) {
    return name.trim().replace(/^"(.*)"$/, "$1").trim().toLowerCase();
  }

  function written(name) {
    return /[,"]/.test(name) ? '"' + name.replace(/"/g, "") + '"' : name;
  }

  function refill(input) {
    var list = input.list;
    if (!list) {
      return;
    }
    var names = namesOf(list);
    var value = input.value;
    var cut = value.lastIndexOf(",") + 1;
    var rest = value.slice(cut);
    var head = value.slice(0, cut) + rest.slice(0, rest.length - rest.trimStart().length);
    var typed = unquote(rest);
    var taken = {};
    value.slice(0, cut).split(",").forEach(function (name) {
      taken[unquote(name)] = true;
    });
    var options = [];
    for (var i = 0; i < names.length && options.length < MAX_OPTIONS; i++) {
      var name = names[i];
      var key = name.toLowerCase();
      if (!taken[key] && key.indexOf(typed) !== -1) {
        var option = document.createElement("option");
        option.value = head + written(name);
        options.push(option);
      }
    }
    list.replaceChildren.apply(list, options);
  }

  function onEvent(event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.dataset.tagSuggestions !== undefined) {
      refill(input);
    }
  }

  // Delegated, so section rows added with "Add another Section" work too.
  document.addEventListener("input", onEvent);
  document.addEventListener("focusin", onEvent);
})();
