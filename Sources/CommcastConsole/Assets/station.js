// The console's station pages: one cluster (its last day as a chart, its last
// heartbeat, the commands it takes), statistics (airings per day as a chart, per
// commune, CSV and the monthly report), and the province's inbox with the report
// status and the audit log. Charts are drawn here as SVG: no library to vendor.
"use strict";

// --- one cluster ----------------------------------------------------------------------

pages.cluster = {
  id: null,
  async open(id) {
    this.id = id;
    $("cluster-result").textContent = "";
    const result = await api("GET", `/v1/clusters/${encodeURIComponent(id)}/health?hours=24`);
    if (result.status !== 200) { failed(result); return; }
    this.render(result.data);
  },

  render(detail) {
    const s = detail.status;
    $("cluster-name").textContent = `${s.cluster.id} · ${s.cluster.name}`;
    const state = $("cluster-state");
    state.className = `state-line ${s.state}`;
    state.textContent = t(`state.${s.state}`) + (s.state_since ? ` · ${t("cluster.since")} ${dayAndClock(s.state_since)}` : "");
    const hb = s.last_heartbeat;
    const facts = [
      ["cluster.zone", s.cluster.zone_path],
      ["cluster.reasons", (s.reasons || []).join("; ") || null],
      ["cluster.heartbeat", hb ? dayAndClock(hb.received_at) : t("cluster.none")],
      ["cluster.playing", hb ? (hb.playing_airing_id ? `#${hb.playing_airing_id}` : t("cluster.idle")) : null],
      ["cluster.volume", hb ? `${hb.volume}` : null],
      ["cluster.signal", hb && hb.signal_dbm != null ? `${hb.signal_dbm}` : null],
      ["cluster.uptime", hb ? `${Math.floor(hb.uptime_seconds / 3600)} h ${Math.floor(hb.uptime_seconds % 3600 / 60)} min` : null],
      ["cluster.firmware", hb?.firmware || null],
    ].filter(([, v]) => v);
    $("cluster-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: t(k) }), el("dd", { text: v })]));
    if (hb) { $("cluster-volume").value = hb.volume; $("cluster-volume-value").textContent = hb.volume; }
    this.chart(detail);
    const mayCommand = hasRole("supervisor") || hasRole("operator");
    document.querySelectorAll("#cluster-commands button").forEach((b) => { b.disabled = !mayCommand || s.state === "offline" || s.state === "never_seen"; });
  },

  // The day as coloured bands of state, with the signal strength as a line over them.
  chart(detail) {
    const w = 720, h = 160, top = 10, bottom = 130;
    const end = Date.now(), begin = end - detail.hours * 3600000;
    const x = (time) => ((Math.max(begin, Math.min(end, Date.parse(time))) - begin) / (end - begin) * w).toFixed(1);
    const transitions = [...detail.transitions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    let state = transitions.length ? transitions[0].from : detail.status.state;
    let from = new Date(begin).toISOString();
    const bands = [];
    for (const change of transitions) { bands.push([from, change.at, state]); from = change.at; state = change.to; }
    bands.push([from, new Date(end).toISOString(), state]);
    const chart = $("cluster-chart");
    chart.setAttribute("viewBox", `0 0 ${w} ${h}`);
    const title = chart.querySelector("title");
    const nodes = bands.map(([a, b, st]) => svg("rect", { x: x(a), y: top, width: Math.max(0.5, x(b) - x(a)), height: bottom - top, class: `band ${st}` }));
    const signal = detail.samples.filter((p) => p.signal_dbm != null);
    if (signal.length > 1) {
      const y = (dbm) => (bottom - (Math.max(-120, Math.min(-50, dbm)) + 120) / 70 * (bottom - top)).toFixed(1);
      nodes.push(svg("polyline", { points: signal.map((p) => `${x(p.at)},${y(p.signal_dbm)}`).join(" "), class: "signal" }));
    }
    for (let hour = 0; hour <= detail.hours; hour += 6) {
      const at = begin + hour * 3600000;
      nodes.push(svg("text", { x: Math.min(w - 30, (hour / detail.hours) * w + 2).toFixed(1), y: h - 8, class: "axis" }, clock(at)));
    }
    chart.replaceChildren(title, ...nodes);
  },

  async command(name) {
    const body = { command: name };
    if (name === "set_volume") body.volume = Number($("cluster-volume").value);
    if (name === "test_tone") body.seconds = 5;
    const out = $("cluster-result");
    out.textContent = "…";
    const result = await api("POST", `/v1/clusters/${encodeURIComponent(this.id)}/command`, body);
    if (result.status !== 200) { out.textContent = t("error.generic", { message: result.data.message || result.status }); return; }
    out.textContent = result.data.ok ? t("cluster.sent") : t("cluster.failed", { error: result.data.error || "" });
  },
};

$("cluster-commands").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-command]");
  if (button) pages.cluster.command(button.dataset.command);
});
$("cluster-volume").addEventListener("input", () => { $("cluster-volume-value").textContent = $("cluster-volume").value; });

// --- statistics -----------------------------------------------------------------------

pages.stats = {
  days: 7,
  async open() {
    document.querySelectorAll("#stats-range button").forEach((b) => b.classList.toggle("here", Number(b.dataset.days) === this.days));
    const until = stationDay(new Date());
    const since = stationDay(new Date(Date.now() - (this.days - 1) * 86400000));
    const range = `since=${since}&until=${until}`;
    $("stats-csv").href = `/v1/stats?by=day&${range}&format=csv`;
    $("stats-month").href = `/v1/report/export?month=${until.slice(0, 7)}`;
    const [byDay, byZone] = await Promise.all([api("GET", `/v1/stats?by=day&${range}`), api("GET", `/v1/stats?by=zone&${range}`)]);
    if (byDay.status !== 200) { failed(byDay); return; }
    const total = byDay.data.total;
    $("stats-summary").textContent = t("stats.summary", {
      bulletins: byDay.data.bulletins_produced, aired: total.aired, minutes: Math.round(total.minutes_aired),
      share: total.completion_share == null ? "–" : `${(total.completion_share * 100).toFixed(1)}%`,
    });
    this.chart(byDay.data.rows, since);
    if (byZone.status === 200) this.table(byZone.data.rows);
  },

  // Stacked bars per day: completed, interrupted, and planned but not aired.
  chart(rows, since) {
    const byDay = new Map(rows.map((r) => [r.key, r]));
    const days = [];
    for (let i = 0; i < this.days; i++) days.push(stationDay(new Date(Date.parse(`${since}T12:00:00Z`) + i * 86400000)));
    const w = 720, h = 200, bottom = 170, left = 36;
    const most = Math.max(1, ...days.map((d) => Math.max(byDay.get(d)?.planned || 0, byDay.get(d)?.aired || 0)));
    const slot = (w - left) / days.length, bar = Math.max(4, slot * 0.7);
    const scale = (n) => n / most * (bottom - 10);
    const chart = $("stats-chart");
    chart.setAttribute("viewBox", `0 0 ${w} ${h}`);
    const nodes = [svg("text", { x: 0, y: 14, class: "axis" }, String(most)), svg("line", { x1: left, y1: bottom, x2: w, y2: bottom, class: "base" })];
    days.forEach((day, i) => {
      const r = byDay.get(day) || { planned: 0, completed: 0, interrupted: 0, aired: 0 };
      const x = left + i * slot + (slot - bar) / 2;
      let y = bottom;
      for (const [n, cls] of [[r.completed, "online"], [r.interrupted, "degraded"], [Math.max(0, r.planned - r.aired), "planned"]]) {
        if (!n) continue;
        y -= scale(n);
        nodes.push(svg("rect", { x: x.toFixed(1), y: y.toFixed(1), width: bar.toFixed(1), height: scale(n).toFixed(1), class: `bar ${cls}`, "data-day": day, "data-count": n }));
      }
      if (this.days <= 10 || i % 5 === 0) nodes.push(svg("text", { x: (x + bar / 2).toFixed(1), y: h - 12, class: "axis mid" }, day.slice(8) + "/" + day.slice(5, 7)));
    });
    chart.replaceChildren(chart.querySelector("title"), ...nodes);
  },

  table(rows) {
    const head = el("tr", {}, ...["stats.col.zone", "stats.col.planned", "stats.col.aired", "stats.col.share"].map((k) => el("th", { text: t(k) })));
    $("stats-zones").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows.map((r) => el("tr", {},
      el("td", { text: r.label }), el("td", { text: r.planned }), el("td", { text: r.aired }),
      el("td", { text: r.completion_share == null ? "–" : `${(r.completion_share * 100).toFixed(0)}%` })))));
  },
};

$("stats-range").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  pages.stats.days = Number(button.dataset.days);
  pages.stats.open();
});

// --- inbox, reports, audit --------------------------------------------------------------

pages.inbox = {
  async open() {
    const [inbox, report] = await Promise.all([api("GET", "/v1/inbox?state=inbox"), api("GET", "/v1/report/status")]);
    if (inbox.status === 200) this.renderInbox(inbox.data);
    if (report.status === 200) this.renderReport(report.data);
    $("audit-box").hidden = !hasRole("supervisor");
    if (hasRole("supervisor")) this.audit();
  },

  renderInbox(records) {
    const list = $("inbox-list");
    list.replaceChildren(...records.map((r) => {
      const actions = el("div", { class: "actions" });
      const decide = async (verb, body) => {
        const result = await api("POST", `/v1/inbox/${r.id}/${verb}`, body ?? {});
        if (result.status === 200) { notice(t("action.done", { what: `#${r.id} ${r.title}` })); this.open(); } else failed(result);
      };
      actions.append(
        el("button", { type: "button", class: "good", "data-action": "approve", text: t("action.approve"), onclick: () => decide("approve") }),
        el("button", { type: "button", "data-action": "reject", text: t("action.reject"), onclick: () => {
          const reason = el("input", { "aria-label": t("action.reason"), placeholder: t("action.reason"), maxlength: 500, "data-field": "reason" });
          actions.replaceChildren(reason,
            el("button", { type: "button", class: "danger", "data-action": "confirm", text: t("action.send"), onclick: () => decide("reject", { reason: reason.value }) }),
            el("button", { type: "button", text: t("action.no"), onclick: () => this.open() }));
          reason.focus();
        } }));
      return el("li", { class: `card level-${r.level}` },
        el("div", { class: "card-head" }, el("strong", { text: r.title }), " ", el("span", { class: `badge ${r.level}`, text: t(`level.${r.level}`) })),
        el("div", { class: "muted", text: t("inbox.zones", { zones: r.zones.join(", ") }) }),
        r.air_at ? el("div", { text: dayAndClock(r.air_at) }) : null,
        actions);
    }));
    if (!records.length) list.append(el("li", { class: "muted", text: t("inbox.empty") }));
  },

  renderReport(r) {
    const rows = r.configured ? [
      ["report.backlog", String(r.backlog)], ["report.delivered", String(r.delivered)],
      ["report.last", r.last_success_at ? dayAndClock(r.last_success_at) : "–"],
      ["report.error", r.last_error ? `${r.last_error}${r.last_error_at ? ` (${dayAndClock(r.last_error_at)})` : ""}` : null],
    ].filter(([, v]) => v) : [["report.heading", t("report.off")]];
    $("report-status").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { text: t(k) }), el("dd", { text: v })]));
  },

  async audit() {
    const query = new URLSearchParams({ limit: "100" });
    if ($("audit-actor").value.trim()) query.set("actor", $("audit-actor").value.trim());
    if ($("audit-since").value) query.set("since", $("audit-since").value);
    const result = await api("GET", `/v1/audit?${query}`);
    if (result.status !== 200) { failed(result); return; }
    const head = el("tr", {}, ...["audit.col.at", "audit.col.actor", "audit.col.action", "audit.col.target"].map((k) => el("th", { text: t(k) })));
    $("audit-list").replaceChildren(el("thead", {}, head), el("tbody", {}, ...result.data.map((e) => el("tr", {},
      el("td", { text: dayAndClock(e.at) }), el("td", { text: e.actor }), el("td", { text: e.action }), el("td", { text: e.target || "" })))));
  },
};

$("audit-form").addEventListener("submit", (event) => { event.preventDefault(); pages.inbox.audit(); });
