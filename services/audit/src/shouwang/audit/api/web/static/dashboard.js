// County dashboard: loads the pre-aggregated metrics, follows the live audit stream (SSE).
(function () {
  "use strict";
  // NOTE: no token in this page or its URLs: the fetches and the EventSource are same-origin and
  // carry the workbench's HttpOnly session cookie (or a caller's own Authorization header).
  const county = document.body.dataset.county;
  const period = document.body.dataset.period;
  const STATUS = { on_time: "按时推送", late: "延期推送", urgent_only: "仅紧急推送",
                   missing: "未推送（已提醒）", not_pushed: "尚未推送" };
  const TYPES = {
    "shouwang.warning.batch.filed.v1": "部门预警推送备案",
    "shouwang.warning.batch.processed.v1": "预警批次比对完成",
    "shouwang.warning.push.missing.v1": "部门未按期推送",
    "shouwang.warning.task.created.v1": "新增核实任务",
    "shouwang.warning.task.signal_attached.v1": "任务追加预警信息",
    "shouwang.warning.task.assigned.v1": "任务已分派到村",
    "shouwang.warning.task.reported.v1": "村级核实已上报",
    "shouwang.warning.task.confirmed.v1": "乡镇已确认",
    "shouwang.warning.task.returned.v1": "任务退回县级",
    "shouwang.warning.task.rerouted.v1": "任务改派",
    "shouwang.warning.task.overdue.v1": "任务逾期",
    "shouwang.warning.item.unroutable.v1": "预警无法分派",
    "shouwang.intake.declaration.received.v1": "收到农户申报",
    "shouwang.assistance.household.status_changed.v1": "农户状态变更",
    "shouwang.assistance.identification.step_recorded.v1": "识别认定环节办理",
    "shouwang.assistance.plan.recorded.v1": "制定帮扶计划",
    "shouwang.assistance.campaign.problem_recorded.v1": "排查发现问题",
    "shouwang.assistance.campaign.problem_closed.v1": "问题整改销号",
  };
  const pct = (x) => (x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%");
  const when = (iso) => new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai",
    hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", second: "2-digit" });
  const text = (v) => (v === null || v === undefined ? "—" : String(v));
  const el = (tag, attrs, children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    (children || []).forEach((c) => node.append(c instanceof Node ? c : text(c)));
    return node;
  };
  const api = (path) => fetch(path, { credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); });
  const table = (id, head, rows) => {
    const t = document.getElementById(id);
    t.replaceChildren(el("tr", {}, head.map((h) => el("th", {}, [h]))), ...rows);
  };
  // NOTE: ECharts (1 MB) loads only when a chart scrolls into view: on a phone the tiles and
  // tables come first and stay responsive; the chart boxes keep their height meanwhile (no shift).
  let trendChart = null, townChart = null, colourChart = null, categoryChart = null,
    riskChart = null, latest = null, chartsRequested = false;
  function drawCharts() {
    if (!latest || !trendChart) { return; }
    renderCharts(latest); renderHouseholdCharts(latest);
  }
  function loadCharts() {
    if (chartsRequested) { return; }
    chartsRequested = true;
    const script = el("script", { src: "/static/echarts.min.js" });
    script.onload = () => {
      const init = (id) => echarts.init(document.getElementById(id));
      trendChart = init("trend"); townChart = init("township-chart");
      colourChart = init("colour-chart"); categoryChart = init("category-chart");
      riskChart = init("risk-chart");
      drawCharts();
    };
    document.head.appendChild(script);
  }
  if ("IntersectionObserver" in window) {
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { seen.disconnect(); loadCharts(); }
    });
    document.querySelectorAll(".chart").forEach((box) => seen.observe(box));
  } else {
    loadCharts();
  }

  function renderKpis(k) {
    const tiles = [["核实任务", k.created], ["已办结", k.closed], ["办结率", pct(k.closure_rate)],
      ["逾期任务", k.overdue], ["核实用时中位数（小时）", k.median_hours_to_verify],
      ["部门按时推送率", pct(k.compliance_rate)], ["超时限（红）", k.red],
      ["临近时限（黄）", k.amber], ["识别认定15日内按时率", pct(k.identification_on_time_rate)],
      ["帮扶计划10日内按时率", pct(k.plan_on_time_rate)], ["监测对象（户）", k.monitoring_objects],
      ["整改完成率", pct(k.rectification_rate)]];
    document.getElementById("kpis").replaceChildren(...tiles.map(([label, value]) =>
      el("div", { class: "tile", "data-kpi": label }, [el("b", {}, [text(value)]), label])));
  }

  function renderTables(m) {
    table("compliance", ["部门", "状态", "按时", "延期", "紧急", "受理条数"], m.compliance.map((r) =>
      el("tr", { "data-department": r.department }, [el("td", {}, [r.department_name]),
        el("td", { class: "s-" + r.status }, [STATUS[r.status] || r.status]),
        el("td", {}, [r.on_time]), el("td", {}, [r.extended]), el("td", {}, [r.urgent]),
        el("td", {}, [r.accepted])])));
    table("townships", ["名次", "乡镇", "任务", "待分派", "核实中", "已办结", "逾期", "办结率"],
      m.townships.map((r) => el("tr", { "data-township": r.township_code }, [
        el("td", {}, [r.rank]), el("td", {}, [r.township_name]), el("td", {}, [r.created]),
        el("td", {}, [r.routed]), el("td", {}, [r.assigned + r.reported]),
        el("td", {}, [r.closed]), el("td", {}, [r.overdue]), el("td", {}, [pct(r.closure_rate)])])));
  }

  function renderCharts(m) {
    trendChart.setOption({ tooltip: { trigger: "axis" }, legend: { data: ["新增", "办结", "逾期"] },
      xAxis: { type: "category", data: m.trend.map((t) => t.period) }, yAxis: { type: "value" },
      series: [{ name: "新增", type: "bar", data: m.trend.map((t) => t.created) },
               { name: "办结", type: "bar", data: m.trend.map((t) => t.closed) },
               { name: "逾期", type: "line", data: m.trend.map((t) => t.overdue) }] });
    const names = m.townships.map((t) => t.township_name);
    const series = [["待分派", "routed"], ["已分派", "assigned"], ["已上报", "reported"],
      ["已确认", "confirmed"], ["退回", "returned"]].map(([name, key]) => ({
      name, type: "bar", stack: "s", data: m.townships.map((t) => t[key]) }));
    townChart.setOption({ tooltip: { trigger: "axis" }, legend: {},
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: 40 } },
      yAxis: { type: "value", minInterval: 1 }, series });
  }

  function renderHouseholdCharts(m) {
    const towns = m.deadline_colours.townships;
    colourChart.setOption({ tooltip: { trigger: "axis" }, legend: {},
      color: ["#2e7d32", "#f9a825", "#c62828"],
      xAxis: { type: "category", data: towns.map((t) => t.township_name),
               axisLabel: { interval: 0, rotate: 40 } }, yAxis: { type: "value", minInterval: 1 },
      series: [["绿色", "green"], ["黄色", "amber"], ["红色", "red"]].map(([name, key]) => ({
        name, type: "bar", stack: "c", data: towns.map((t) => t[key]) })) });
    categoryChart.setOption({ tooltip: { trigger: "item" }, legend: { bottom: 0 },
      series: [{ type: "pie", radius: "60%",
                 data: m.monitoring.by_category.map((r) => ({ name: r.value, value: r.count })) }] });
    riskChart.setOption({ tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: m.monitoring.by_risk_type.map((r) => r.value) },
      yAxis: { type: "value" },
      series: [{ name: "户数", type: "bar", data: m.monitoring.by_risk_type.map((r) => r.count) }] });
  }

  function renderHouseholds(m) {
    const rect = m.rectification;
    table("rectification", ["乡镇", "问题数", "已销号", "按期", "完成率"],
      [...rect.townships, { township_name: "全县", ...rect.total }].map((r) =>
        el("tr", { "data-township": r.township_code || "" }, [el("td", {}, [r.township_name]),
          el("td", {}, [r.recorded]), el("td", {}, [r.closed]), el("td", {}, [r.closed_on_time]),
          el("td", {}, [pct(r.rate)])])));
  }

  function renderOverdue(items) {
    table("overdue", ["任务", "乡镇", "环节", "截止时间"], items.map((t) => {
      const link = el("a", { class: "task", "data-task": t.task_id }, [t.task_id.slice(0, 8)]);
      link.addEventListener("click", () => showHistory(t.task_id));
      return el("tr", {}, [el("td", {}, [link]), el("td", {}, [t.township_name]),
        el("td", {}, [t.stage === "assign" ? "分派" : "核实上报"]), el("td", {}, [when(t.due_at)])]);
    }));
  }

  function showHistory(taskId) {
    api("/api/v1/audit/events?subject=" + encodeURIComponent(taskId)).then((page) => {
      const box = document.getElementById("history");
      box.replaceChildren(el("p", {}, ["任务 " + taskId]), el("ol", { id: "history-list" },
        page.items.map((e) => el("li", { "data-type": e.type },
          [when(e.time) + " " + (TYPES[e.type] || e.type) +
           (e.actor ? "（" + e.actor + "）" : "")]))));
    });
  }

  let pending = null;
  function load() {
    pending = null;
    const q = "?county=" + county + "&period=" + period;
    api("/api/v1/metrics/supervision" + q).then((m) => {
      renderKpis(m.kpis); renderTables(m); renderHouseholds(m);
      latest = m; drawCharts();
    });
    api("/api/v1/metrics/overdue?county=" + county).then((p) => renderOverdue(p.items));
  }
  const reloadSoon = () => { pending = pending || setTimeout(load, 400); };

  function onEvent(message) {
    const e = JSON.parse(message.data);
    const item = el("li", { "data-type": e.type, "data-subject": e.subject,
      "data-source-ref": (e.data && e.data.source_ref) || "" },
      [when(e.time) + " " + (TYPES[e.type] || e.type) + " · " +
       (e.township_code || e.county_code || "") + " · " + e.subject]);
    document.getElementById("feed").prepend(item);
    reloadSoon();
  }

  function connect() {
    const source = new EventSource("/api/v1/events/stream");
    const status = document.getElementById("live-status");
    source.onopen = () => { status.textContent = "已连接"; status.className = "ok"; };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {  // refused (401): do not retry forever
        status.textContent = "未登录或登录已过期"; status.className = "down";
      } else { status.textContent = "重连中"; status.className = "down"; }
    };
    source.addEventListener("expired", () => {
      source.close(); status.textContent = "登录已过期，请重新登录后刷新"; status.className = "down";
    });
    source.onmessage = onEvent;
  }

  load();
  connect();
})();
