// The commcast console in the browser: no framework, no build step. It talks to the
// daemon's own JSON API (/v1/…) with the session cookie, sends the session's CSRF
// token with every change, and follows the station through server-sent events
// (/v1/health/events) rather than asking again and again. This file holds what
// every page shares (text, the API, the session, the router) and the overview;
// bulletins.js and station.js hold the other pages. Vietnamese first; EN switches.
"use strict";

let lang = localStorage.getItem("commcast.lang") === "en" ? "en" : "vi";
let csrf = null;
let events = null;
let current = null;
let lastHealth = null;
let carried = null;  // a notice to show on the page the router opens next
const pages = {};

function t(key, values = {}) {
  return (TEXT[lang][key] || TEXT.vi[key] || key).replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));
}

function $(id) { return document.getElementById(id); }

// An element with text children set as text, never as HTML: names and titles come
// from operators and the province.
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    // Through the CSSOM: the Content-Security-Policy refuses style attributes.
    else if (key === "style") node.style.cssText = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function translatePage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((node) => { node.placeholder = t(node.dataset.tp); });
  $("lang").textContent = lang === "vi" ? "EN" : "VI";
  document.title = `${t("title")} — commcast`;
}

// Times in the station's zone, wherever the phone is.
function locale() { return lang === "vi" ? "vi-VN" : "en-GB"; }
function zone() { return current?.time_zone || undefined; }
function clock(date) {
  return new Date(date).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit", timeZone: zone() });
}
function dayAndClock(date) {
  return `${new Date(date).toLocaleDateString(locale(), { weekday: "short", day: "2-digit", month: "2-digit", timeZone: zone() })} ${clock(date)}`;
}
// YYYY-MM-DD of `date` in the station's zone.
function stationDay(date) {
  const parts = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone() }).formatToParts(date);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}
// Minutes since the station's midnight.
function stationMinutes(date) {
  const parts = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone() }).formatToParts(new Date(date));
  return Number(parts.find((p) => p.type === "hour").value) * 60 + Number(parts.find((p) => p.type === "minute").value);
}

async function api(method, path, body, contentType) {
  const headers = { "Accept": "application/json" };
  let payload;
  if (body instanceof Blob) { payload = body; headers["Content-Type"] = contentType || "application/octet-stream"; }
  else if (body !== undefined) { payload = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  } catch (error) {
    return { status: 0, data: { message: t("error.offline") } };
  }
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/v1/session") sessionEnded();
  return { status: response.status, data };
}

function notice(text, kind = "ok") {
  const box = $("notice");
  box.textContent = text;
  box.className = `notice ${kind}`;
  box.hidden = !text;
}

// Goes to `hash` and says `text` there.
function go(hash, text) {
  carried = text;
  if (location.hash === hash) route(); else location.hash = hash;
}

function failed(result) {
  notice(t("error.generic", { message: result.data.message || result.status }), "bad");
}

function hasRole(role) { return current && (current.administrator || current.roles.includes(role)); }

// --- pages and the router -----------------------------------------------------

function show(id) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== id;
  const inside = id !== "login";
  $("logout").hidden = !inside;
  $("tabs").hidden = !inside;
  document.querySelectorAll("#tabs a").forEach((a) => a.classList.toggle("here", a.dataset.page === id));
}

function route() {
  if (!current) return;
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const page = pages[name] ? name : "overview";
  notice(carried || "");
  carried = null;
  show(page);
  pages[page].open(...rest.map(decodeURIComponent));
}

async function start() {
  translatePage();
  const session = await api("GET", "/v1/session");
  if (session.status === 200) {
    enter(session.data);
  } else {
    show("login");
    $("name").focus();
  }
}

function showWho() {
  if (!current) return;
  $("who").textContent = t("who", { name: current.operator, roles: current.roles.map((r) => t(`role.${r}`)).join(", ") });
}

function enter(session) {
  current = session;
  csrf = session.csrf_token;
  showWho();
  follow();
  route();
}

function sessionEnded() {
  if (!current) return;
  stopFollowing();
  current = null;
  csrf = null;
  show("login");
  notice(t("session.ended"), "bad");
}

// One event now, then one each time a cluster's health changes.
function follow() {
  stopFollowing();
  events = new EventSource("/v1/health/events");
  events.addEventListener("health", (event) => {
    lastHealth = JSON.parse(event.data);
    if (!$("overview").hidden) pages.overview.render(lastHealth);
  });
  events.onerror = async () => {
    if (events && events.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
    const session = await api("GET", "/v1/session");
    if (session.status !== 401) setTimeout(follow, 3000);
  };
}

function stopFollowing() {
  if (events) { events.close(); events = null; }
}

// --- overview -------------------------------------------------------------------

pages.overview = {
  statuses: null,
  open() {
    showWho();
    if (lastHealth) this.render(lastHealth);
    this.loadAirings();
    this.loadMap();
  },

  render(health) {
    const total = health.total || {};
    for (const state of ["online", "degraded", "offline", "never_seen"]) $(`n-${state}`).textContent = total[state] ?? 0;
    $("zones").replaceChildren(...(health.zones || []).map((z) => el("li", {},
      el("div", { class: "name", text: z.zone }),
      el("div", { text: t("zone.counts", { online: z.online ?? 0, degraded: z.degraded ?? 0, offline: z.offline ?? 0, never: z.never_seen ?? 0 }) }),
      (z.silent || []).length ? el("div", { class: "silent" }, t("silent"), " ",
        ...z.silent.slice(0, 30).flatMap((id, i) => [i ? ", " : "", el("a", { href: `#/cluster/${encodeURIComponent(id)}`, text: id })]),
        z.silent.length > 30 ? ` +${z.silent.length - 30}` : "") : null)));
    $("updated").textContent = t("updated", { time: new Date().toLocaleTimeString(locale(), { timeZone: zone() }) });
    if (this.statuses) this.loadMapSoon();
    // For Benchmarks/console_benchmark.py: when the overview first showed the station.
    if (!performance.getEntriesByName("commcast-overview").length) performance.mark("commcast-overview");
  },

  // What plays now and what comes next, one line per bulletin and start, with how many clusters.
  async loadAirings() {
    const result = await api("GET", "/v1/schedule?day=today&group=zone");
    if (result.status !== 200) return;
    const now = Date.now();
    const groups = new Map();
    for (const b of result.data.blocks.filter((b) => !b.skipped)) {
      const key = `${b.bulletin_id}@${b.start}`;
      if (!groups.has(key)) groups.set(key, { ...b, clusters: 0 });
      groups.get(key).clusters += b.clusters;
    }
    const all = [...groups.values()];
    const line = (a) => el("li", { class: `level-${a.level}` },
      el("span", { class: "time", text: clock(a.start) }), " ",
      el("a", { href: "#/bulletins", text: a.title }), " ",
      el("span", { class: "muted", text: t("overview.clusters.n", { n: a.clusters }) }));
    const onAir = all.filter((a) => Date.parse(a.start) <= now && now < Date.parse(a.end));
    const next = all.filter((a) => Date.parse(a.start) > now).slice(0, 5);
    $("onair").replaceChildren(...(onAir.length ? onAir.map(line) : [el("li", { class: "muted", text: t("overview.nothing") })]));
    $("next").replaceChildren(...(next.length ? next.map(line) : [el("li", { class: "muted", text: t("overview.nothing") })]));
  },

  // Clusters with coordinates as points coloured by state, drawn here: no tiles, no
  // internet. Fetched again after health changes: at once, or at the end of five
  // seconds from the last fetch, so a storm of changes costs one fetch per 5 s and
  // the last state is always drawn.
  mapLoadedAt: 0,
  mapTimer: null,
  loadMapSoon() {
    if (this.mapTimer) return;
    this.mapTimer = setTimeout(() => { this.mapTimer = null; this.loadMap(); }, Math.max(0, 5000 - (Date.now() - this.mapLoadedAt)));
  },
  async loadMap() {
    this.mapLoadedAt = Date.now();
    const result = await api("GET", "/v1/clusters/map");
    if (result.status !== 200) return;
    this.statuses = result.data;
    const placed = result.data;  // [id, latitude, longitude, state]
    $("map-box").hidden = placed.length === 0;
    if (!placed.length) return;
    const lats = placed.map((p) => p[1]), lons = placed.map((p) => p[2]);
    const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
    const w = 600, h = 400, pad = 30;
    const sx = (w - 2 * pad) / Math.max(maxLon - minLon, 1e-4), sy = (h - 2 * pad) / Math.max(maxLat - minLat, 1e-4);
    const scale = Math.min(sx, sy);
    const radius = placed.length > 200 ? 5 : 12;
    const map = $("map");
    map.setAttribute("viewBox", `0 0 ${w} ${h}`);
    const title = map.querySelector("title");
    map.replaceChildren(title, svg("rect", { x: 0, y: 0, width: w, height: h, class: "map-ground" }),
      ...placed.map(([id, lat, lon, state]) => {
        const link = svg("a", { href: `#/cluster/${encodeURIComponent(id)}` });
        link.append(svg("circle", {
          cx: (pad + (lon - minLon) * scale).toFixed(1), cy: (h - pad - (lat - minLat) * scale).toFixed(1), r: radius, class: `dot ${state}`,
        }), svg("title", {}, `${id} · ${t(`state.${state}`)}`));
        return link;
      }));
  },
};

// --- login, logout, language --------------------------------------------------------

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("login-error");
  error.hidden = true;
  const credentials = { name: $("name").value.trim(), password: $("password").value };
  if (!$("code-box").hidden) credentials.code = $("code").value.trim();
  const result = await api("POST", "/v1/session", credentials);
  $("code").value = "";
  if (result.status === 200) {
    $("password").value = "";
    $("code-box").hidden = true;
    notice("");
    enter(result.data);
    return;
  }
  // The password was right and a second factor is asked for: keep it, ask for the code.
  if (result.data.code === "totp_required" || result.data.code === "totp_wrong") {
    $("code-box").hidden = false;
    $("code").focus();
  } else {
    $("password").value = "";
  }
  error.textContent = result.data.code === "totp_required" ? t("login.code.needed")
    : result.data.code === "totp_wrong" ? t("login.code.wrong")
    : result.status === 401 ? t("login.wrong")
    : result.status === 429 ? t("login.locked", { minutes: Math.ceil((result.data.retry_after_seconds || 900) / 60) })
    : t("login.failed", { message: result.data.message || result.status });
  error.hidden = false;
});

$("logout").addEventListener("click", async () => {
  stopFollowing();
  await api("DELETE", "/v1/session");
  csrf = null;
  current = null;
  show("login");
});

$("lang").addEventListener("click", () => {
  lang = lang === "vi" ? "en" : "vi";
  localStorage.setItem("commcast.lang", lang);
  translatePage();
  route();
});

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", start);
