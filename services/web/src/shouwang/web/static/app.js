// 守望工作台: live task feed (SSE), window countdown, login hints. htmx does the rest.
(function () {
  "use strict";
  var source = null;
  var LABELS = {
    TaskCreated: "新增核实任务", TaskSignalAttached: "任务追加预警信号", TaskAssigned: "任务已分派",
    TaskReported: "村级已上报核实结果", TaskConfirmed: "任务已确认", TaskReturned: "任务已退回县级",
    TaskRerouted: "县级改派任务", TaskOverdue: "任务逾期"
  };

  // Task events are looked at a burst at a time (a batch lands as one): the table is fetched again
  // at most once a burst, and only when an event may change what it shows. The stream opens at
  // the position the page was read at, so it brings only what came since.
  var STATUS_AFTER = {
    TaskAssigned: "assigned", TaskReported: "reported", TaskConfirmed: "confirmed",
    TaskReturned: "returned"
  };
  var NARROWING = ["status", "village_code", "channel", "colour", "cursor"];
  var burst = [];
  var quietTimer = null;
  var burstTimer = null;

  function shownRow(taskId) {
    return taskId ? document.querySelector('#task-table tr[data-task-id="' + taskId + '"]') : null;
  }

  function changesTable(events) {
    var query = new URLSearchParams(window.location.search);
    // the first page of all the township's tasks, newest first (else: anything may change it)
    var whole = NARROWING.every(function (name) { return !query.get(name); });
    // the feed is in order: a task created before one the table shows is older, on a later page
    var lastShown = -1;
    events.forEach(function (e, i) {
      if (e.type === "TaskCreated" && shownRow(e.taskId)) { lastShown = i; }
    });
    return events.some(function (e, i) {
      var row = shownRow(e.taskId);
      if (row) {
        if (e.type === "TaskCreated") { return false; }
        if (row.dataset.status !== STATUS_AFTER[e.type]) { return true; }
        return e.type === "TaskAssigned" && row.dataset.village !== e.village;
      }
      // a task not shown: news when new (or moved here), else older than every row shown
      return !whole || e.type === "TaskRerouted" || (e.type === "TaskCreated" && i > lastShown);
    });
  }

  function flushBurst() {
    clearTimeout(quietTimer);
    clearTimeout(burstTimer);
    quietTimer = burstTimer = null;
    var events = burst;
    burst = [];
    if (document.getElementById("task-table") && changesTable(events)) { refreshTable(); }
  }

  function noteTask(type, data) {
    burst.push({ type: type, taskId: data.task_id || "", village: data.village_code || "" });
    clearTimeout(quietTimer);
    quietTimer = setTimeout(flushBurst, 300);
    if (!burstTimer) { burstTimer = setTimeout(flushBurst, 3000); }
  }

  function refreshTable() {
    if (document.querySelector("#task-table input[type=checkbox]:checked")) {
      document.getElementById("refresh").hidden = false;  // keep the officer's ticks
      return;
    }
    htmx.ajax("GET", window.location.pathname + window.location.search,
      { target: "#task-table", select: "#task-table", swap: "outerHTML" });
  }

  function onTask(event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { return; }
    var feed = document.getElementById("live-feed");
    if (!feed) { return; }
    var item = document.createElement("li");
    item.dataset.type = event.type;
    item.dataset.taskId = data.task_id || "";
    item.textContent = (LABELS[event.type] || event.type) + "：" + (data.name_masked || "") +
      "（" + (data.village_code || data.township_code || "") + "）";
    feed.insertBefore(item, feed.firstChild);
    while (feed.children.length > 8) { feed.removeChild(feed.lastChild); }
    noteTask(event.type, data);
  }

  function showLive(text, state) {
    var status = document.getElementById("live-status");
    if (status) { status.textContent = text; status.dataset.state = state; }
  }

  function showSourceState() {
    if (source && source.readyState === EventSource.OPEN) { showLive("实时更新已连接", "open"); }
  }

  function setupLive() {
    var live = document.getElementById("live");
    if (!live) {
      if (source) { source.close(); source = null; }
      return;
    }
    if (source) { showSourceState(); return; }  // the page was swapped, the stream lives on
    source = new EventSource(live.dataset.stream);
    source.onopen = function () { showLive("实时更新已连接", "open"); };
    source.onerror = function () { showLive("实时连接中断，正在重连…", "error"); };
    Object.keys(LABELS).forEach(function (type) { source.addEventListener(type, onTask); });
    source.addEventListener("upstream_error", function (event) {
      showLive(JSON.parse(event.data).message, "error");
    });
  }

  function tickCountdowns() {
    document.querySelectorAll(".countdown").forEach(function (el) {
      if (!el.dataset.loadedAt) { el.dataset.loadedAt = String(Date.now()); }
      var now = Date.parse(el.dataset.now) + (Date.now() - Number(el.dataset.loadedAt));
      var left = Math.max(0, Math.floor((Date.parse(el.dataset.until) - now) / 1000));
      el.textContent = Math.floor(left / 86400) + "天" + Math.floor(left % 86400 / 3600) + "小时" +
        Math.floor(left % 3600 / 60) + "分" + (left % 60) + "秒";
    });
  }

  function setupLogin() {
    var role = document.getElementById("role");
    if (!role || role.dataset.bound) { return; }
    role.dataset.bound = "1";
    role.addEventListener("change", function () {
      var option = role.options[role.selectedIndex];
      document.getElementById("scope").placeholder = option.dataset.default;
      document.getElementById("scope-hint").textContent =
        "留空则使用示例：" + option.dataset.default + "（" + option.dataset.hint + "）";
    });
  }

  // The household signs on the phone screen: strokes on a <canvas>, kept as a PNG data URL.
  function setupSignature() {
    var pad = document.getElementById("sign-pad");
    if (!pad || pad.dataset.bound) { return; }
    pad.dataset.bound = "1";
    var out = document.getElementById("signature_png");
    var state = document.getElementById("sign-state");
    var ctx = pad.getContext("2d");
    var drawing = false;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    function at(event) {
      var box = pad.getBoundingClientRect();
      return [(event.clientX - box.left) * pad.width / box.width,
        (event.clientY - box.top) * pad.height / box.height];
    }
    pad.addEventListener("pointerdown", function (event) {
      drawing = true;
      pad.setPointerCapture(event.pointerId);
      var p = at(event);
      ctx.beginPath(); ctx.moveTo(p[0], p[1]);
    });
    pad.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = at(event);
      ctx.lineTo(p[0], p[1]); ctx.stroke();
    });
    function end() {
      if (!drawing) { return; }
      drawing = false;
      out.value = pad.toDataURL("image/png");
      state.textContent = "已签字";
      state.dataset.signed = "yes";
    }
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
    document.getElementById("sign-clear").addEventListener("click", function () {
      ctx.clearRect(0, 0, pad.width, pad.height);
      out.value = "";
      state.textContent = "尚未签字";
      delete state.dataset.signed;
    });
  }

  function setup() {
    setupSignature();
    setupLive();
    setupLogin();
    var refresh = document.getElementById("refresh");
    if (refresh && !refresh.dataset.bound) {
      refresh.dataset.bound = "1";
      refresh.addEventListener("click", function () { window.location.reload(); });
    }
  }

  document.addEventListener("DOMContentLoaded", setup);
  document.addEventListener("htmx:afterSettle", setup);
  setInterval(tickCountdowns, 1000);
})();
