// The commcast console in the browser: no framework, no build step. It talks to the
// daemon's own JSON API (/v1/…) with the session cookie, sends the session's CSRF
// token with every change, and follows the station through server-sent events
// (/v1/health/events) rather than asking again and again. Vietnamese first; the EN
// button switches.
"use strict";

const TEXT = {
  vi: {
    "title": "Đài truyền thanh", "logout": "Đăng xuất",
    "login.heading": "Đăng nhập", "login.name": "Tên người dùng", "login.password": "Mật khẩu", "login.submit": "Đăng nhập",
    "login.wrong": "Sai tên người dùng hoặc mật khẩu.", "login.locked": "Đăng nhập sai quá nhiều lần. Thử lại sau {minutes} phút.",
    "login.failed": "Không đăng nhập được: {message}",
    "overview.clusters": "Cụm loa", "overview.zones": "Theo xã, phường",
    "state.online": "Hoạt động", "state.degraded": "Có lỗi", "state.offline": "Mất kết nối", "state.never_seen": "Chưa kết nối",
    "who": "{name} · {roles}", "updated": "Cập nhật lúc {time}", "silent": "Không phát được: {clusters}",
    "zone.counts": "{online} hoạt động, {degraded} có lỗi, {offline} mất kết nối, {never} chưa kết nối",
    "role.operator": "vận hành", "role.supervisor": "phê duyệt", "role.emergency": "khẩn cấp",
  },
  en: {
    "title": "Radio station", "logout": "Log out",
    "login.heading": "Log in", "login.name": "User name", "login.password": "Password", "login.submit": "Log in",
    "login.wrong": "Wrong user name or password.", "login.locked": "Too many failed logins. Try again in {minutes} minutes.",
    "login.failed": "Could not log in: {message}",
    "overview.clusters": "Loudspeaker clusters", "overview.zones": "By commune",
    "state.online": "Online", "state.degraded": "Degraded", "state.offline": "Offline", "state.never_seen": "Never seen",
    "who": "{name} · {roles}", "updated": "Updated at {time}", "silent": "Silent: {clusters}",
    "zone.counts": "{online} online, {degraded} degraded, {offline} offline, {never} never seen",
    "role.operator": "operator", "role.supervisor": "supervisor", "role.emergency": "emergency",
  },
};

let lang = localStorage.getItem("commcast.lang") === "en" ? "en" : "vi";
let csrf = null;
let events = null;
let current = null;
let lastHealth = null;

function t(key, values = {}) {
  return (TEXT[lang][key] || key).replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));
}

function translatePage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.getElementById("lang").textContent = lang === "vi" ? "EN" : "VI";
  document.title = `${t("title")} — commcast`;
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data };
}

function show(id) {
  for (const section of ["login", "overview"]) document.getElementById(section).hidden = section !== id;
  document.getElementById("logout").hidden = id !== "overview";
}

async function start() {
  translatePage();
  const session = await api("GET", "/v1/session");
  if (session.status === 200) {
    csrf = session.data.csrf_token;
    enter(session.data);
  } else {
    show("login");
    document.getElementById("name").focus();
  }
}

function showWho() {
  if (!current) return;
  document.getElementById("who").textContent = t("who", { name: current.operator, roles: current.roles.map((r) => t(`role.${r}`)).join(", ") });
}

function enter(session) {
  current = session;
  showWho();
  show("overview");
  follow();
}

// One event now, then one each time a cluster's health changes.
function follow() {
  stopFollowing();
  events = new EventSource("/v1/health/events");
  events.addEventListener("health", (event) => renderOverview(JSON.parse(event.data)));
  events.onerror = async () => {
    if (events && events.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
    const session = await api("GET", "/v1/session");
    if (session.status === 401) { stopFollowing(); show("login"); } else { setTimeout(follow, 3000); }
  };
}

function stopFollowing() {
  if (events) { events.close(); events = null; }
}

function renderOverview(health) {
  lastHealth = health;
  const total = health.total || {};
  for (const state of ["online", "degraded", "offline", "never_seen"]) {
    document.getElementById(`n-${state}`).textContent = total[state] ?? 0;
  }
  const list = document.getElementById("zones");
  list.replaceChildren(...(health.zones || []).map((z) => {
    const li = document.createElement("li");
    const name = document.createElement("div");
    name.className = "name";
    name.textContent = z.zone;
    const counts = document.createElement("div");
    counts.textContent = t("zone.counts", { online: z.online ?? 0, degraded: z.degraded ?? 0, offline: z.offline ?? 0, never: z.never_seen ?? 0 });
    li.append(name, counts);
    if ((z.silent || []).length) {
      const silent = document.createElement("div");
      silent.className = "silent";
      silent.textContent = t("silent", { clusters: z.silent.join(", ") });
      li.append(silent);
    }
    return li;
  }));
  document.getElementById("updated").textContent = t("updated", { time: new Date().toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB") });
}

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.hidden = true;
  const result = await api("POST", "/v1/session", {
    name: document.getElementById("name").value.trim(),
    password: document.getElementById("password").value,
  });
  document.getElementById("password").value = "";
  if (result.status === 200) {
    csrf = result.data.csrf_token;
    enter(result.data);
    return;
  }
  error.textContent = result.status === 401 ? t("login.wrong")
    : result.status === 429 ? t("login.locked", { minutes: Math.ceil((result.data.retry_after_seconds || 900) / 60) })
    : t("login.failed", { message: result.data.message || result.status });
  error.hidden = false;
});

document.getElementById("logout").addEventListener("click", async () => {
  stopFollowing();
  await api("DELETE", "/v1/session");
  csrf = null;
  current = null;
  show("login");
});

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "vi" ? "en" : "vi";
  localStorage.setItem("commcast.lang", lang);
  translatePage();
  showWho();
  if (lastHealth && !document.getElementById("overview").hidden) renderOverview(lastHealth);
});

start();
