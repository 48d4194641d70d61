// The question editor: render the preview on the server as the author types, number the
// lines, mark the ones with a problem, and move to a line from the list of problems.
// Without this script the "Preview" button posts the form and the server renders the same.
(function () {
  "use strict";

  var form = document.querySelector("form[data-editor]");
  if (!form) { return; }
  var source = form.querySelector("textarea[name='source']");
  var gutter = form.querySelector("[data-gutter]");
  var summary = form.querySelector("[data-summary]");
  var problems = form.querySelector("[data-problems]");
  var preview = document.querySelector("[data-preview]");
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  var url = form.dataset.previewUrl;
  var sent = 0;
  var timer = null;
  var lastText = source.value;
  var errorLines = {};

  function lineCount() {
    return source.value.split("\n").length;
  }

  // One number per line of the text; the lines with a problem are marked (the list says why).
  function drawGutter() {
    var count = lineCount();
    source.rows = Math.max(count + 2, 12);
    while (gutter.children.length < count) {
      var span = document.createElement("span");
      span.textContent = String(gutter.children.length + 1);
      gutter.appendChild(span);
    }
    while (gutter.children.length > count) {
      gutter.removeChild(gutter.lastChild);
    }
    Array.prototype.forEach.call(gutter.children, function (span, index) {
      var messages = errorLines[index + 1];
      span.className = messages ? "line-error" : "";
      if (messages) { span.title = messages.join("; "); } else { span.removeAttribute("title"); }
    });
    gutter.scrollTop = source.scrollTop;
  }

  function setProblems(list) {
    errorLines = {};
    list.forEach(function (p) {
      (errorLines[p.line] = errorLines[p.line] || []).push(p.message);
    });
    if (list.length) { source.setAttribute("aria-invalid", "true"); } else { source.removeAttribute("aria-invalid"); }
    drawGutter();
  }

  function show(body) {
    preview.innerHTML = body.html;
    problems.innerHTML = body.problems_html;
    if (summary.textContent.trim() !== body.summary) {
      summary.textContent = body.summary;
    }
    summary.className = "problems-summary" + (body.problems.length ? " has-problems" : (body.ok ? " no-problems" : ""));
    setProblems(body.problems);
  }

  function refresh() {
    var data = new FormData();
    data.append("source", source.value);
    if (form.dataset.question) { data.append("question", form.dataset.question); }
    sent += 1;
    var mine = sent;
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(function (body) {
      if (mine !== sent || body.html === undefined) { return; }  // a newer preview is on its way
      show(body);
    }).catch(function () {
      if (mine === sent) { summary.textContent = "The preview could not be updated (no connection?). Use the Preview button."; }
    });
  }

  source.addEventListener("input", function () {
    drawGutter();
    if (source.value === lastText) { return; }
    lastText = source.value;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 350);
  });
  source.addEventListener("scroll", function () { gutter.scrollTop = source.scrollTop; });

  // A problem's link puts the cursor at the start of its line and selects that line.
  problems.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-line]");
    if (!link) { return; }
    event.preventDefault();
    var lines = source.value.split("\n");
    var line = Math.min(parseInt(link.dataset.line, 10), lines.length);
    var start = 0;
    for (var i = 0; i < line - 1; i += 1) { start += lines[i].length + 1; }
    source.focus();
    source.setSelectionRange(start, start + lines[line - 1].length);
  });

  // Seed the marks from the server's first rendering.
  var initial = [];
  problems.querySelectorAll("a[data-line]").forEach(function (link) {
    initial.push({ line: parseInt(link.dataset.line, 10), message: link.parentNode.textContent });
  });
  setProblems(initial);
})();
