// 守望 village client offline: registers the service worker, keeps the village's masked pages on the
// device, queues visit outcomes and monthly visits recorded without signal (localStorage), and
// sends them when the network returns: each with the Idempotency-Key made when it was recorded.
(function () {
  "use strict";
  var QUEUE = "shouwang.offline.queue.v1";
  var SENT = "shouwang.offline.sent.v1";
  var OWNER = "shouwang.offline.user";
  var PRIMED = "shouwang.offline.primed";
  var PRIME_EVERY_MS = 10 * 60 * 1000;
  var flushing = false;

  function read(name) {
    try { return JSON.parse(localStorage.getItem(name) || "[]"); } catch (e) { return []; }
  }
  function write(name, items) { localStorage.setItem(name, JSON.stringify(items)); }
  function user() { return document.body.dataset.user || ""; }
  function csrf() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) { el.className = cls; }
    return el;
  }

  // ---- the panel: what waits on this device, what conflicted, what was just sent ----
  var STATE_LABEL = { pending: "待发送", conflict: "冲突，未能发送", sending: "发送中" };

  function render() {
    var panel = document.getElementById("offline-queue");
    if (!panel) { return; }
    var items = read(QUEUE);
    var mine = items.filter(function (i) { return i.user === user(); });
    var list = document.getElementById("queue-items");
    list.textContent = "";
    mine.forEach(function (item) {
      var li = document.createElement("li");
      li.dataset.state = item.state;
      li.dataset.kind = item.kind;
      li.dataset.key = item.key;
      li.dataset.target = item.target;
      li.appendChild(text("strong", item.label));
      li.appendChild(text("span", " · " + (STATE_LABEL[item.state] || item.state) +
        " · 记录于 " + new Date(item.recorded_at).toLocaleString("zh-CN", { hour12: false })));
      if (item.message) { li.appendChild(text("p", "⚠ " + item.message, "error")); }
      if (item.state === "conflict") {
        var drop = text("button", "已知晓，移除此条");
        drop.type = "button";
        drop.dataset.drop = item.key;
        li.appendChild(drop);
      }
      list.appendChild(li);
    });
    var others = items.length - mine.length;
    var pending = mine.filter(function (i) { return i.state !== "conflict"; }).length;
    var conflicts = mine.length - pending;
    var summary = document.getElementById("queue-summary");
    summary.textContent = mine.length ?
      ("本机待发送 " + pending + " 条" + (conflicts ? "，冲突 " + conflicts + " 条（请核对后处理）" : "")) :
      "本机没有待发送的记录";
    if (others) { summary.textContent += "；另有 " + others + " 条属于其他账号，该账号登录后发送"; }
    panel.dataset.pending = String(pending);
    panel.dataset.conflicts = String(conflicts);
    var sent = read(SENT).filter(function (i) { return i.user === user(); });
    var done = document.getElementById("queue-sent");
    done.textContent = "";
    sent.slice(-5).forEach(function (item) {
      var li = text("li", "✔ " + item.label + " · 已发送" + (item.already ? "（此前已送达）" : ""));
      li.dataset.key = item.key;
      done.appendChild(li);
    });
    markCards(mine);
  }

  function markCards(mine) {
    document.querySelectorAll("[data-household-id], [data-task-id]").forEach(function (card) {
      if (card.tagName !== "LI") { return; }
      var id = card.dataset.householdId || card.dataset.taskId;
      var waiting = mine.some(function (i) { return i.target === id; });
      var badge = card.querySelector(".queued-badge");
      if (waiting && !badge) { card.appendChild(text("span", "本机待发送", "badge colour-amber queued-badge")); }
      if (!waiting && badge) { badge.remove(); }
    });
  }

  function showNet() {
    var net = document.getElementById("net-status");
    if (!net) { return; }
    net.dataset.online = navigator.onLine ? "yes" : "no";
    net.textContent = navigator.onLine ? "在线" : "离线：记录将保存在本机，联网后自动发送";
  }

  // ---- recording: a form with data-offline is queued when there is no network ----
  function fieldsOf(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "idempotency_key") { fields[name] = String(value); }
    });
    return fields;
  }

  function enqueue(form, key) {
    var fields = fieldsOf(form);
    if (form.dataset.offline === "report" && !fields.outcome) {
      return "请选择核实结果";
    }
    var items = read(QUEUE);
    items.push({
      key: key || newKey(),
      kind: form.dataset.offline,
      target: form.dataset.target,
      url: form.dataset.offlineUrl,
      label: form.dataset.offlineLabel + (fields.month ? "（" + fields.month + "）" : ""),
      fields: fields,
      user: user(),
      state: "pending",
      recorded_at: new Date().toISOString()
    });
    write(QUEUE, items);
    return null;
  }

  function queued(form, problem) {
    var note = document.getElementById("queued-notice") || text("p", "", "");
    note.id = "queued-notice";
    note.setAttribute("role", problem ? "alert" : "status");
    note.className = problem ? "error" : "flash ok";
    note.textContent = problem ? "⚠ " + problem : "✔ 当前离线，记录已保存在本机，联网后自动发送（见页面底部“待发送”）";
    form.parentNode.insertBefore(note, form);
    if (!problem) { form.hidden = true; }
    render();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.offline || navigator.onLine) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    queued(form, enqueue(form, null));
  }, true);

  // online, but the request never got through (lie-fi): keep it, with the page's own key
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || !form.dataset || !form.dataset.offline) { return; }
    var key = form.querySelector("input[name=idempotency_key]");
    queued(form, enqueue(form, key ? key.value : null));
  });

  // ---- sending: one at a time, each with its own key; conflicts stay on screen ----
  function update(key, change) {
    var items = read(QUEUE);
    items.forEach(function (item) { if (item.key === key) { Object.assign(item, change); } });
    write(QUEUE, items.filter(function (item) { return !item.remove; }));
  }

  function delivered(item, answer) {
    update(item.key, { remove: true });
    var sent = read(SENT);
    sent.push({ key: item.key, label: item.label, user: item.user, already: !!answer.already });
    write(SENT, sent.slice(-20));
  }

  function sendOne(item) {
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(),
        "Idempotency-Key": item.key, "Accept": "application/json" },
      body: JSON.stringify({ key: item.key, fields: item.fields })
    }).then(function (resp) {
      var json = (resp.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) {  // CSRF page or a proxy's error: try again after a reload, keep the record
        update(item.key, { state: "pending", message: "页面校验已失效，请刷新页面后自动重发" });
        return "stop";
      }
      return resp.json().then(function (answer) {
        if (answer.ok) { delivered(item, answer); return "next"; }
        if (resp.status === 401) {
          update(item.key, { state: "pending", message: "登录已过期：重新登录后自动发送" });
          return "stop";
        }
        if (resp.status >= 500 || resp.status === 429) {
          update(item.key, { state: "pending", message: "服务暂时不可用，稍后自动重发" });
          return "stop";
        }
        update(item.key, { state: "conflict", message: answer.message || ("服务器拒绝（" + resp.status + "）") });
        return "next";
      });
    }).catch(function () { return "stop"; });  // still no network: keep everything
  }

  function flush() {
    if (flushing || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    var run = function () {
      var loop = function () {
        var next = read(QUEUE).filter(function (i) { return i.user === user() && i.state === "pending"; })[0];
        if (!next) { return Promise.resolve(); }
        return sendOne(next).then(function (how) { render(); return how === "next" ? loop() : null; });
      };
      return loop();
    };
    var locked = navigator.locks ? navigator.locks.request("shouwang-offline-queue", run) : run();
    return Promise.resolve(locked).then(function () { flushing = false; render(); },
      function () { flushing = false; render(); });
  }

  // ---- keeping the village's masked pages on the device ----
  function ask(message) {
    return navigator.serviceWorker.ready.then(function (reg) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (e) { resolve(e.data); };
        reg.active.postMessage(message, [channel.port2]);
      });
    });
  }

  function prime(force) {
    var net = document.getElementById("net-status");
    if (!navigator.onLine || !("serviceWorker" in navigator)) { return; }
    var last = Number(localStorage.getItem(PRIMED) || 0);
    if (!force && localStorage.getItem(OWNER) === user() && Date.now() - last < PRIME_EVERY_MS) {
      if (net) { net.dataset.cached = net.dataset.cached || "kept"; }
      return;
    }
    var owner = localStorage.getItem(OWNER);
    var start = owner && owner !== user() ? ask({ type: "clear" }) : Promise.resolve();
    start.then(function () {
      return fetch("/village/offline/pages", { credentials: "same-origin", headers: { "Accept": "application/json" } });
    }).then(function (resp) { return resp.ok ? resp.json() : null; }).then(function (answer) {
      if (!answer) { return; }
      return ask({ type: "prime", pages: answer.pages }).then(function (done) {
        localStorage.setItem(OWNER, user());
        localStorage.setItem(PRIMED, String(Date.now()));
        if (net) { net.dataset.cached = String(done.cached); }
        var saved = document.getElementById("offline-saved");
        if (saved) { saved.textContent = "已保存 " + done.cached + " 个页面供离线使用"; }
      });
    }).catch(function () { /* offline again: next time */ });
  }

  var registered = false;

  function setup() {
    if (!document.getElementById("offline-queue")) { return; }
    if (!registered && "serviceWorker" in navigator) {
      registered = true;
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () { prime(false); });
    }
    showNet();
    render();
    var refresh = document.getElementById("offline-refresh");
    if (refresh && !refresh.dataset.bound) {
      refresh.dataset.bound = "1";
      refresh.addEventListener("click", function () { prime(true); });
    }
    flush();
  }

  document.addEventListener("click", function (event) {
    var key = event.target && event.target.dataset && event.target.dataset.drop;
    if (!key) { return; }
    update(key, { remove: true });
    render();
  });
  document.addEventListener("submit", function (event) {
    if (event.target.action && /\/logout$/.test(event.target.action) && "serviceWorker" in navigator) {
      localStorage.removeItem(PRIMED);
      ask({ type: "clear" });
    }
  });
  window.addEventListener("online", function () { showNet(); flush(); prime(false); });
  window.addEventListener("offline", showNet);
  window.addEventListener("storage", render);
  document.addEventListener("DOMContentLoaded", setup);
  document.addEventListener("htmx:afterSettle", setup);
  setInterval(function () { if (read(QUEUE).length) { flush(); } }, 30000);
})();
