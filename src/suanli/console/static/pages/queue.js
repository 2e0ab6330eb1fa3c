// Queue: the tenant's waiting jobs in the scheduler's order, with reasons and estimated starts; running work.
"use strict";
(() => {
  const { el, table, badge, code, card, api, all, ago, when, link, duration } = suanli;

  const demand = (j) => (j.accelerator_kind ? `${j.accelerators} × ${j.accelerator_kind}`
    : j.min_memory_gb ? `${j.accelerators} × any ≥ ${j.min_memory_gb} GB` : `${j.accelerators} × any kind`)
    + (j.node_count ? ` on ${j.node_count} node${j.node_count > 1 ? "s" : ""}` : "");

  /** Estimated starts on one axis from now: where each waiting job should begin. */
  function timeline(jobs, now) {
    const timed = jobs.filter((j) => j.estimated_start_at);
    if (!timed.length) return el("div", { class: "empty" }, "no estimated starts yet: the scheduler has none to give");
    const last = Math.max(...timed.map((j) => new Date(j.estimated_start_at).getTime()), now + 60_000);
    const span = last - now;
    return el("div", { class: "eta" },
      el("div", { class: "eta-axis" }, el("span", {}, "now"), el("span", {}, `+${duration(span / 1000)}`)),
      ...timed.map((j) => {
        const at = Math.max(0, new Date(j.estimated_start_at).getTime() - now);
        return el("div", { class: "eta-row" }, el("span", { class: "eta-label" }, `#${position(j)} ${j.name || j.id}`),
          el("div", { class: "eta-track" }, el("div", { class: "eta-wait", style: { width: `${(100 * at) / span}%` } }),
            el("div", { class: "eta-dot", style: { left: `${(100 * at) / span}%` }, title: when(j.estimated_start_at) })));
      }));
  }

  function runtime(j, now) {
    const since = j.started_at || j.admitted_at;
    if (!since) return "—";
    const elapsed = (now - new Date(since).getTime()) / 1000;
    if (!j.max_runtime_s) return duration(elapsed);
    const share = Math.min(1, elapsed / j.max_runtime_s);
    return el("div", { class: "runtime" }, `${duration(elapsed)} of ${duration(j.max_runtime_s)}`,
      el("div", { class: "bar-track small" }, el("div", { class: `bar-fill${share > 0.9 ? " over" : ""}`, style: { width: `${100 * share}%` } })));
  }

  const where = (j, names) => (j.placement ? j.placement.devices.map(([n, d]) => `${names.get(n) || n}:${d.join(",")}`).join(" ") : "—");
  const position = (j) => (j.queue_position === null || j.queue_position === undefined ? "–" : j.queue_position + 1);

  /** An estimated start: "in 5m", or "next pass" when it is due already (the scheduler expects it now). */
  const eta = (iso, now) => (!iso ? "unknown" : new Date(iso).getTime() <= now ? "next pass" : ago(iso, now));

  suanli.register({
    id: "queue", title: "Queue", group: "Training", icon: "☰", order: 40,
    async render(v) {
      const [waiting, active] = await Promise.all([
        api(`/api/v1/queue?tenant=${suanli.enc(v.tenant)}&limit=500`),
        Promise.all(["admitted", "starting", "running"].map((s) => all(`${v.base}/jobs?state=${s}`, 1))).then((x) => x.flat()),
      ]);
      const names = await v.nodeNames();
      const now = Date.now();
      if (v.first) {
        v.mount(el("div", { class: "grid" },
          card("Waiting", el("div", { id: "queue" }), { wide: true,
            note: "In the order of the scheduler's last pass. A job waits for quota, for free devices, or for a policy that permits a pool; its reason says which." }),
          card("Estimated starts", el("div", { id: "eta" }), { wide: true }),
          card("Running", el("div", { id: "running" }), { wide: true })));
      }
      v.fill("queue", table(["#", "Job", "Demand", "Priority", "State", "Pending reason", "Estimated start", "Waiting"], waiting,
        (j) => [position(j), el("div", {}, link({ page: "jobs", job: j.id }, j.name || j.id), el("div", { class: "muted small" }, j.id)),
          demand(j), badge(j.priority_class, "role"), badge(j.state),
          el("span", { class: "reason" }, j.pending_reason || "waiting for the next scheduling pass"),
          el("span", { title: when(j.estimated_start_at) }, eta(j.estimated_start_at, now)),
          ago(j.created_at, now)], { empty: "nothing waiting", class: "queue-table" }));
      v.fill("eta", timeline(waiting, now));
      active.sort((a, b) => (a.started_at || a.admitted_at || "").localeCompare(b.started_at || b.admitted_at || ""));
      v.fill("running", table(["Job", "Demand", "State", "Devices", "Runtime", "Restarts"], active,
        (j) => [link({ page: "jobs", job: j.id }, j.name || j.id), demand(j), badge(j.state), code(where(j, names)), runtime(j, now),
          j.restart_count], { empty: "nothing running" }));
    },
  });
})();
