// Jobs: the tenant's jobs with state badges; a job's detail with its event timeline and a live log tail.
"use strict";
(() => {
  const { el, table, badge, code, card, api, all, enc, ago, when, link, duration, facts, classified } = suanli;
  const STATES = ["pending", "admitted", "starting", "running", "succeeded", "failed", "preempted", "cancelled"];
  const FINAL = ["succeeded", "failed", "cancelled"];
  const LOG_KEEP = 256 * 1024;

  const demand = (j) => (j.accelerator_kind ? `${j.accelerators} × ${j.accelerator_kind}`
    : j.min_memory_gb ? `${j.accelerators} × any ≥ ${j.min_memory_gb} GB` : `${j.accelerators} × any`);

  function took(j, now) {
    const start = j.started_at || j.admitted_at;
    if (!start) return "—";
    const end = j.finished_at ? new Date(j.finished_at).getTime() : now;
    return duration((end - new Date(start).getTime()) / 1000);
  }

  /** Whether the budget's hard stop (drain) stopped this job, or is stopping it. */
  const drained = (j) => j.stop_reason === "budget" || /budget/.test(j.message || "");
  /** The event that says the budget stopped the job (a waiting job cancelled by a drain says it only there). */
  const budgetEvent = (events) => [...events].reverse().find((e) => /budget \(drain\)|budget drain/.test(e.message || "")) || null;

  /** A state badge, with a second one when the budget drained the job. */
  const stateBadges = (j, byBudget = drained(j)) => el("span", { class: "states" }, badge(j.state),
    byBudget ? [" ", badge(FINAL.includes(j.state) ? "budget drain" : "draining: budget", "budget")] : null);

  /** "news@2": a link to that version of the tenant's dataset. */
  function mount(ref) {
    const m = /^([A-Za-z0-9_.-]+)@v?(\d+)$/.exec(ref);
    return m ? link({ page: "datasets", dataset: m[1], version: m[2] }, ref, { class: "mount" }) : code(ref);
  }

  /** The model version this job's output became (its number read from the registry), or why it did not. */
  async function output(v, job) {
    if (!job.output_model) return null;
    const model = link({ page: "models", model: job.output_model }, job.output_model);
    if (job.output_error) {
      return el("div", { class: "callout bad", id: "job-output" }, el("b", {}, "Output not registered: "), job.output_error, " (model ", model, ")");
    }
    if (!job.output_version_id) {
      return el("div", { class: "callout", id: "job-output" }, "Output: ", model,
        FINAL.includes(job.state) ? (job.state === "succeeded" ? " · being registered" : " · not registered: the job did not succeed") : " · registered when the job succeeds");
    }
    if (!v.data.outputNumber) {
      const versions = await all(`${v.base}/models/${enc(job.output_model)}/versions`, 1).catch(() => []);
      v.data.outputNumber = versions.find((x) => x.id === job.output_version_id)?.number || null;
    }
    const n = v.data.outputNumber;
    return el("div", { class: "callout", id: "job-output" }, el("b", {}, "Output: "),
      link({ page: "models", model: job.output_model, version: n }, n ? `${job.output_model} v${n}` : job.output_model, { class: "output-version" }),
      el("span", { class: "muted small" }, ` · ${job.output_version_id}`));
  }

  async function renderList(v) {
    const state = STATES.includes(v.params.state) ? v.params.state : null;
    const jobs = await all(`${v.base}/jobs${state ? `?state=${state}` : ""}`);
    jobs.reverse();  // newest first (ids sort by creation)
    const now = Date.now();
    if (v.first) {
      v.mount(card("Jobs", el("div", {},
        el("div", { class: "chips" }, link({ page: "jobs" }, "all", { class: `chip${state ? "" : " on"}` }),
          ...STATES.map((s) => link({ page: "jobs", state: s }, s, { class: `chip${s === state ? " on" : ""}` }))),
        el("div", { id: "jobs" })), { wide: true }));
    }
    v.fill("jobs", table(["Job", "Name", "State", "Class", "Demand", "Priority", "Submitted", "Ran", "Exit", "Message"], jobs,
      (j) => [link({ page: "jobs", job: j.id }, j.id), j.name || "—", stateBadges(j), classified(j.classification), demand(j), j.priority_class,
        el("span", { title: when(j.created_at) }, ago(j.created_at, now)), took(j, now), j.exit_code ?? "—",
        el("span", { class: "reason" }, j.pending_reason && !FINAL.includes(j.state) ? j.pending_reason : j.message || "")],
      { empty: state ? `no ${state} jobs` : "no jobs yet: submit one with suanli job submit", rowAttrs: (j) => ({ "data-job": j.id }) }));
  }

  /** The life of a job: each event a dot on a line, with the time spent in the state before the next. */
  function timeline(events, job, now) {
    if (!events.length) return el("div", { class: "empty" }, "no events");
    return el("ol", { class: "timeline" }, ...events.map((e, i) => {
      const next = events[i + 1] ? new Date(events[i + 1].at).getTime() : (FINAL.includes(job.state) ? null : now);
      const spent = next ? duration((next - new Date(e.at).getTime()) / 1000) : null;
      return el("li", { class: `ev ${e.state}` }, el("span", { class: "dot" }),
        el("div", { class: "ev-head" }, badge(e.state), el("span", { class: "muted" }, when(e.at)), spent ? el("span", { class: "muted small" }, ` · ${spent} in ${e.state}`) : null),
        e.message ? el("div", { class: "ev-msg" }, e.message) : null);
    }));
  }

  /** Read the log from where the last read stopped; keep the last LOG_KEEP characters. */
  async function tail(v) {
    const s = v.data;
    s.offset = s.offset || 0;
    s.log = s.log || "";
    for (let i = 0; i < 32; i += 1) {
      let chunk;
      try {
        chunk = await api(`${v.base}/jobs/${enc(v.params.job)}/logs?offset=${s.offset}`);
      } catch (e) {
        if (e.status === 503) { s.logNote = e.message; return false; }
        throw e;
      }
      if (!chunk.data) break;
      s.log = (s.log + chunk.data).slice(-LOG_KEEP);
      s.offset = chunk.next_offset;
      if (chunk.next_offset - chunk.offset < 65536) break;  // less than a full page: caught up
    }
    return true;
  }

  async function renderJob(v) {
    const id = v.params.job;
    const [job, events] = await Promise.all([api(`${v.base}/jobs/${enc(id)}`), api(`${v.base}/jobs/${enc(id)}/events`)]);
    const before = v.data.offset || 0;
    const names = job.placement ? await v.nodeNames() : new Map();
    await tail(v);
    const made = await output(v, job);
    const now = Date.now();
    if (v.first) {
      const pre = el("pre", { id: "log", class: "log", tabindex: "0" });
      v.mount(el("div", { class: "crumbs" }, link({ page: "jobs" }, "Jobs"), " / ", code(id)),
        el("div", { class: "grid" },
          card(null, el("div", { id: "job-head" }), { wide: true }),
          card("Events", el("div", { id: "events" })),
          card("Placement", el("div", { id: "placement" })),
          card("Log", el("div", {}, el("div", { id: "log-state", class: "muted small" }), pre), { wide: true })));
    }
    const canCancel = !FINAL.includes(job.state) && v.me.role !== "viewer";
    const budget = budgetEvent(events);
    const byBudget = drained(job) || Boolean(budget);
    v.fill("job-head",
      el("div", { class: "title-row" }, el("h2", {}, job.name || job.id), stateBadges(job, byBudget), classified(job.classification),
        canCancel ? el("button", { id: "cancel-job", class: "danger", onclick: async () => {
          try { await api(`${v.base}/jobs/${enc(id)}/cancel`, { method: "POST" }); await suanli.refresh(); } catch (e) { suanli.showError(e.message); }
        } }, "Cancel job") : null),
      facts([["id", job.id], ["demand", demand(job)], ["priority", job.priority_class], ["restart policy", job.restart_policy],
        ["restarts", job.restart_count], ["preemptions", job.preemptions], ["max runtime", job.max_runtime_s ? duration(job.max_runtime_s) : null],
        ["exit code", job.exit_code], ["ran", took(job, now)]]),
      job.pending_reason && !FINAL.includes(job.state)
        ? el("div", { class: "callout warn" }, el("b", {}, "Pending: "), job.pending_reason,
          job.estimated_start_at ? ` · estimated start ${ago(job.estimated_start_at, now)} (${when(job.estimated_start_at)})` : "",
          job.queue_position ? ` · position ${job.queue_position} in the queue` : "") : null,
      byBudget ? el("div", { class: "callout bad", id: "job-budget" }, el("b", {}, "Budget: "),
        job.message && /budget/.test(job.message) ? job.message
          : !FINAL.includes(job.state) ? "the tenant's budget is spent and its hard stop drains running work: this job got SIGTERM and its grace to checkpoint"
            : budget?.message || "stopped by the budget's hard stop (drain)",
        " · ", link({ page: "billing" }, "see the budget")) : null,
      job.message && !(byBudget && /budget/.test(job.message)) ? el("div", { class: `callout ${job.state === "failed" ? "bad" : ""}` }, job.message) : null,
      job.datasets && job.datasets.length ? el("div", { class: "mounts", id: "job-datasets" }, el("b", { class: "muted" }, "Datasets (read-only): "), ...job.datasets.map(mount)) : null,
      made,
      el("div", { class: "cmd" }, code(job.command.join(" "))));
    v.fill("events", timeline(events, job, now));
    v.fill("placement", job.placement
      ? table(["Node", "Devices"], job.placement.devices, ([n, d]) => [code(names.get(n) || n), d.join(", ")])
      : el("div", { class: "empty" }, FINAL.includes(job.state) ? "released" : "not placed yet"));
    const pre = v.$("log");
    if (pre && (v.first || v.data.offset !== before)) {
      const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
      pre.textContent = v.data.log || "";
      if (atBottom || v.first) pre.scrollTop = pre.scrollHeight;
    }
    v.fill("log-state", v.data.logNote || `${(v.data.offset || 0).toLocaleString()} bytes${FINAL.includes(job.state) ? " · finished" : " · following"}`);
  }

  suanli.register({
    id: "jobs", title: "Jobs", group: "Training", icon: "▶", order: 50,
    render: (v) => (v.params.job ? renderJob(v) : renderList(v)),
  });
})();
