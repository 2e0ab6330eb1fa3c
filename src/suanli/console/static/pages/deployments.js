// Deployments: replicas per region against their bounds, state, and what the autoscaler decided and why.
"use strict";
(() => {
  const { el, table, badge, code, card, api, all, enc, ago, when, link, facts, classified, num } = suanli;
  const LIMITS = [["tenant_rpm", "requests / min", "tenant"], ["tenant_tpm", "tokens / min", "tenant"],
    ["key_rpm", "requests / min", "each API key"], ["key_tpm", "tokens / min", "each API key"]];
  const STATE_KIND = { ready: "active", starting: "provisioning", draining: "provisioning", failed: "error", stopped: "none", suspended: "suspended" };

  /** One region: min..max as a track, a block per replica coloured by state, the autoscaler's target marked. */
  function regionBar(region, bounds, replicas, scaling) {
    const max = Math.max(bounds.max_replicas || 1, replicas.length, scaling?.desired || 0, 1);
    const slots = [];
    for (let i = 0; i < max; i += 1) {
      const r = replicas[i];
      slots.push(el("div", { class: `slot ${r ? r.state : "empty"}${i < bounds.min_replicas ? " min" : ""}`, title: r ? `${r.id}: ${r.state}` : "room to scale out" }));
    }
    return el("div", { class: "region", "data-region": region },
      el("div", { class: "region-head" }, el("b", {}, region),
        el("span", { class: "muted" }, ` ${replicas.filter((r) => r.state === "ready").length} ready of ${replicas.length} · bounds ${bounds.min_replicas}..${bounds.max_replicas}`),
        scaling ? el("span", {}, " · target ", el("b", {}, scaling.desired), scaling.panic ? [" ", badge("panic", "error")] : null) : null),
      el("div", { class: "slots" }, ...slots),
      scaling?.reason ? el("div", { class: "muted small" }, `autoscaler: ${scaling.reason}`) : null);
  }

  function deploymentCard(d, versionOf) {
    const regions = Object.entries(d.regions || {});
    return card(null, el("div", {},
      el("div", { class: "title-row" }, el("h2", {}, link({ page: "deployments", deployment: d.name }, d.name)), badge(d.status, STATE_KIND[d.status] || d.status),
        classified(d.classification), d.generation !== d.observed_generation && d.status !== "suspended" ? badge("rolling out", "provisioning") : null),
      d.status === "suspended" ? el("div", { class: "callout bad suspended-reason" }, el("b", {}, "Suspended: "),
        d.autoscaling?.suspended || "scaled to zero; no replica starts and scaling is refused",
        el("div", { class: "small" }, "Replicas drain to zero. It resumes by itself once the budget allows work again (the limit raised, a new month). ",
          link({ page: "billing" }, "See the budget"))) : null,
      facts([["model", d.model_id ? versionOf(d) : "external"], ["engine", d.engine], ["policy", d.policy], ["slots per replica", d.slots_per_replica],
        ["accelerators", d.accelerators_per_replica ? `${d.accelerators_per_replica} × ${d.accelerator_kind || "any"} per replica` : "none"],
        ["scale to zero after", `${d.scale_to_zero_after_s}s`]]),
      ...regions.map(([region, bounds]) => regionBar(region, bounds, d.replicas.filter((r) => r.region === region),
        d.status === "suspended" ? null : (d.autoscaling || {})[region]))),
    { wide: true, id: `deployment-${d.name}` });
  }

  const perMinute = (n) => (n === null || n === undefined || n === 0 ? "unlimited" : num(n));

  /** The tenant's gateway limits as tiles: what the gateway enforces, and whether it is the tenant's own or the default. */
  function limitTiles(view) {
    return el("div", { class: "limits" }, ...LIMITS.map(([field, unit, whom]) => {
      const own = view.limits[field];
      return el("div", { class: "limit", "data-limit": field },
        el("div", { class: "muted small" }, `${whom}: ${unit}`),
        el("div", { class: "value" }, perMinute(view.effective[field])),
        el("div", { class: "own" }, own === null || own === undefined ? "gateway default" : "set for this tenant"));
    }));
  }

  /** Platform admins edit the limits: empty keeps the gateway's default, 0 is unlimited. */
  function limitForm(v) {
    const inputs = LIMITS.map(([field, unit, whom]) => el("input", { type: "number", min: 0, step: 1, id: `limit-${field}`,
      placeholder: "default", "aria-label": `${whom} ${unit}` }));
    const save = async (ev) => {
      ev.preventDefault();
      const body = Object.fromEntries(LIMITS.map(([field], i) => [field, inputs[i].value === "" ? null : Number(inputs[i].value)]));
      try { await api(`${v.base}/rate-limits`, { method: "PUT", body }); v.data.limitsStamp = null; await suanli.refresh(); } catch (e) { suanli.showError(e.message); }
    };
    const reset = async () => {
      try { await api(`${v.base}/rate-limits`, { method: "DELETE" }); v.data.limitsStamp = null; await suanli.refresh(); } catch (e) { suanli.showError(e.message); }
    };
    return el("form", { class: "inline-form", id: "limits-form", onsubmit: save },
      ...LIMITS.map(([, unit, whom], i) => el("label", {}, `${whom}: ${unit}`, inputs[i])),
      el("button", { type: "submit", id: "limits-save" }, "Save limits"),
      el("button", { type: "button", class: "mini", id: "limits-reset", onclick: reset }, "Reset to defaults"),
      el("span", { class: "muted small" }, "empty: the gateway's default · 0: unlimited"));
  }

  async function fillLimits(v) {
    const view = await api(`${v.base}/rate-limits`);
    v.fill("limits", limitTiles(view), el("p", { class: "muted small" }, view.updated_at ? `set ${ago(view.updated_at)} (${when(view.updated_at)})` : "this tenant has no limits of its own"));
    const stamp = view.updated_at || "none";
    if (v.$("limits-form") && v.data.limitsStamp !== stamp) {  // refill the form only when the limits changed
      v.data.limitsStamp = stamp;
      for (const [field] of LIMITS) v.$(`limit-${field}`).value = view.limits[field] ?? "";
    }
  }

  suanli.register({
    id: "deployments", title: "Deployments", group: "Inference", icon: "⇄", order: 80,
    async render(v) {
      const one = v.params.deployment;
      const deployments = one ? [await api(`${v.base}/deployments/${enc(one)}`)] : await all(`${v.base}/deployments`);
      const models = await all(`${v.base}/models`, 1);
      const modelName = new Map(models.map((m) => [m.id, m.name]));
      const versionOf = (d) => {
        const name = modelName.get(d.model_id) || d.model_id;
        return link({ page: "models", model: name }, `${name}`);
      };
      if (v.first) {
        v.mount(one ? el("div", { class: "crumbs" }, link({ page: "deployments" }, "Deployments"), " / ", code(one)) : null,
          one ? null : el("div", { class: "grid" }, card("Gateway rate limits", el("div", {}, el("div", { id: "limits" }),
            v.me.role === "platform-admin" ? limitForm(v) : null), { wide: true, id: "limits-card",
            note: "What the gateway allows this tenant per minute, over all its keys and per key; past a limit a request gets 429 with retry-after." })),
          el("div", { id: "deployments", class: "grid" }), one ? el("div", { class: "grid" }, card("Replicas", el("div", { id: "replicas" }), { wide: true })) : null);
      }
      if (!one) await fillLimits(v);
      v.fill("deployments", deployments.length ? deployments.map((d) => deploymentCard(d, versionOf))
        : card("Deployments", el("div", { class: "empty" }, "no deployments yet: suanli deploy MODEL"), { wide: true }));
      if (one) {
        v.fill("replicas", table(["Replica", "Region", "State", "Version", "Endpoint", "Restarts", "Started", "Ready", "Message"], deployments[0].replicas,
          (r) => [code(r.id), r.region, badge(r.state, STATE_KIND[r.state] || r.state), r.model_version_id ? code(r.model_version_id) : "—",
            r.url ? code(r.url) : "—", r.restarts, el("span", { title: when(r.started_at) }, ago(r.started_at)), r.ready_at ? ago(r.ready_at) : "—", r.message || ""],
          { empty: "no live replicas (scaled to zero)" }));
      }
    },
  });
})();
