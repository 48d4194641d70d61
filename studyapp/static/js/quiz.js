// Quiz pages: save each answer as it changes, show the save status, count down the time,
// keep orderings consistent, and send a submission once. Without this script the same
// form still works by posting.
(function () {
  "use strict";

  var form = document.querySelector("form.attempt-form");
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content;

  // Submit buttons marked data-once disable themselves after the first click.
  document.querySelectorAll("[data-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  if (!form) { return; }
  var saveUrl = form.dataset.autosaveUrl;
  var seq = parseInt(form.dataset.seq || "0", 10);
  var pending = {};
  var timers = {};
  var note = document.querySelector("[data-autosave-note]");
  if (note) { note.hidden = false; }

  function setStatus(fieldset, text, kind) {
    var status = fieldset.querySelector("[data-status]");
    if (!status) { return; }
    status.textContent = text;
    status.className = "save-status save-" + kind;
  }

  function fieldsOf(fieldset) {
    var data = new FormData();
    fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      data.append(el.name, el.value);
    });
    return data;
  }

  function save(fieldset) {
    var position = fieldset.dataset.position;
    var data = fieldsOf(fieldset);
    seq += 1;
    var mine = seq;
    data.append("position", position);
    data.append("seq", String(mine));
    pending[position] = mine;
    setStatus(fieldset, "Saving…", "saving");
    return fetch(saveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      if (pending[position] !== mine) { return; }  // a newer save of this question is on its way
      delete pending[position];
      if (result.body.ok) {
        setStatus(fieldset, "Saved", "saved");
      } else if (result.body.closed) {
        setStatus(fieldset, result.body.error, "error");
        window.location.assign(form.dataset.resultUrl);
      } else {
        setStatus(fieldset, "Not saved: " + result.body.error, "error");
      }
    }).catch(function () {
      if (pending[position] !== mine) { return; }
      setStatus(fieldset, "Not saved: no connection. Your answer is kept on this page; it will be sent again.", "error");
      schedule(fieldset, 5000);
    });
  }

  function schedule(fieldset, delay) {
    var position = fieldset.dataset.position;
    window.clearTimeout(timers[position]);
    timers[position] = window.setTimeout(function () { delete timers[position]; save(fieldset); }, delay);
  }

  // Leaving the page (closing the tab, reloading) with an answer not yet sent: send it anyway.
  function flush() {
    Object.keys(timers).forEach(function (position) {
      window.clearTimeout(timers[position]);
      delete timers[position];
      var fieldset = form.querySelector('fieldset.question[data-position="' + position + '"]');
      var data = fieldsOf(fieldset);
      seq += 1;
      data.append("position", position);
      data.append("seq", String(seq));
      data.append("csrf_token", token);
      navigator.sendBeacon(saveUrl, data);
    });
  }
  window.addEventListener("pagehide", flush);

  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (!fieldset) { return; }
    setStatus(fieldset, "Unsaved changes", "unsaved");
    var typing = event.target.tagName === "TEXTAREA" || (event.target.type === "text");
    schedule(fieldset, typing ? 800 : 150);
  });

  // Ordering: choosing a place for one item gives its old place to the item that had the new one,
  // so the places always stay 1..n (keyboard users only ever use the selects).
  form.querySelectorAll("[data-ordering]").forEach(function (list) {
    list.addEventListener("focusin", function (event) {
      if (event.target.tagName === "SELECT") { event.target.dataset.previous = event.target.value; }
    });
    list.addEventListener("change", function (event) {
      var select = event.target;
      if (select.tagName !== "SELECT") { return; }
      var previous = select.dataset.previous;
      list.querySelectorAll("select").forEach(function (other) {
        if (other !== select && other.value === select.value && previous) { other.value = previous; }
      });
      select.dataset.previous = select.value;
    });
  });

  // Posting the page sends every answer on it, so scheduled saves are no longer needed.
  form.addEventListener("submit", function () {
    Object.keys(timers).forEach(function (key) { window.clearTimeout(timers[key]); delete timers[key]; });
  });

  // Timer: counts down from the server's deadline; warns five minutes before the end.
  var timer = document.querySelector("[data-deadline]");
  if (timer) {
    var offset = Date.parse(timer.dataset.now) - Date.now();
    var deadline = Date.parse(timer.dataset.deadline);
    var remaining = timer.querySelector("[data-remaining]");
    var warning = document.querySelector("[data-timer-warning]");
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      remaining.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left <= 300 && warning && warning.hidden) { warning.hidden = false; }
      if (left <= 0) {
        window.clearInterval(handle);
        remaining.textContent = "time is up";
        window.setTimeout(function () { window.location.assign(form.dataset.resultUrl); }, 2000);
      }
    };
    var handle = window.setInterval(tick, 1000);
    tick();
  }
}());
