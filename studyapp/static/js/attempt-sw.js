// The attempt pages' service worker, served at /attempts/sw.js so that it sees only the pages under
// /attempts/ (and the styles and scripts those pages load). Network first: each page and file is fetched
// as usual and a copy of each good answer kept; only when the network fails is the kept copy shown, so a
// student who reloads an attempt while offline still sees it (quiz.js then fills in the answers kept on
// the device). A redirect (the attempt was submitted) or an error drops the kept copy of that page.
"use strict";

var CACHE = "studyapp-attempts-v1";
var ATTEMPT_PAGE = /^\/attempts\/(\d+)$/;
var RESULT_PAGE = /^\/attempts\/(\d+)\/result$/;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("studyapp-attempts-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function sameOrigin(url) {
  return url.origin === self.location.origin;
}

function isPage(request, url) {
  return request.mode === "navigate" && url.pathname.indexOf("/attempts/") === 0;
}

function isAsset(url) {
  return url.pathname.indexOf("/static/") === 0;
}

function isHtml(response) {
  return (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

// Keep one copy of each file: a file's new fingerprint (?v=) replaces the copy kept under the old one.
function keepAsset(cache, url, response) {
  return cache.keys(url, { ignoreSearch: true }).then(function (old) {
    return Promise.all(old.filter(function (request) { return request.url !== url; })
      .map(function (request) { return cache.delete(request); }));
  }).then(function () { return cache.put(url, response); });
}

// Keep (or drop) the copy of a page after the network answered.
function rememberPage(url, response) {
  return caches.open(CACHE).then(function (cache) {
    if (response.type === "opaqueredirect" || response.status !== 200 || !isHtml(response)) {
      return cache.delete(url.href);
    }
    var done = cache.put(url.href, response);
    var result = RESULT_PAGE.exec(url.pathname);
    if (result) {  // submitted: the attempt's own pages are no longer worth showing offline
      done = done.then(function () {
        return cache.delete(self.location.origin + "/attempts/" + result[1], { ignoreSearch: true });
      });
    }
    return done;
  });
}

function fromCache(url) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(url.href, { ignoreVary: true });
  }).then(function (kept) {
    return kept || Response.error();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (!sameOrigin(url)) { return; }
  if (isPage(request, url)) {
    event.respondWith(fetch(request).then(function (response) {
      event.waitUntil(rememberPage(url, response.clone()));
      return response;
    }, function () { return fromCache(url); }));
  } else if (isAsset(url)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.status === 200) {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (cache) { return keepAsset(cache, url.href, copy); }));
      }
      return response;
    }, function () { return fromCache(url); }));
  }
});

// The page that registered this worker was loaded before the worker ran: it asks for itself and its
// files to be kept, so that the first visit can already be reloaded offline.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) { return; }
  event.waitUntil(Promise.all(data.urls.map(function (href) {
    var url = new URL(href, self.location.origin);
    url.hash = "";
    if (!sameOrigin(url)) { return null; }
    if (ATTEMPT_PAGE.test(url.pathname)) {
      return fetch(url.href, { credentials: "same-origin", redirect: "manual" })
        .then(function (response) { return rememberPage(url, response); }, function () { return null; });
    }
    if (isAsset(url)) {
      return fetch(url.href, { credentials: "same-origin" }).then(function (response) {
        if (response.status !== 200) { return null; }
        return caches.open(CACHE).then(function (cache) { return keepAsset(cache, url.href, response); });
      }, function () { return null; });
    }
    return null;
  })).then(function () {
    if (event.source) { event.source.postMessage({ type: "kept" }); }
  }));
});
