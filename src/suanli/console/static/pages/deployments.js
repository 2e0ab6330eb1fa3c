// Deployments: replicas per region against their bounds, state, and what the autoscaler decided and why.
"use strict";
(() => {
  const { el, table, badge, code, card, api, all, enc, ago, when, link, facts } = suanli;
  const STATE_KIND = { ready: "active", starting: "provisioning", draining: "provisioning", failed: "error", stopped: "none" };

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
        d.generation !== d.observed_generation ? badge("rolling out", "provisioning") : null),
      facts([["model", d.model_id ? versionOf(d) : "external"], ["engine", d.engine], ["policy", d.policy], ["slots per replica", d.slots_per_replica],
        ["accelerators", d.accelerators_per_replica ? `${d.accelerators_per_replica} × ${d.accelerator_kind || "any"} per replica` : "none"],
        ["scale to zero after", `${d.scale_to_zero_after_s}s`]]),
      ...regions.map(([region, bounds]) => regionBar(region, bounds, d.replicas.filter((r) => r.region === region), (d.autoscaling || {})[region]))),
    { wide: true, id: `deployment-${d.name}` });
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
          el("div", { id: "deployments", class: "grid" }), one ? el("div", { class: "grid" }, card("Replicas", el("div", { id: "replicas" }), { wide: true })) : null);
      }
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
