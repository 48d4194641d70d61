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
  var storeKey = "studyapp:attempt:" + form.dataset.attempt;
  var seq = parseInt(form.dataset.seq || "0", 10) || 0;
  var timers = {};
  var note = document.querySelector("[data-autosave-note]");
  if (note) { note.hidden = false; }
  var banner = form.querySelector("[data-connection]");
  var controlled = "serviceWorker" in navigator && !!navigator.serviceWorker.controller;

  function setStatus(fieldset, text, kind) {
    var status = fieldset && fieldset.querySelector("[data-status]");
    if (!status) { return; }
    status.textContent = text;
    status.className = "save-status save-" + kind;
  }

  function questionAt(position) {
    return form.querySelector('fieldset.question[data-position="' + position + '"]');
  }

  function say(text, kind) {
    if (!banner) { return; }
    banner.textContent = text;
    banner.className = text ? "connection-status flash flash-" + kind : "connection-status";
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  // --- answers kept on this device ---------------------------------------------------------------
  // localStorage[storeKey] = {seq: the highest sequence number this attempt has used on this device,
  //   answers: {position: {seq, fields: [[name, value], ...], sent}}}: each question's newest answer not
  // yet acknowledged by the server. `sent` says a request carrying it has left already (its reply may
  // have been lost). An answer is kept before it is sent and dropped once the server has answered.
  var memory = null;  // used instead when the browser keeps nothing (storage turned off or full)

  function readKept() {
    if (memory) { return memory; }
    try {
      var kept = JSON.parse(window.localStorage.getItem(storeKey) || "null");
      if (kept && typeof kept === "object" && kept.answers && typeof kept.answers === "object") {
        kept.seq = parseInt(kept.seq, 10) || 0;
        return kept;
      }
    } catch (error) { /* unreadable: start again */ }
    return { seq: 0, answers: {} };
  }

  function writeKept(kept) {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(kept));
      memory = null;
    } catch (error) {
      memory = kept;
    }
  }

  function fieldsOf(fieldset) {
    var fields = [];
    fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      fields.push([el.name, el.value]);
    });
    return fields;
  }

  function setFields(fieldset, fields) {
    fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) { return; }
      var values = fields.filter(function (pair) { return pair[0] === el.name; })
        .map(function (pair) { return pair[1]; });
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (values.length) {
        el.value = values[0];
      }
    });
  }

  function formData(position, entry) {
    var data = new FormData();
    entry.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.append("position", position);
    data.append("seq", String(entry.seq));
    return data;
  }

  // Keep the question's answer as it is now, under the next sequence number.
  function keep(fieldset) {
    var kept = readKept();
    seq = Math.max(seq, kept.seq) + 1;  // a page from the cache never reuses a number
    kept.seq = seq;
    kept.answers[fieldset.dataset.position] = { seq: seq, fields: fieldsOf(fieldset), sent: false };
    writeKept(kept);
  }

  // Drop a question's kept answer once the server has dealt with `upTo` (a newer one stays).
  function forget(position, upTo) {
    var kept = readKept();
    var entry = kept.answers[position];
    if (entry && entry.seq <= upTo) {
      delete kept.answers[position];
      writeKept(kept);
      return true;
    }
    return !entry;
  }

  function oldest() {
    var answers = readKept().answers;
    var found = null;
    Object.keys(answers).forEach(function (position) {
      if (!found || answers[position].seq < found.entry.seq) { found = { position: position, entry: answers[position] }; }
    });
    return found;
  }

  function keptCount() {
    return Object.keys(readKept().answers).length;
  }

  // --- sending, one answer at a time in the order they were given ---------------------------------
  var sending = false;
  var offline = false;     // a save failed at the connection, or the browser says it is offline
  var wasOffline = false;  // since the last time everything kept was sent
  var counting = false;    // answers kept while offline (or found on loading) are being sent
  var replayed = 0;        // kept answers the server took since then
  var retryTimer = null;
  var backoff = 0;
  var closing = false;
  var leaveWhenSent = false;

  function goToResult(delay) {
    closing = true;
    window.setTimeout(function () { window.location.assign(form.dataset.resultUrl); }, delay);
  }

  function showOffline() {
    say("You are offline. Your answers are kept on this device and will be sent when the connection returns.",
      "warning");
    var answers = readKept().answers;
    Object.keys(answers).forEach(function (position) {
      var fieldset = questionAt(position);
      var status = fieldset && fieldset.querySelector("[data-status]");
      if (status && !status.classList.contains("save-kept")) { setStatus(fieldset, "Kept on this device", "kept"); }
    });
  }

  function wentOffline() {
    offline = true;
    wasOffline = true;
    counting = true;
    showOffline();
  }

  function retry() {
    window.clearTimeout(retryTimer);
    backoff = Math.min(backoff ? backoff * 2 : 1000, 10000);
    retryTimer = window.setTimeout(function () { retryTimer = null; drain(); }, backoff);
  }

  function post(position, entry) {
    return fetch(saveUrl, {
      method: "POST",
      body: formData(position, entry),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      }, function () {
        return { status: response.status, body: null };  // not the app's answer: a proxy, or signed out
      });
    });
  }

  function allSent() {
    backoff = 0;
    if (navigator.onLine === false) { return; }
    offline = false;
    if (counting) {
      var sent = replayed
        ? plural(replayed, "answer kept on this device was sent.", "answers kept on this device were sent.")
        : "";
      if (wasOffline) {
        say(sent ? "Back online: " + sent : "Back online. Your answers are saved as you change them.", "success");
      } else if (sent) {
        say(sent, "success");
      }
    }
    wasOffline = false;
    counting = false;
    replayed = 0;
    if (leaveWhenSent) { goToResult(0); }
  }

  function refused(body) {
    var count = keptCount();
    var answers = readKept().answers;
    Object.keys(answers).forEach(function (position) {
      setStatus(questionAt(position), "Not accepted: " + body.error, "error");
    });
    writeKept({ seq: readKept().seq, answers: {} });
    if (wasOffline || count > 1) {
      say(plural(count, "answer kept on this device was", "answers kept on this device were") +
        " not accepted. " + body.error + " Opening your result…", "error");
      goToResult(4000);
    } else {
      goToResult(0);
    }
  }

  function settle(position, entry, wasSent, result) {
    var fieldset = questionAt(position);
    var body = result.body;
    if (body === null || result.status === 429 || result.status >= 500) {
      retry();  // the server could not deal with it now: it stays kept
      return false;
    }
    if (body.ok) {
      if (counting) { replayed += 1; }
      if (forget(position, Math.max(body.seq || 0, entry.seq))) { setStatus(fieldset, "Saved", "saved"); }
    } else if (body.closed) {
      refused(body);
      return false;
    } else if (forget(position, entry.seq)) {
      if (result.status === 409 && wasSent) {
        setStatus(fieldset, "Saved", "saved");  // an earlier send of this very answer arrived
      } else {
        setStatus(fieldset, "Not saved: " + body.error, "error");
      }
    }
    return true;
  }

  function drain() {
    if (sending || closing) { return; }
    window.clearTimeout(retryTimer);
    retryTimer = null;
    var next = oldest();
    if (!next) { allSent(); return; }
    var wasSent = !!next.entry.sent;
    var kept = readKept();
    if (kept.answers[next.position]) {
      kept.answers[next.position].sent = true;
      writeKept(kept);
    }
    sending = true;
    if (!offline) { setStatus(questionAt(next.position), "Saving…", "saving"); }
    post(next.position, next.entry).then(function (result) {
      sending = false;
      if (settle(next.position, next.entry, wasSent, result)) { drain(); }
    }, function () {
      sending = false;
      wentOffline();
      retry();
    });
  }

  function save(fieldset) {
    keep(fieldset);
    if (offline) {
      setStatus(fieldset, "Kept on this device", "kept");
      if (navigator.onLine !== false && !retryTimer) { drain(); }
    } else {
      drain();
    }
  }

  function schedule(fieldset, delay) {
    var position = fieldset.dataset.position;
    window.clearTimeout(timers[position]);
    timers[position] = window.setTimeout(function () { delete timers[position]; save(fieldset); }, delay);
  }

  // Leaving the page (closing the tab, reloading) with an answer not yet sent: keep it, and send it anyway.
  function flush() {
    Object.keys(timers).forEach(function (position) {
      window.clearTimeout(timers[position]);
      delete timers[position];
      keep(questionAt(position));
    });
    if (offline || navigator.onLine === false || !navigator.sendBeacon) { return; }
    var kept = readKept();
    Object.keys(kept.answers).forEach(function (position) {
      var entry = kept.answers[position];
      if (entry.sent) { return; }
      var data = formData(position, entry);
      data.append("csrf_token", token);
      if (navigator.sendBeacon(saveUrl, data)) { entry.sent = true; }
    });
    writeKept(kept);
  }
  window.addEventListener("pagehide", flush);

  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (!fieldset) { return; }
    setStatus(fieldset, "Unsaved changes", "unsaved");
    var typing = event.target.tagName === "TEXTAREA" || (event.target.type === "text");
    schedule(fieldset, typing ? 800 : 150);
  });

  window.addEventListener("offline", function () { wentOffline(); });
  window.addEventListener("online", function () {
    backoff = 0;
    drain();
  });

  // Answers kept on this device and not yet sent are newer than the ones the server put in this page.
  var waiting = readKept().answers;
  Object.keys(waiting).forEach(function (position) {
    var fieldset = questionAt(position);
    if (!fieldset) { return; }  // a question on another page of the attempt: sent all the same
    setFields(fieldset, waiting[position].fields);
    setStatus(fieldset, "Kept on this device, not yet sent", "kept");
  });
  seq = Math.max(seq, readKept().seq);
  counting = Object.keys(waiting).length > 0;
  if (navigator.onLine === false) {
    wentOffline();
  } else if (counting) {
    drain();
  }

  // The offline copy of this page: a service worker scoped to the attempt pages keeps each one it serves.
  if ("serviceWorker" in navigator && form.dataset.offlineWorker) {
    navigator.serviceWorker.register(form.dataset.offlineWorker).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (controlled || !registration.active) { return; }  // served through it: kept already
      var urls = [window.location.href];
      document.querySelectorAll("link[href], script[src]").forEach(function (el) { urls.push(el.href || el.src); });
      registration.active.postMessage({ type: "keep", urls: urls });
    }).catch(function () { /* no offline copy: autosave works as before */ });
  }

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
  // While offline, posting would only show the browser's error page: the answers stay kept here instead.
  form.addEventListener("submit", function (event) {
    if (offline || navigator.onLine === false) {
      event.preventDefault();
      say("You are offline, so this page cannot be sent now. Your answers are kept on this device and will " +
        "be sent when the connection returns.", "warning");
      if (navigator.onLine !== false) { backoff = 0; drain(); }
      return;
    }
    Object.keys(timers).forEach(function (key) { window.clearTimeout(timers[key]); delete timers[key]; });
    var kept = readKept();  // the post carries this page's answers: a later "newer answer saved" means saved
    Object.keys(kept.answers).forEach(function (position) {
      if (questionAt(position)) { kept.answers[position].sent = true; }
    });
    writeKept(kept);
  });

  // Timer: counts down from the server's deadline; warns five minutes before the end.
  var timer = document.querySelector("[data-deadline]");
  if (timer) {
    var offset = Date.parse(timer.dataset.now) - Date.now();
    // A copy of the page kept for offline use says what the time was when it was made: the clock's offset
    // measured on the newest page seen is kept with the answers and used for older copies.
    var clock = readKept();
    if (clock.rendered && Date.parse(clock.rendered) >= Date.parse(timer.dataset.now) && isFinite(clock.offset)) {
      offset = clock.offset;
    } else {
      clock.rendered = timer.dataset.now;
      clock.offset = offset;
      writeKept(clock);
    }
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
        window.setTimeout(function () {  // not while answers wait on this device: they go first
          if (closing) { return; }
          if (!offline && !oldest()) { goToResult(0); return; }
          leaveWhenSent = true;
          drain();
        }, 2000);
      }
    };
    var handle = window.setInterval(tick, 1000);
    tick();
  }
}());
