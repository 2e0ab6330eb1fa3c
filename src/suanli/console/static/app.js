// suanli console: a static page that talks to /api/v1 with the user's key (kept in sessionStorage).
// This file is the frame: API access, DOM helpers, the page registry, the hash router and the refresh loop.
// Each page lives in pages/<name>.js and calls suanli.register({id, title, group, render}).
"use strict";

const suanli = (() => {
  const KEY = "suanli.key";
  const REFRESH_MS = 3000;
  const $ = (id) => document.getElementById(id);

  // ---------- DOM helpers ----------

  /** An element: attrs may hold class, on<event> handlers, dataset-like attributes; null children are skipped. */
  function el(tag, attrs = {}, ...children) {
    // SVG elements by name; "svg:a" is a link inside a drawing.
    const svg = tag.startsWith("svg:") || ["svg", "g", "rect", "line", "polyline", "path", "text", "circle", "title"].includes(tag);
    const name = tag.replace(/^svg:/, "");
    const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", name) : document.createElement(name);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else if (k === "class" && !svg) node.className = v;
      else if (k === "style" && typeof v === "object") Object.assign(node.style, v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function table(columns, rows, render, options = {}) {
    if (!rows.length) return el("div", { class: "empty" }, options.empty || "nothing yet");
    const head = el("tr", {}, ...columns.map((c) => el("th", {}, c)));
    const body = rows.map((r) => el("tr", options.rowAttrs ? options.rowAttrs(r) : {},
      ...render(r).map((c) => el("td", {}, c))));
    return el("table", { class: options.class || "" }, el("thead", {}, head), el("tbody", {}, ...body));
  }

  const badge = (text, kind = text) => el("span", { class: `badge ${kind}` }, text);

  /** Data classifications, lowest first (after the Data Security Law's general / important / core data). */
  const CLASSIFICATIONS = ["public", "internal", "important", "core"];
  /** A classification as a badge: one colour per level, the level in its title. */
  const classified = (label) => el("span", { class: `badge cls cls-${CLASSIFICATIONS.includes(label) ? label : "public"}`,
    title: `data classification: ${label || "public"}`, "data-classification": label || "public" }, label || "public");

  /** A progress bar: ``done`` of ``total`` as a filled track, with a label beside it. */
  function meterBar(done, total, label) {
    const share = total ? Math.max(0, Math.min(1, done / total)) : 0;
    return el("div", { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(100 * share) },
      el("div", { class: "bar-track" }, el("div", { class: "bar-fill", style: { width: `${100 * share}%` } })),
      el("span", { class: "progress-label" }, label ?? `${Math.round(100 * share)}%`));
  }
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
  const code = (text) => el("code", {}, text);

  function ago(iso, now = Date.now()) {
    if (!iso) return "—";
    const s = Math.round((now - new Date(iso).getTime()) / 1000);
    const future = s < 0;
    const text = duration(Math.abs(s));
    return future ? `in ${text}` : `${text} ago`;
  }

  function duration(seconds) {
    const s = Math.round(seconds);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  }

  function bytes(n) {
    const units = ["B", "KB", "MB", "GB", "TB", "PB"];
    let v = Number(n);
    let i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i += 1; }
    return `${i ? v.toFixed(v < 10 ? 2 : 1) : v} ${units[i]}`;
  }

  const num = (n) => Number(n).toLocaleString("en-US");

  function card(title, body, options = {}) {
    return el("article", { class: `card${options.wide ? " wide" : ""}`, id: options.id },
      title ? el("h2", {}, title, options.extra || null) : null,
      options.note ? el("p", { class: "muted" }, options.note) : null,
      body);
  }

  /** Horizontal bars: entries are [label, value]; the longest bar is the largest value. */
  function bars(entries, unit, options = {}) {
    if (!entries.length) return el("div", { class: "empty" }, options.empty || "no data");
    const top = Math.max(...entries.map(([, v]) => v));
    return el("div", { class: "chart" }, ...entries.map(([label, value]) => {
      const fill = el("div", { class: "bar-fill" });
      fill.style.width = `${top ? (100 * value) / top : 0}%`;
      const shown = options.format ? options.format(value) : `${value.toFixed(2)} ${unit}`;
      return el("div", { class: "bar-row" }, el("code", {}, label), el("div", { class: "bar-track" }, fill), shown);
    }));
  }

  /** Facts as pills: [label, value] pairs; empty values are left out. */
  const facts = (pairs) => el("div", { class: "facts" }, ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => el("span", { class: "fact" }, el("b", {}, k), v)));

  const present = (nodes) => nodes.flat().filter((x) => x !== null && x !== undefined && x !== false);

  // ---------- API ----------

  async function api(path, options = {}) {
    const init = { method: options.method || "GET", headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY)}` } };
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      init.headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      const err = new Error(`the server cannot be reached (${e.message})`);
      err.status = 0;
      throw err;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = new Error(body?.error?.message || `HTTP ${response.status}`);
      err.status = response.status;
      err.code = body?.error?.code;
      err.path = path;
      throw err;
    }
    return body;
  }

  async function optional(path) {
    try { return await api(path); } catch (e) { if (e.status === 404) return null; throw e; }
  }

  /** Every item of a paginated listing, following next_cursor for at most ``pages`` pages. */
  async function all(path, pages = 4) {
    const items = [];
    let cursor = null;
    for (let i = 0; i < pages; i += 1) {
      const sep = path.includes("?") ? "&" : "?";
      const page = await api(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      items.push(...page.items);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  const enc = encodeURIComponent;

  // ---------- the error banner ----------

  function showError(message) {
    $("banner-text").textContent = message || "";
    $("banner").hidden = !message;
  }

  // ---------- routing ----------

  const pages = [];

  function register(page) {
    if (pages.some((p) => p.id === page.id)) throw new Error(`page ${page.id} registered twice`);
    pages.push({ order: 100, group: "", ...page });
    pages.sort((a, b) => a.order - b.order);
  }

  function parseHash() {
    const params = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
    return params;
  }

  /** A hash for ``params`` on the current tenant (params with null values are dropped). */
  function href(params) {
    const merged = { tenant: state.tenant, ...params };
    const clean = Object.entries(merged).filter(([, v]) => v !== null && v !== undefined && v !== "");
    return `#${new URLSearchParams(clean).toString()}`;
  }

  const link = (params, text, attrs = {}) => el("a", { href: href(params), ...attrs }, text);
  const go = (params) => { location.hash = href(params); };

  // ---------- the frame ----------

  const state = { me: null, tenant: null, tenants: [], view: null, timer: null, paused: false };

  function buildNav() {
    const groups = [];
    for (const p of pages) {
      let g = groups.find((x) => x.name === p.group);
      if (!g) { g = { name: p.group, pages: [] }; groups.push(g); }
      g.pages.push(p);
    }
    $("tabs").replaceChildren(...groups.map((g) => el("div", { class: "nav-group" },
      g.name ? el("div", { class: "nav-title" }, g.name) : null,
      ...g.pages.map((p) => el("a", { id: `tab-${p.id}`, class: "tab", role: "tab", href: href({ page: p.id }) },
        p.icon ? el("span", { class: "icon", "aria-hidden": "true" }, p.icon) : null, p.title)))));
  }

  async function renderHead() {
    const tenant = await api(`/api/v1/tenants/${enc(state.tenant)}`);
    $("tenant-title").textContent = tenant.display_name || tenant.name;
    $("tenant-facts").replaceChildren(badge(tenant.status), ...[["tenant", tenant.name], ["industry", tenant.industry],
      ["storage quota", tenant.storage_quota_bytes ? bytes(tenant.storage_quota_bytes) : "unlimited"], ["since", when(tenant.created_at)]]
      .map(([k, v]) => el("span", { class: "fact" }, el("b", {}, k), v)));
  }

  /** Mount the page the hash names: a fresh root, swapped in once its first render is done (no blank flash). */
  async function route() {
    const params = parseHash();
    let wanted = params.tenant && state.tenants.some((t) => t.name === params.tenant) ? params.tenant : state.me.tenant;
    if (params.tenant && wanted !== params.tenant) showError(`no tenant ${params.tenant} visible to you; showing ${wanted}`);
    const tenantChanged = wanted !== state.tenant;
    state.tenant = wanted;
    $("tenant-select").value = wanted;
    const page = pages.find((p) => p.id === (params.page || "overview"));
    if (!page) {
      showError(`no page ${params.page}: showing the overview`);
      history.replaceState(null, "", href({ page: "overview" }));
      return route();
    }
    buildNav();
    for (const p of pages) $(`tab-${p.id}`).classList.toggle("active", p === page);
    document.title = `${page.title} · ${wanted} · suanli 算力`;
    const root = el("div", { class: "page", "data-page": page.id });
    const view = {
      page, root, params, tenant: wanted, me: state.me, first: true, data: {},
      $: (id) => root.querySelector(`#${id}`),
      fill: (id, ...nodes) => {
        const n = root.querySelector(`#${id}`);
        if (n) n.replaceChildren(...present(nodes));
      },
      /** Lay out the page's skeleton (on its first render); later renders fill its parts. */
      mount: (...nodes) => root.replaceChildren(...present(nodes)),
      /** Node names by id (placements name nodes by id), read once per page visit. */
      nodeNames: async () => {
        if (!view.data.nodeNames) {
          const clusters = await api("/api/v1/clusters");
          const details = await Promise.all(clusters.map((c) => api(`/api/v1/clusters/${enc(c.name)}`)));
          view.data.nodeNames = new Map(details.flatMap((c) => c.nodes.map((n) => [n.id, `${c.name}/${n.name}`])));
        }
        return view.data.nodeNames;
      },
      base: `/api/v1/tenants/${enc(wanted)}`,
    };
    state.view = view;
    if (tenantChanged) renderHead().catch((e) => showError(e.message));
    await refresh(view);
    if (state.view === view) $("page").replaceChildren(root);
  }

  /** Render the visible page again; errors go to the banner, and a good render clears it. */
  async function refresh(view = state.view) {
    if (!view || view.busy) return;
    view.busy = true;
    try {
      await view.page.render(view);
      view.first = false;
      if (state.view === view) {
        showError("");
        $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
      }
    } catch (e) {
      if (state.view !== view) return;
      if (e.status === 401) { signOut(); }
      showError(e.path ? `${e.message} (${e.status}: ${e.path.split("?")[0]})` : e.message);
    } finally {
      view.busy = false;
    }
  }

  function tick() {
    if (state.paused || document.hidden || !state.view) return;
    refresh().catch(() => {});
  }

  function setPaused(paused) {
    state.paused = paused;
    $("refresh-toggle").textContent = paused ? "▶ live updates off" : "❚❚ live";
    $("refresh-toggle").classList.toggle("paused", paused);
  }

  function showSignIn() {
    $("sign-in").hidden = false; $("console").hidden = true; $("nav").hidden = true;
    clearInterval(state.timer);
    state.view = null;
  }

  function signOut() { sessionStorage.removeItem(KEY); state.tenant = null; showSignIn(); }

  async function start() {
    showError("");
    if (!sessionStorage.getItem(KEY)) { showSignIn(); return; }
    try {
      const me = await api("/api/v1/me");
      state.me = me;
      $("whoami").textContent = `${me.user} · ${me.role}`;
      state.tenants = me.role === "platform-admin" ? (await api("/api/v1/tenants?limit=500")).items : [{ name: me.tenant }];
      $("tenant-select").replaceChildren(...state.tenants.map((t) => el("option", { value: t.name }, t.name)));
      $("sign-in").hidden = true; $("nav").hidden = false; $("console").hidden = false;
      state.tenant = null;
      await route();
      clearInterval(state.timer);
      state.timer = setInterval(tick, REFRESH_MS);
    } catch (e) {
      if (e.status === 401) signOut();
      showError(e.message);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").onsubmit = (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(KEY, $("api-key").value.trim());
      start();
    };
    $("sign-out").onclick = () => { signOut(); showError(""); };
    $("banner-close").onclick = () => showError("");
    $("refresh-toggle").onclick = () => setPaused(!state.paused);
    $("tenant-select").onchange = () => {
      const page = parseHash().page || "overview";
      location.hash = `#${new URLSearchParams({ tenant: $("tenant-select").value, page }).toString()}`;
    };
    window.addEventListener("hashchange", () => { if (state.me && sessionStorage.getItem(KEY)) route(); });
    document.addEventListener("visibilitychange", tick);
    start();
  });

  return {
    register, api, optional, all, enc, el, table, badge, classified, CLASSIFICATIONS, meterBar, when, ago, duration, bytes, num, code, card, bars, facts,
    href, link, go, refresh: () => refresh(), showError,
    /** Parts of pages that live in their own files (pages/curations.js): filled in by those files. */
    parts: {},
  };
})();
