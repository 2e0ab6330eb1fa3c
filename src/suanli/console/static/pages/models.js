// Models: the registry, each model's versions and their lineage back to a training job and a dataset version.
"use strict";
(() => {
  const { el, table, badge, code, card, api, all, enc, ago, when, link, bytes, num, facts } = suanli;

  const params = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n));

  /** "demo@v1" or "name@3": the dataset version as a link when it names one of this tenant's datasets. */
  function datasetRef(ref) {
    if (!ref) return "—";
    const m = /^([A-Za-z0-9_.-]+)@v?(\d+)$/.exec(ref);
    return m ? link({ page: "datasets", dataset: m[1], version: m[2] }, ref) : code(ref);
  }

  function lineage(ver) {
    return el("div", { class: "chain" },
      el("span", { class: "chain-node" }, el("small", {}, "data"), datasetRef(ver.dataset_version)), el("span", { class: "arrow" }, "→"),
      el("span", { class: "chain-node" }, el("small", {}, "training job"), ver.training_job_id ? link({ page: "jobs", job: ver.training_job_id }, ver.training_job_id) : "—"),
      el("span", { class: "arrow" }, "→"),
      el("span", { class: "chain-node on" }, el("small", {}, "model"), `v${ver.number}`));
  }

  async function renderList(v) {
    const models = await all(`${v.base}/models`);
    const versions = await Promise.all(models.map((m) => all(`${v.base}/models/${enc(m.name)}/versions`, 1)));
    if (v.first) v.mount(card("Model registry", el("div", { id: "models" }), { wide: true }));
    v.fill("models", table(["Model", "Description", "Versions", "Latest", "Architecture", "Parameters", "Created"], models,
      (m, i = models.indexOf(m)) => {
        const latest = versions[i].filter((x) => x.status === "ready").at(-1) || versions[i].at(-1);
        return [link({ page: "models", model: m.name }, m.name), m.description || "—", versions[i].length,
          latest ? el("span", {}, `v${latest.number} `, badge(latest.status, latest.status === "ready" ? "active" : "pending")) : "—",
          latest?.architecture || "—", latest ? params(latest.parameters) : "—", ago(m.created_at)];
      }, { empty: "no models yet: a tinygpt job registers its output, or suanli model upload" }));
  }

  async function renderModel(v) {
    const name = v.params.model;
    const [model, versions] = await Promise.all([api(`${v.base}/models/${enc(name)}`), all(`${v.base}/models/${enc(name)}/versions`)]);
    if (v.first) {
      v.mount(el("div", { class: "crumbs" }, link({ page: "models" }, "Models"), " / ", code(name)),
        el("div", { class: "grid" }, card(null, el("div", { id: "model-head" }), { wide: true }),
          card("Versions", el("div", { id: "model-versions" }), { wide: true })));
    }
    v.fill("model-head", el("div", { class: "title-row" }, el("h2", {}, model.name)), model.description ? el("p", {}, model.description) : null,
      facts([["id", model.id], ["versions", versions.length], ["created", when(model.created_at)]]));
    v.fill("model-versions", versions.length ? [...versions].reverse().map((ver) => el("div", { class: `version-block${String(ver.number) === v.params.version ? " on" : ""}`, "data-version": ver.number, id: `model-version-${ver.number}` },
      el("div", { class: "title-row" }, el("h3", {}, `v${ver.number}`), badge(ver.status, ver.status === "ready" ? "active" : "pending"),
        el("span", { class: "muted" }, ver.ready_at ? `ready ${ago(ver.ready_at)}` : `created ${ago(ver.created_at)}`)),
      facts([["architecture", ver.architecture], ["parameters", ver.parameters ? params(ver.parameters) : null], ["tokenizer", ver.tokenizer],
        ["context", ver.context_length ? `${num(ver.context_length)} tokens` : null], ["size", bytes(ver.size_bytes)], ["files", Object.keys(ver.files || {}).length]]),
      lineage(ver))) : el("div", { class: "empty" }, "no versions yet"));
    if (v.first && v.params.version) {
      if (!versions.some((x) => String(x.number) === v.params.version)) throw new Error(`model ${name} has no version ${v.params.version}`);
      requestAnimationFrame(() => document.getElementById(`model-version-${v.params.version}`)?.scrollIntoView({ block: "center" }));
    }
  }

  suanli.register({
    id: "models", title: "Models", group: "Inference", icon: "◆", order: 70,
    render: (v) => (v.params.model ? renderModel(v) : renderList(v)),
  });
})();
