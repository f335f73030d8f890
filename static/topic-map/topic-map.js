/*
 * The topic map: the graph from /api/graph drawn with Cytoscape.js (served
 * from this site's static files), articles as boxes holding their passages,
 * topics as round nodes, references as arrows.
 *
 * The list under the map is the same data and works without this script.
 * With it, the topic filter and the title search apply to both: what does not
 * match fades on the map and leaves the list. A click (or Enter on a focused
 * list link) opens an article or a passage; a click on a topic filters by it.
 * Focusing a link in the list marks its node on the map, so keyboard users
 * see where they are.
 *
 * An article's local map (data-focus on the root) draws only its
 * neighbourhood, fetched from its own endpoint: the article is highlighted,
 * there is nothing to filter, and a click on a topic opens the topic's page.
 */
(function () {
  "use strict";

  var root = document.querySelector(".topic-map");
  if (!root || !window.fetch) return;
  var focusSlug = root.getAttribute("data-focus");
  var controls = document.getElementById("topic-map-controls");
  var container = document.getElementById("topic-map-graph");
  var legend = document.getElementById("topic-map-legend");
  var topicSelect = document.getElementById("topic-map-topic");
  var titleInput = document.getElementById("topic-map-title");
  var statusLine = document.getElementById("topic-map-status");
  var none = document.getElementById("topic-map-none");
  var listArticles = Array.prototype.slice.call(root.querySelectorAll(".map-article"));

  function folded(text) {
    // "Attachés" is found by "attaches": accents and case do not count.
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function words(value) {
    return value ? value.split(" ") : [];
  }

  function colour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function articleId(slug) { return "article:" + slug; }
  function passageId(slug, anchor) { return "passage:" + slug + "#" + anchor; }
  function topicId(slug) { return "topic:" + slug; }

  function elementsOf(graph) {
    var nodes = [], edges = [], known = {};
    graph.topics.forEach(function (topic) {
      known[topic.slug] = true;
      nodes.push({ data: { id: topicId(topic.slug), kind: "topic", slug: topic.slug, label: topic.name, url: topic.url } });
    });
    graph.articles.forEach(function (article) {
      var id = articleId(article.slug);
      nodes.push({ data: { id: id, kind: "article", slug: article.slug, label: article.title, url: article.url, title: folded(article.title) } });
      article.topics.forEach(function (slug) {
        if (known[slug]) edges.push({ data: { id: id + ">" + slug, source: id, target: topicId(slug), kind: "carries" } });
      });
      article.passages.forEach(function (passage) {
        var pid = passageId(article.slug, passage.anchor);
        nodes.push({ data: { id: pid, parent: id, kind: "passage", slug: article.slug, label: passage.heading, url: passage.url } });
        passage.topics.forEach(function (slug) {
          if (known[slug]) edges.push({ data: { id: pid + ">" + slug, source: pid, target: topicId(slug), kind: "carries" } });
        });
      });
    });
    graph.references.forEach(function (reference, n) {
      var source = reference.source_anchor ? passageId(reference.source, reference.source_anchor) : articleId(reference.source);
      edges.push({ data: { id: "ref" + n, source: source, target: articleId(reference.target), kind: "cites" } });
    });
    return nodes.concat(edges);
  }

  function draw(graph) {
    var ink = colour("--ink", "#1c1d20");
    var accent = colour("--accent", "#1f3a5f");
    var rule = colour("--rule", "#d9d3c7");
    var raised = colour("--paper-raised", "#f3efe6");
    var tagBg = colour("--tag-bg", "#e9eef5");
    var focus = colour("--focus", "#c2410c");
    return window.cytoscape({
      container: container,
      elements: elementsOf(graph),
      minZoom: 0.2,
      maxZoom: 3,
      wheelSensitivity: 0.4,
      boxSelectionEnabled: false,
      autoungrabify: true,
      style: [
        { selector: "node", style: { label: "data(label)", color: ink, "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 120 } },
        { selector: "node[kind = 'article']", style: { shape: "round-rectangle", "background-color": raised, "border-color": accent, "border-width": 2, "text-valign": "top", "text-halign": "center", "font-size": 12, "font-weight": "bold", padding: 12 } },
        { selector: "node[kind = 'passage']", style: { shape: "round-rectangle", "background-color": accent, width: 14, height: 14, "text-valign": "bottom", "font-size": 8 } },
        { selector: "node[kind = 'topic']", style: { shape: "ellipse", "background-color": tagBg, "border-color": accent, "border-width": 1, width: 22, height: 22, "text-valign": "center", "text-halign": "right", "text-margin-x": 4 } },
        { selector: "edge[kind = 'carries']", style: { width: 1, "line-color": rule, "curve-style": "haystack", opacity: 0.7 } },
        { selector: "edge[kind = 'cites']", style: { width: 2, "line-color": accent, "target-arrow-color": accent, "target-arrow-shape": "triangle", "curve-style": "bezier" } },
        { selector: "node.focus", style: { "border-color": focus, "border-width": 4 } },
        { selector: ".faded", style: { opacity: 0.12, "text-opacity": 0 } },
        { selector: ".marked", style: { "border-color": focus, "border-width": 4, "background-color": focus } },
        { selector: "node[kind = 'article'].marked", style: { "background-color": raised } }
      ],
      layout: { name: "cose", animate: false, nodeDimensionsIncludeLabels: true, padding: 16, randomize: false, componentSpacing: 60, nodeRepulsion: function () { return 9000; } }
    });
  }

  function matches(state, articleItem) {
    var topic = state.topic;
    var titleOk = !state.title || folded(articleItem.getAttribute("data-title")).indexOf(state.title) !== -1;
    if (!titleOk) return { article: false, passages: [] };
    var passages = Array.prototype.slice.call(articleItem.querySelectorAll(".map-passage"));
    if (!topic) return { article: true, passages: passages };
    var onArticle = words(articleItem.getAttribute("data-topics")).indexOf(topic) !== -1;
    var carrying = passages.filter(function (item) {
      return words(item.getAttribute("data-topics")).indexOf(topic) !== -1;
    });
    // The passages on the topic; an article carrying it with none of them does: all of it is.
    return { article: onArticle || carrying.length > 0, passages: carrying.length ? carrying : passages.filter(function () { return onArticle; }) };
  }

  function apply(cy) {
    var state = { topic: topicSelect.value, title: folded(titleInput.value.trim()) };
    var shownArticles = 0, shownPassages = 0, keep = {};
    listArticles.forEach(function (item) {
      var found = matches(state, item);
      item.hidden = !found.article;
      Array.prototype.forEach.call(item.querySelectorAll(".map-passage"), function (passage) {
        passage.hidden = found.passages.indexOf(passage) === -1;
      });
      if (found.article) {
        shownArticles += 1;
        shownPassages += found.passages.length;
        keep[articleId(item.getAttribute("data-slug"))] = true;
        found.passages.forEach(function (passage) {
          keep[passageId(item.getAttribute("data-slug"), passage.getAttribute("data-anchor"))] = true;
        });
      }
    });
    if (none) none.hidden = shownArticles > 0;
    var label = topicSelect.value ? topicSelect.options[topicSelect.selectedIndex].text.replace(/ \(.*\)$/, "") : "";
    statusLine.textContent = "Showing " + shownArticles + " article" + (shownArticles === 1 ? "" : "s") +
      " and " + shownPassages + " passage" + (shownPassages === 1 ? "" : "s") + (label ? " on " + label : "") + ".";
    if (!cy) return;
    var filtering = state.topic || state.title;
    cy.batch(function () {
      cy.elements().removeClass("faded");
      if (!filtering) return;
      cy.nodes("[kind != 'topic']").forEach(function (node) {
        if (!keep[node.id()]) node.addClass("faded");
      });
      cy.nodes("[kind = 'topic']").forEach(function (node) {
        var near = node.neighborhood("node").some(function (other) { return keep[other.id()]; });
        var chosen = state.topic && node.data("slug") === state.topic;
        if (!(chosen || (!state.topic && near))) node.addClass("faded");
      });
      cy.edges().forEach(function (edge) {
        if (edge.source().hasClass("faded") || edge.target().hasClass("faded")) edge.addClass("faded");
      });
    });
    var shown = cy.nodes().not(".faded");
    cy.fit(shown.length ? shown : cy.nodes(), 24);
  }

  function markFromList(cy, link) {
    cy.nodes().removeClass("marked");
    var named = link.closest("[data-node]");
    if (named) {
      cy.getElementById(named.getAttribute("data-node")).addClass("marked");
      return;
    }
    var passage = link.closest(".map-passage");
    var article = link.closest(".map-article");
    if (!article) return;
    var id = passage ? passageId(article.getAttribute("data-slug"), passage.getAttribute("data-anchor"))
      : articleId(article.getAttribute("data-slug"));
    cy.getElementById(id).addClass("marked");
  }

  var cy = null;
  if (controls) {
    controls.hidden = false;
    controls.addEventListener("submit", function (event) { event.preventDefault(); });
    topicSelect.addEventListener("change", function () { apply(cy); });
    titleInput.addEventListener("input", function () { apply(cy); });
    apply(null);
  }

  if (!window.cytoscape) return;
  fetch(root.getAttribute("data-graph-url"), { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("graph: " + response.status);
      return response.json();
    })
    .then(function (graph) {
      container.hidden = false;
      legend.hidden = false;
      cy = draw(graph);
      window.topicMap = cy; // for the browser tests, and anyone curious in the console
      cy.on("tap", "node", function (event) {
        var node = event.target;
        if (node.hasClass("faded")) return;
        if (node.data("kind") === "topic" && controls) {
          topicSelect.value = node.data("slug");
          apply(cy);
        } else {
          window.location.assign(node.data("url"));
        }
      });
      root.addEventListener("focusin", function (event) {
        if (event.target.matches(".topic-map__list a")) markFromList(cy, event.target);
      });
      if (focusSlug) cy.getElementById(articleId(focusSlug)).addClass("focus");
      if (controls) apply(cy);
      root.setAttribute("data-ready", "true");
    })
    .catch(function () {
      // The list stays: it holds everything the drawing would.
      container.hidden = true;
      legend.hidden = true;
      root.setAttribute("data-ready", "list-only");
    });
})();
