// Cluster: every cluster's nodes as a heat map of devices (allocated, free, cordoned, unhealthy), by kind.
"use strict";
(() => {
  const { el, badge, code, card, api, all, enc, ago, facts, link } = suanli;
  const VENDOR_COLORS = { nvidia: "#5e9c00", huawei: "#c7000b", hygon: "#1f6fd1", cambricon: "#7a3fd1", kunlunxin: "#0f8a8a" };
  let kindsCache = null;

  const vendorOf = (kinds, kind) => kinds.find((k) => k.name === kind)?.vendor || "other";
  const colorOf = (kinds, kind) => VENDOR_COLORS[vendorOf(kinds, kind)] || "#667085";

  /** Devices of this tenant's active jobs, keyed "node/index" (node by id and by name). */
  function jobsByDevice(jobs) {
    const out = new Map();
    for (const j of jobs) {
      for (const [node, indices] of j.placement?.devices || []) {
        for (const i of indices) out.set(`${node}/${i}`, j);
      }
    }
    return out;
  }

  function deviceGrid(node, color, owned) {
    const owner = (i) => owned.get(`${node.id}/${i}`) || owned.get(`${node.name}/${i}`) || null;
    // Other tenants' devices are known only as a count: shown on the highest indices this tenant does not hold.
    const others = new Set();
    let left = node.allocated - [...Array(node.accelerator_count).keys()].filter(owner).length;
    for (let i = node.accelerator_count - 1; i >= 0 && left > 0; i -= 1) if (!owner(i)) { others.add(i); left -= 1; }
    const cells = [];
    for (let i = 0; i < node.accelerator_count; i += 1) {
      const job = owner(i);
      const tip = job ? `device ${i}: ${job.name || job.id} (${job.state})` : `device ${i}: ${others.has(i) ? "allocated" : "free"}`;
      const cls = job ? "dev mine" : others.has(i) ? "dev used" : "dev free";
      const cell = el("div", { class: cls, title: tip, "data-device": i },
        job ? link({ page: "jobs", job: job.id }, "", { class: "dev-link", "aria-label": tip }) : null);
      if (job || others.has(i)) cell.style.background = color;
      cells.push(cell);
    }
    return el("div", { class: "devices" }, ...cells);
  }

  function nodeTile(node, kinds, owned, admin, cluster) {
    const color = colorOf(kinds, node.accelerator_kind);
    const share = node.accelerator_count ? node.allocated / node.accelerator_count : 0;
    const state = !node.healthy ? "unhealthy" : node.schedulable;
    const actions = admin ? el("div", { class: "node-actions" }, ...[["cordon", "cordoned"], ["drain", "draining"], ["uncordon", "ready"]]
      .filter(([, s]) => s !== node.schedulable)
      .map(([action]) => el("button", {
        class: "mini", "data-action": action, onclick: async () => {
          try { await api(`/api/v1/clusters/${enc(cluster)}/nodes/${enc(node.name)}/${action}`, { method: "POST" }); await suanli.refresh(); } catch (e) { suanli.showError(e.message); }
        },
      }, action))) : null;
    return el("div", { class: `node ${state}`, "data-node": node.name },
      el("div", { class: "node-head" },
        el("b", {}, node.name), code(node.accelerator_kind),
        badge(node.healthy ? "healthy" : "unhealthy", node.healthy ? "active" : "error"),
        node.schedulable !== "ready" ? badge(node.schedulable, "provisioning") : null),
      deviceGrid(node, color, owned),
      el("div", { class: "node-foot" },
        el("span", {}, `${node.allocated}/${node.accelerator_count} allocated`),
        el("div", { class: "bar-track small" }, el("div", { class: "bar-fill", style: { width: `${100 * share}%`, background: color } })),
        el("span", { class: "muted" }, [node.memory_gb ? `${node.memory_gb} GB` : "", node.interconnect_domain, node.last_heartbeat_at ? `♥ ${ago(node.last_heartbeat_at)}` : "no heartbeat"].filter(Boolean).join(" · "))),
      actions);
  }

  function summary(nodes, kinds) {
    const by = new Map();
    for (const n of nodes) {
      const s = by.get(n.accelerator_kind) || { total: 0, allocated: 0, unavailable: 0, nodes: 0 };
      s.total += n.accelerator_count; s.allocated += n.allocated; s.nodes += 1;
      if (!n.healthy || n.schedulable !== "ready") s.unavailable += n.accelerator_count - n.allocated;
      by.set(n.accelerator_kind, s);
    }
    if (!by.size) return el("div", { class: "empty" }, "no nodes: add one with suanli cluster add-node");
    return el("div", { class: "kind-summary" }, ...[...by.entries()].map(([kind, s]) => {
      const info = kinds.find((k) => k.name === kind);
      const pct = (x) => `${s.total ? (100 * x) / s.total : 0}%`;
      const free = s.total - s.allocated - s.unavailable;
      return el("div", { class: "kind-row", "data-kind": kind },
        el("div", {}, el("b", {}, kind), el("div", { class: "muted small" }, info ? `${info.vendor} ${info.model}${info.memory_gb ? ` · ${info.memory_gb} GB` : ""}${info.domestic ? " · domestic" : ""}` : "")),
        el("div", { class: "stack" },
          el("div", { class: "seg used", style: { width: pct(s.allocated), background: colorOf(kinds, kind) }, title: `${s.allocated} allocated` }),
          el("div", { class: "seg off", style: { width: pct(s.unavailable) }, title: `${s.unavailable} cordoned, draining or unhealthy` })),
        el("div", { class: "kind-nums" }, `${s.allocated} / ${s.total} allocated · ${free} free`, s.unavailable ? ` · ${s.unavailable} unavailable` : ""));
    }));
  }

  const legend = () => el("div", { class: "legend" },
    el("span", {}, el("i", { class: "dev mine sample" }), "this tenant's job"),
    el("span", {}, el("i", { class: "dev used sample" }), "allocated"),
    el("span", {}, el("i", { class: "dev free sample" }), "free"),
    el("span", {}, el("i", { class: "node-sample cordoned" }), "cordoned / draining"),
    el("span", {}, el("i", { class: "node-sample unhealthy" }), "unhealthy"));

  suanli.register({
    id: "cluster", title: "Cluster", group: "Training", icon: "▦", order: 30,
    async render(v) {
      kindsCache = kindsCache || await api("/api/v1/accelerator-kinds");
      const clusters = await api("/api/v1/clusters");
      const [details, active] = await Promise.all([
        Promise.all(clusters.map((c) => api(`/api/v1/clusters/${enc(c.name)}`))),
        Promise.all(["running", "starting", "admitted"].map((s) => all(`${v.base}/jobs?state=${s}`, 1))).then((x) => x.flat()),
      ]);
      const owned = jobsByDevice(active);
      const admin = v.me.role === "platform-admin";
      if (v.first) {
        v.mount(el("div", { class: "grid" },
          card("Accelerators by kind", el("div", { id: "kind-summary" }), { wide: true }),
          el("div", { id: "clusters", class: "wide stack-cards" })));
      }
      v.fill("kind-summary", summary(details.flatMap((c) => c.nodes), kindsCache), legend());
      v.fill("clusters", details.length ? details.map((c) => {
        const racks = new Map();
        for (const n of c.nodes) racks.set(n.rack, [...(racks.get(n.rack) || []), n]);
        return card(`Cluster ${c.name}`, el("div", {},
          facts([["engine", c.engine], ["provider", c.provider], ["region", c.region], ["heartbeat grace", `${c.heartbeat_grace_s}s`], ["nodes", c.nodes.length]]),
          ...[...racks.entries()].map(([rack, nodes]) => el("div", { class: "rack" },
            el("div", { class: "rack-title" }, rack),
            el("div", { class: "nodes" }, ...nodes.map((n) => nodeTile(n, kindsCache, owned, admin, c.name)))))),
        { id: `cluster-${c.name}` });
      }) : card("Clusters", el("div", { class: "empty" }, "no clusters yet")));
    },
  });
})();
