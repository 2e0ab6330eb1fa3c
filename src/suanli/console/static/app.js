// suanli console: a static page that talks to /api/v1 with the user's key (kept in sessionStorage).
"use strict";

const $ = (id) => document.getElementById(id);
const KEY = "suanli.key";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY)}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const err = new Error(body?.error?.message || `HTTP ${response.status}`);
    err.status = response.status;
    throw err;
  }
  return body;
}

function showError(message) {
  $("banner").textContent = message;
  $("banner").hidden = !message;
}

function table(columns, rows, render) {
  if (!rows.length) return el("div", { class: "empty" }, "nothing yet");
  const head = el("tr", {}, ...columns.map((c) => el("th", {}, c)));
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows.map((r) => el("tr", {}, ...render(r).map((c) => el("td", {}, c))))));
}

const badge = (text, kind = text) => el("span", { class: `badge ${kind}` }, text);
const when = (iso) => new Date(iso).toLocaleString();

function meter(q, scale) {
  const m = el("div", { class: "meter", title: `${q.nominal} guaranteed + ${q.borrowing_limit} borrowable` });
  const n = el("div", { class: "nominal" });
  n.style.width = `${(100 * q.nominal) / scale}%`;
  const b = el("div", { class: "borrow" });
  b.style.left = n.style.width;
  b.style.width = `${(100 * q.borrowing_limit) / scale}%`;
  m.append(n, b);
  return m;
}

async function renderTenant(name, me) {
  currentTenant = name;
  if (!$("billing").hidden) renderBilling().catch((e) => showError(e.message));
  const [tenant, quotas, users] = await Promise.all([
    api(`/api/v1/tenants/${encodeURIComponent(name)}`),
    api(`/api/v1/tenants/${encodeURIComponent(name)}/quotas`),
    api(`/api/v1/tenants/${encodeURIComponent(name)}/users?limit=100`),
  ]);
  $("tenant-title").textContent = tenant.display_name || tenant.name;
  const facts = [["tenant", tenant.name], ["industry", tenant.industry], ["storage quota", `${(tenant.storage_quota_bytes / 1e9).toFixed(0)} GB`], ["since", when(tenant.created_at)]];
  $("tenant-facts").replaceChildren(badge(tenant.status), ...facts.map(([k, v]) => el("span", { class: "fact" }, el("b", {}, k), v)));

  const scale = Math.max(1, ...quotas.accelerators.map((q) => q.nominal + q.borrowing_limit));
  $("quotas").replaceChildren(table(["Accelerator", "Nominal", "Borrowing limit", ""], quotas.accelerators,
    (q) => [el("code", {}, q.accelerator_kind), q.nominal, q.borrowing_limit, meter(q, scale)]));

  $("members").replaceChildren(table(["Name", "Role", "Status"], users.items,
    (u) => [u.name, badge(u.role, "role"), u.disabled ? badge("disabled") : badge("active")]));

  let events = [];
  if (me.role === "platform-admin" || me.role === "tenant-admin") {
    events = (await api(`/api/v1/audit?tenant=${encodeURIComponent(name)}&limit=15`)).items;
    $("audit").replaceChildren(table(["When", "Action", "Target", "Outcome"], events,
      (e) => [when(e.at), el("code", {}, e.action), e.target, badge(e.outcome)]));
  } else {
    $("audit").replaceChildren(el("div", { class: "empty" }, "the audit log is visible to admins"));
  }
}

// Billing tab: usage charts, the month's invoice and the budget (all computed by the server).
let currentTenant = null;

function chinaMonth(date = new Date()) {
  const local = new Date(date.getTime() + 8 * 3600 * 1000);
  return local.toISOString().slice(0, 7);
}

function bars(entries, unit) {
  if (!entries.length) return el("div", { class: "empty" }, "no usage this month");
  const top = Math.max(...entries.map(([, v]) => v));
  return el("div", {}, ...entries.map(([label, value]) => {
    const fill = el("div", { class: "bar-fill" });
    fill.style.width = `${top ? (100 * value) / top : 0}%`;
    return el("div", { class: "bar-row" }, el("code", {}, label), el("div", { class: "bar-track" }, fill),
      `${value.toFixed(2)} ${unit}`);
  }));
}

async function optional(path) {
  try { return await api(path); } catch (e) { if (e.status === 404) return null; throw e; }
}

async function renderBilling() {
  const name = currentTenant;
  const month = $("billing-month").value || chinaMonth();
  $("billing-month").value = month;
  const base = `/api/v1/tenants/${encodeURIComponent(name)}`;
  const [usage, invoice, budget, alerts] = await Promise.all([
    api(`${base}/usage/${month}`), api(`${base}/invoices/${month}`), optional(`${base}/budgets/${month}`),
    api(`${base}/budget-alerts?month=${month}&limit=100`),
  ]);
  const accel = (sku) => sku.startsWith("accelerator-hour/");
  const days = new Map();
  for (const d of usage.daily.filter((d) => accel(d.sku))) days.set(d.day, (days.get(d.day) || 0) + Number(d.usage) / 3600);
  $("usage-by-day").replaceChildren(bars([...days.entries()], "h"));
  const kinds = usage.totals.filter((t) => accel(t.sku)).map((t) => [t.sku.split("/")[1], Number(t.usage) / 3600]);
  $("usage-by-kind").replaceChildren(bars(kinds, "h"));

  if (budget) {
    const fill = el("div", { class: `bar-fill${Number(budget.percent) >= 100 ? " over" : ""}` });
    fill.style.width = `${Math.min(100, Number(budget.percent))}%`;
    $("budget").replaceChildren(
      el("div", { class: "bar-row" }, el("b", {}, `${budget.percent}%`), el("div", { class: "bar-track" }, fill),
        `¥${budget.spent} / ¥${budget.limit}`),
      el("p", {}, budget.refuse_new ? badge("new work refused", "refused") : badge(budget.hard_stop ? "hard stop armed" : "advisory", "role"), " ", budget.reason),
      table(["When", "Threshold", "Spent", "Webhook"], alerts.items,
        (a) => [when(a.at), `${a.threshold}%`, `¥${Number(a.spent).toFixed(2)}`, badge(a.delivery)]));
  } else {
    $("budget").replaceChildren(el("div", { class: "empty" }, `no budget for ${month}`));
  }

  const showback = Object.entries(invoice.by_user).map(([u, a]) => `${u} ¥${a}`).join(" · ");
  $("invoice").replaceChildren(
    table(["Job / deployment", "User", "Pool", "SKU", "Quantity", "Unit price", "Amount"], invoice.lines,
      (l) => [el("code", {}, l.subject), l.user, l.pool, l.sku, l.quantity, `¥${Number(l.unit_price).toFixed(4)}`, `¥${l.amount}`]),
    el("div", { class: "total" }, `Total ¥${invoice.total}`),
    el("p", { class: "muted" }, showback ? `Showback by user: ${showback}` : ""));
}

function showTab(billing) {
  $("billing").hidden = !billing;
  $("overview-grid").hidden = billing;
  $("tab-billing").classList.toggle("active", billing);
  $("tab-overview").classList.toggle("active", !billing);
  if (billing) renderBilling().catch((e) => showError(e.message));
}

async function start() {
  showError("");
  if (!sessionStorage.getItem(KEY)) {
    $("sign-in").hidden = false; $("overview").hidden = true; $("nav").hidden = true;
    return;
  }
  try {
    const me = await api("/api/v1/me");
    $("whoami").textContent = `${me.user} · ${me.role}`;
    const tenants = me.role === "platform-admin" ? (await api("/api/v1/tenants?limit=500")).items : [{ name: me.tenant }];
    const select = $("tenant-select");
    select.replaceChildren(...tenants.map((t) => el("option", { value: t.name }, t.name)));
    const wanted = new URLSearchParams(location.hash.slice(1)).get("tenant");
    select.value = tenants.some((t) => t.name === wanted) ? wanted : me.tenant;
    select.onchange = () => { location.hash = `tenant=${select.value}`; renderTenant(select.value, me).catch((e) => showError(e.message)); };
    $("sign-in").hidden = true; $("nav").hidden = false; $("overview").hidden = false;
    await renderTenant(select.value, me);
  } catch (e) {
    if (e.status === 401) { sessionStorage.removeItem(KEY); $("sign-in").hidden = false; $("overview").hidden = true; $("nav").hidden = true; }
    showError(e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").onsubmit = (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $("api-key").value.trim());
    start();
  };
  $("sign-out").onclick = () => { sessionStorage.removeItem(KEY); start(); };
  $("tab-overview").onclick = () => showTab(false);
  $("tab-billing").onclick = () => showTab(true);
  $("billing-month").onchange = () => renderBilling().catch((e) => showError(e.message));
  start();
});
