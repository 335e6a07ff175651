// 守望 village client service worker: keeps the cadre's masked village pages and the workbench's
// own assets for offline use. Only GETs of the village pages and /static are handled; every other
// request (POSTs, other roles' pages, the APIs) goes to the network untouched.
"use strict";
var ASSETS = "shouwang-assets-v2";  // bump when a precached asset changes
var PAGES = "shouwang-village-pages";
var PRECACHE = ["/static/app.css", "/static/app.js", "/static/htmx.min.js", "/static/offline.js",
  "/static/manifest.webmanifest", "/static/icon-192.png", "/static/icon-512.png"];
// the masked pages: task list, visit list, one household's visit form
var CACHED_PAGE = /^\/village(\/visits(\/[^/]+)?)?$/;
// the online task page shows decrypted PII: never stored; its masked copy is primed instead
var TASK_PAGE = /^\/village\/tasks\/[^/]+$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) { return cache.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("shouwang-assets-") === 0 && n !== ASSETS; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  var html = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>离线 · 守望</title>" +
    "<link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main id=\"main\">" +
    "<h1>当前离线</h1><p class=\"warn\" id=\"offline-missing\">此页面未保存到本机，联网后再打开。" +
    "</p><p><a href=\"/village\">我的任务</a> · <a href=\"/village/visits\">月走访</a></p></main></body></html>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function storable(response) {
  var type = response.headers.get("Content-Type") || "";
  return response.ok && !response.redirected && type.indexOf("text/html") === 0;
}

function fromNetwork(request, keep) {
  return fetch(request).then(function (response) {
    if (keep && storable(response)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request.url.split("?")[0], copy); });
    }
    return response;
  });
}

function fromCache(request, name) {
  return caches.open(name).then(function (cache) {
    return cache.match(request.url.split("?")[0]);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var path = url.pathname;
  if (path.indexOf("/static/") === 0) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(ASSETS).then(function (cache) { cache.put(path, copy); });
      }
      return response;
    }).catch(function () {
      return fromCache(request, ASSETS).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  var keep = CACHED_PAGE.test(path);
  if (!keep && !TASK_PAGE.test(path)) { return; }
  event.respondWith(fromNetwork(request, keep).catch(function () {
    return fromCache(request, PAGES).then(function (hit) { return hit || offlinePage(); });
  }));
});

function prime(pages) {
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(pages.map(function (pair) {
      return fetch(pair[0], { credentials: "same-origin" }).then(function (response) {
        if (storable(response)) { return cache.put(new URL(pair[1], self.location.origin).href, response).then(function () { return 1; }); }
        return 0;
      }).catch(function () { return 0; });
    }));
  }).then(function (done) { return done.reduce(function (a, b) { return a + b; }, 0); });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var reply = event.ports && event.ports[0];
  var work;
  if (data.type === "prime") {
    work = prime(data.pages || []).then(function (count) { return { cached: count }; });
  } else if (data.type === "clear") {
    work = caches.delete(PAGES).then(function () { return { cleared: true }; });
  } else {
    return;
  }
  event.waitUntil(work.then(function (answer) { if (reply) { reply.postMessage(answer); } }));
});
