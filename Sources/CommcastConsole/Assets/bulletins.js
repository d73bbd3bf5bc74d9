// The console's bulletin pages: the schedule as a timeline per zone, the list of
// bulletins with their actions (pause, resume, cancel, approve, reject), and a new
// bulletin from typed text, an uploaded file or a recording made in the browser,
// with the plan shown before the operator confirms. Every check is the daemon's:
// the page only sends what the CLI would and shows the daemon's answer.
"use strict";

// --- schedule ---------------------------------------------------------------------

pages.schedule = {
  days: 0,
  open() { this.load(); },

  async load() {
    document.querySelectorAll("#schedule-days button").forEach((b) => b.classList.toggle("here", Number(b.dataset.days) === this.days));
    const today = Date.now();
    const wanted = this.days === 7 ? [0, 1, 2, 3, 4, 5, 6] : [this.days];
    const results = await Promise.all(wanted.map((d) => api("GET", `/v1/schedule?group=zone&day=${stationDay(new Date(today + d * 86400000))}`)));
    const bad = results.find((r) => r.status !== 200);
    if (bad) { failed(bad); return; }
    this.render(results.map((r) => r.data));
  },

  // One row per zone and day; airings of a bulletin at one start on many clusters are one block.
  render(days) {
    const timeline = $("timeline");
    const list = $("schedule-list");
    timeline.replaceChildren();
    list.replaceChildren();
    let count = 0;
    for (const day of days) {
      const zones = new Map();
      const entry = (zone) => { if (!zones.has(zone)) zones.set(zone, []); return zones.get(zone); };
      for (const block of day.blocks) entry(block.zone || "?").push({ ...block, kind: block.skipped ? "skipped" : "aired" });
      for (const zonePath of Object.keys(day.quiet_hours || {})) entry(zonePath);
      if (days.length > 1) timeline.append(el("h3", { text: new Date(`${day.day}T12:00:00`).toLocaleDateString(locale(), { weekday: "long", day: "2-digit", month: "2-digit" }) }));
      const chart = el("div", { class: "lanes" });
      chart.append(el("div", { class: "hours" }, ...[0, 3, 6, 9, 12, 15, 18, 21].map((h) => el("span", { style: `left:${h / 24 * 100}%`, text: `${h}h` }))));
      for (const [zonePath, blocks] of [...zones.entries()].sort()) {
        const lane = el("div", { class: "lane" });
        const quiet = day.quiet_hours?.[zonePath];
        if (quiet) {
          const [from, to] = quiet.split("-").map((s) => { const [h, m] = s.split(":").map(Number); return h * 60 + m; });
          const spans = from < to ? [[from, to]] : [[from, 1440], [0, to]];
          for (const [a, b] of spans) lane.append(el("span", { class: "quiet", style: `left:${a / 14.4}%;width:${(b - a) / 14.4}%`, title: t("schedule.quiet", { span: quiet }) }));
        }
        for (const block of blocks) {
          const start = stationMinutes(block.start);
          const minutes = Math.max(1, (Date.parse(block.end) - Date.parse(block.start)) / 60000);
          lane.append(el("span", {
            class: `block level-${block.level} ${block.kind}${block.reason ? " moved" : ""}`,
            style: `left:${start / 14.4}%;width:${Math.max(0.6, minutes / 14.4)}%`,
            title: `${clock(block.start)} ${block.title}${block.reason ? ` — ${block.reason}` : ""}`,
          }));
          count += 1;
          list.append(el("li", { class: `level-${block.level} ${block.kind}` },
            el("span", { class: "time", text: days.length > 1 ? dayAndClock(block.start) : clock(block.start) }), " ",
            el("strong", { text: block.title }), " ",
            el("span", { class: "muted", text: `${zonePath} · ${t("overview.clusters.n", { n: block.clusters })}` }),
            block.kind === "skipped" ? el("div", { class: "why", text: t("schedule.skipped", { reason: block.reason || "" }) })
              : block.reason ? el("div", { class: "why", text: t("schedule.shifted", { time: clock(block.wanted_at), reason: block.reason }) }) : null));
        }
        chart.append(el("div", { class: "lane-name", text: zonePath }), lane);
      }
      timeline.append(el("div", { class: "scroll" }, chart));
    }
    if (!count) list.append(el("li", { class: "muted", text: t("schedule.empty") }));
  },
};

$("schedule-days").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  pages.schedule.days = Number(button.dataset.days);
  pages.schedule.load();
});

// --- bulletins ----------------------------------------------------------------------

pages.bulletins = {
  filter: null,
  open() {
    if (this.filter === null) this.filter = current.approval === "required" ? "pending" : "active,paused";
    this.load();
  },

  async load() {
    document.querySelectorAll("#bulletin-filter button").forEach((b) => b.classList.toggle("here", b.dataset.state === this.filter));
    const result = await api("GET", `/v1/bulletins${this.filter ? `?state=${this.filter}` : ""}`);
    if (result.status !== 200) { failed(result); return; }
    const list = $("bulletin-list");
    list.replaceChildren(...result.data.map((b) => this.card(b)));
    if (!result.data.length) list.append(el("li", { class: "muted", text: t("bulletins.empty") }));
  },

  card(b) {
    const actions = el("div", { class: "actions" });
    const act = (label, verb, style) => el("button", { type: "button", class: style, "data-action": verb, text: t(label), onclick: () => this.act(b, verb, actions) });
    if (b.state === "active") actions.append(act("action.pause", "pause"));
    if (b.state === "paused") actions.append(act("action.resume", "resume"));
    if (b.state === "pending" && hasRole("supervisor") && (current.administrator || b.author !== current.operator)) {
      actions.append(act("action.approve", "approve", "good"), act("action.reject", "reject"));
    }
    if (["pending", "active", "paused"].includes(b.state)) actions.append(act("action.cancel", "cancel", "danger"));
    const review = b.review ? t("bulletin.review", { verdict: t(b.state === "rejected" ? "bulletin.rejectedby" : "bulletin.approved"), name: b.review.by }) + (b.review.note ? `: ${b.review.note}` : "") : null;
    return el("li", { class: `card level-${b.level}`, "data-bulletin": b.id },
      el("div", { class: "card-head" }, el("strong", { text: `#${b.id} ${b.title}` }), " ",
        el("span", { class: `badge ${b.level}`, text: t(`level.${b.level}`) }), " ",
        el("span", { class: `badge state-${b.state}`, text: t(`bstate.${b.state}`) })),
      el("div", { class: "muted", text: b.targets.map((x) => x.zone || x.cluster).join(", ") }),
      b.next_airing ? el("div", { text: t("bulletin.next", { time: dayAndClock(b.next_airing) }) }) : null,
      el("div", { class: "muted", text: t("bulletin.by", { name: b.author }) }),
      review ? el("div", { class: "why", text: review }) : null,
      actions);
  },

  // Cancel and reject ask first, in the card itself: no browser dialog to miss.
  act(b, verb, actions) {
    const send = async (body) => {
      const result = await api("POST", `/v1/bulletins/${b.id}/${verb}`, body);
      if (result.status === 200) { notice(t("action.done", { what: `#${b.id} ${t(`bstate.${result.data.state}`)}` })); this.load(); }
      else failed(result);
    };
    if (verb === "cancel") {
      actions.replaceChildren(el("p", { class: "confirm", text: t("action.sure.cancel") }),
        el("button", { type: "button", class: "danger", "data-action": "confirm", text: t("action.yes"), onclick: () => send() }),
        el("button", { type: "button", text: t("action.no"), onclick: () => this.load() }));
    } else if (verb === "reject") {
      const reason = el("input", { "aria-label": t("action.reason"), placeholder: t("action.reason"), maxlength: 500, "data-field": "reason" });
      actions.replaceChildren(reason,
        el("button", { type: "button", class: "danger", "data-action": "confirm", text: t("action.send"), onclick: () => send({ reason: reason.value }) }),
        el("button", { type: "button", text: t("action.no"), onclick: () => this.load() }));
      reason.focus();
    } else {
      send();
    }
  },
};

$("bulletin-filter").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  pages.bulletins.filter = button.dataset.state;
  pages.bulletins.load();
});

// --- new bulletin ------------------------------------------------------------------

pages.new = {
  media: null,       // the uploaded or recorded audio's sha256
  recorder: null,
  checked: null,     // the request the shown plan is for

  async open() {
    // Hidden and disabled: Safari on iOS shows hidden options.
    const emergency = $("new-level").querySelector("option[value=emergency]");
    emergency.hidden = emergency.disabled = !hasRole("emergency");
    const result = await api("GET", "/v1/zones");
    if (result.status !== 200) { failed(result); return; }
    const box = $("new-zones");
    const chosen = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
    // Communes (zones with clusters) are what an operator chooses; their parents reach everything below.
    box.replaceChildren(...result.data.map((z) => el("label", { class: "check", style: `padding-left:${(z.path.split("/").length - 1) * 0.75}rem` },
      el("input", { type: "checkbox", value: z.path, checked: chosen.has(z.path) }), " ", z.path)));
    this.sync();
  },

  source() { return document.querySelector("input[name=source]:checked").value; },
  when() { return document.querySelector("input[name=when]:checked").value; },

  sync() {
    const source = this.source(), when = this.when();
    document.querySelectorAll("[data-source]").forEach((d) => { d.hidden = d.dataset.source !== source; });
    document.querySelectorAll("[data-when]").forEach((d) => { d.hidden = !d.dataset.when.split(" ").includes(when); });
    this.stale();
  },

  // Anything changed after the plan was shown: the operator must look again.
  stale() {
    this.checked = null;
    $("new-plan").hidden = true;
    $("new-confirm").hidden = true;
    $("new-error").hidden = true;
  },

  error(text) { const e = $("new-error"); e.textContent = text; e.hidden = false; },

  // The request exactly as POST /v1/bulletins takes it; the daemon checks every field.
  request() {
    const title = $("new-title").value.trim();
    const zones = [...document.querySelectorAll("#new-zones input:checked")].map((i) => i.value);
    if (!title) { this.error(t("new.need.title")); return null; }
    if (!zones.length) { this.error(t("new.need.zone")); return null; }
    const schedule = {};
    const when = this.when();
    if (when === "now") {
      // The next whole minute at least a minute away, in the station's time: time
      // enough to speak a text and store it before it is due.
      const soon = new Date(Math.ceil((Date.now() + 60000) / 60000) * 60000);
      const m = stationMinutes(soon);
      schedule.at = `${stationDay(soon)} ${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    } else if (when === "once") {
      schedule.at = $("new-at").value.replace("T", " ");
    } else if (when === "daily") {
      schedule.daily = $("new-daily").value.split(",").map((s) => s.trim()).filter(Boolean);
    } else {
      schedule.every = Number($("new-every").value);
      schedule.window = $("new-window").value.trim();
    }
    if (when === "daily" || when === "every") {
      const days = [...document.querySelectorAll("#new-weekdays input:checked")].map((i) => i.value);
      if (!days.length) { this.error(t("new.need.day")); return null; }
      if (days.length < 7) schedule.weekdays = days.join(",");
      if ($("new-from").value) schedule.from = $("new-from").value;
      if ($("new-until").value) schedule.until = $("new-until").value;
      if ($("new-times").value) schedule.times = Number($("new-times").value);
    }
    const request = { title, level: $("new-level").value, targets: zones.map((zone) => ({ zone })), schedule };
    if (this.source() === "text") {
      const text = $("new-text").value.trim();
      if (!text) { this.error(t("new.need.audio")); return null; }
      request.text = text;
    } else {
      if (!this.media) { this.error(t("new.need.audio")); return null; }
      request.media_sha256 = this.media;
    }
    return request;
  },

  async upload(blob, type) {
    this.media = null;
    this.stale();
    const info = $("new-media");
    info.textContent = t("new.uploading");
    info.hidden = false;
    const result = await api("POST", "/v1/media", blob, type || "application/octet-stream");
    if (result.status !== 201) { info.hidden = true; this.error(result.data.message || String(result.status)); return; }
    this.media = result.data.sha256;
    info.textContent = t("new.media", { seconds: Math.round(result.data.duration_seconds), level: result.data.level || "" });
  },

  async listen() {
    const text = $("new-text").value.trim();
    if (!text) { this.error(t("new.need.audio")); return; }
    const result = await api("POST", "/v1/speech/preview", { text, audio: true });
    if (result.status !== 200) { this.error(result.data.message || String(result.status)); return; }
    const spoken = $("new-spoken");
    spoken.textContent = t("new.spoken", { text: result.data.spoken });
    spoken.hidden = false;
    const bytes = Uint8Array.from(atob(result.data.audio_base64), (c) => c.charCodeAt(0));
    const audio = $("new-audio");
    if (audio.src) URL.revokeObjectURL(audio.src);
    audio.src = URL.createObjectURL(new Blob([bytes], { type: "audio/ogg" }));
    audio.hidden = false;
    audio.play().catch(() => {});
  },

  async record(button) {
    if (this.recorder) { this.recorder.stop(); return; }
    if (!navigator.mediaDevices || !window.MediaRecorder) { $("new-record-state").textContent = t("new.record.none"); return; }
    let stream;
    try { stream = await navigator.mediaDevices.getUserMedia({ audio: true }); } catch (error) { this.error(String(error.message || error)); return; }
    const chunks = [];
    const recorder = new MediaRecorder(stream);
    this.recorder = recorder;
    const began = Date.now();
    const tick = setInterval(() => { $("new-record-state").textContent = t("new.record.on", { seconds: Math.round((Date.now() - began) / 1000) }); }, 500);
    recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = () => {
      clearInterval(tick);
      stream.getTracks().forEach((track) => track.stop());
      this.recorder = null;
      button.textContent = t("new.record.start");
      const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
      const audio = $("new-audio");
      audio.src = URL.createObjectURL(blob);
      audio.hidden = false;
      this.upload(blob, "application/octet-stream");
    };
    recorder.start(1000);
    button.textContent = t("new.record.stop");
  },

  async check() {
    $("new-error").hidden = true;
    const request = this.request();
    if (!request) return;
    const plan = $("new-plan");
    plan.textContent = t("new.checking");
    plan.hidden = false;
    const result = await api("POST", "/v1/bulletins/plan", request);
    if (result.status !== 200) { plan.hidden = true; this.error(result.data.message || String(result.status)); return; }
    const p = result.data.plan;
    const skipped = Object.entries(p.skipped || {}).map(([reason, n]) => `${n} ${reason}`).join(", ");
    plan.replaceChildren(...[
      el("p", { class: "big", text: t("new.plan", { airings: p.airings, clusters: p.clusters, until: dayAndClock(p.until) }) }),
      p.first_airing ? el("p", { text: t("new.plan.first", { time: dayAndClock(p.first_airing) }) }) : null,
      skipped ? el("p", { class: "why", text: t("new.plan.skipped", { n: Object.values(p.skipped).reduce((a, b) => a + b, 0), reasons: skipped }) }) : null,
      result.data.pending ? el("p", { class: "why", text: t("new.plan.pending") }) : null].filter(Boolean));
    this.checked = this.fingerprint(request);
    $("new-confirm").hidden = false;
  },

  // What the operator saw the plan for; "now" moves with the clock and is not part of it.
  fingerprint(request) {
    return JSON.stringify({ ...request, schedule: this.when() === "now" ? "now" : request.schedule });
  },

  async confirm() {
    const request = this.request();
    if (!request || this.fingerprint(request) !== this.checked) { this.stale(); return; }
    $("new-confirm").disabled = true;
    const result = await api("POST", "/v1/bulletins", request);
    $("new-confirm").disabled = false;
    if (result.status !== 201) { this.error(result.data.message || String(result.status)); return; }
    $("new-form").reset();
    this.media = null;
    $("new-audio").hidden = true;
    $("new-media").hidden = true;
    $("new-spoken").hidden = true;
    this.stale();
    pages.bulletins.filter = result.data.state === "pending" ? "pending" : "active,paused";
    go("#/bulletins", t(result.data.state === "pending" ? "new.created.pending" : "new.created", { id: result.data.id }));
  },
};

$("new-form").addEventListener("change", (event) => {
  if (event.target.id === "new-file" && event.target.files[0]) pages.new.upload(event.target.files[0]);
  pages.new.sync();
});
$("new-form").addEventListener("input", () => pages.new.stale());
$("new-form").addEventListener("submit", (event) => { event.preventDefault(); pages.new.check(); });
$("new-confirm").addEventListener("click", () => pages.new.confirm());
$("new-listen").addEventListener("click", () => pages.new.listen());
$("new-record").addEventListener("click", (event) => pages.new.record(event.currentTarget));
