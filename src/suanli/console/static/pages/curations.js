// Curations of a dataset (a part of the dataset page): start one with a built-in recipe, follow its progress live,
// cancel it; a finished one links to the version it made. Also the dataset's classification and raising it.
"use strict";
(() => {
  const { el, table, badge, code, api, enc, ago, when, link, bytes, num, meterBar, classified, CLASSIFICATIONS } = suanli;
  const ACTIVE = ["queued", "running"];
  const STATUS_KIND = { queued: "pending", running: "running", succeeded: "succeeded", failed: "failed", cancelled: "cancelled" };

  /** Where a curation is: exporting shards, curating bytes, uploading; as a bar with its counters. */
  function progress(c) {
    const p = c.progress || {};
    if (c.status === "succeeded") {
      return meterBar(1, 1, `${num(p.docs_out ?? 0)} of ${num(p.docs_in ?? 0)} documents kept`);
    }
    if (!ACTIVE.includes(c.status)) {
      if (!p.input_total) return "—";
      const stopped = meterBar(p.input_bytes || 0, p.input_total, `${c.status} at ${bytes(p.input_bytes || 0)} of ${bytes(p.input_total)}`);
      stopped.classList.add("stopped");  // grey: this work was thrown away
      return stopped;
    }
    if (c.stage === "export" && p.shards_total) {
      return meterBar(p.shards_exported || 0, p.shards_total, `exporting shard ${p.shards_exported || 0} of ${p.shards_total}`);
    }
    if (p.input_total) {
      const pct = Math.floor((100 * (p.input_bytes || 0)) / p.input_total);
      return meterBar(p.input_bytes || 0, p.input_total,
        `${pct}% · ${bytes(p.input_bytes || 0)} of ${bytes(p.input_total)} · ${num(p.shards_done || 0)} shard${p.shards_done === 1 ? "" : "s"} done · ${num(p.docs_in || 0)} → ${num(p.docs_out || 0)} docs`);
    }
    return meterBar(0, 1, c.status === "queued" ? "waiting for the curation controller" : c.stage || "starting");
  }

  async function cancel(v, name, id) {
    try {
      await api(`${v.base}/datasets/${enc(name)}/curations/${enc(id)}/cancel`, { method: "POST" });
      await suanli.refresh();
    } catch (e) { suanli.showError(e.message); }
  }

  /** The form that starts a curation: a built-in recipe, a source version (default: the one shown, else the latest). */
  function startForm(v, name) {
    const recipe = el("select", { id: "curate-recipe", "aria-label": "recipe" });
    const version = el("select", { id: "curate-version", "aria-label": "source version" });
    const about = el("div", { id: "curate-about", class: "muted small" });
    const describe = () => {
      const r = (v.data.recipes || []).find((x) => x.name === recipe.value);
      about.replaceChildren(r ? `${r.description} Operators: ${r.steps.join(" → ")}.` : "");
    };
    recipe.onchange = describe;
    const start = el("button", { id: "curate-start", type: "submit" }, "Start curation");
    const form = el("form", { class: "inline-form", id: "curate-form", onsubmit: async (ev) => {
      ev.preventDefault();
      start.disabled = true;
      try {
        const made = await api(`${v.base}/datasets/${enc(name)}/curations`, { method: "POST",
          body: { recipe: recipe.value, version: Number(version.value) } });
        v.data.started = made.id;
        await suanli.refresh();
      } catch (e) { suanli.showError(e.message); } finally { start.disabled = false; }
    } }, el("label", {}, "Recipe", recipe), el("label", {}, "From version", version), start);
    return el("div", {}, form, about);
  }

  /** Fill the recipe picker once, and the version picker whenever the versions change (keeping the choice). */
  async function fillForm(v, versions, chosen) {
    if (!v.$("curate-form")) return;
    if (!v.data.recipes) {
      v.data.recipes = await api("/api/v1/recipes");
      v.$("curate-recipe").replaceChildren(...v.data.recipes.map((r) => el("option", { value: r.name }, r.name)));
      v.$("curate-recipe").onchange();
    }
    const numbers = versions.map((x) => x.number).sort((a, b) => b - a);
    const key = numbers.join(",");
    if (v.data.versionKey === key) return;
    v.data.versionKey = key;
    const select = v.$("curate-version");
    const keep = select.value || String(chosen || numbers[0] || "");
    select.replaceChildren(...numbers.map((n) => el("option", { value: n }, `v${n}`)));
    if (numbers.map(String).includes(keep)) select.value = keep;
    v.$("curate-start").disabled = !numbers.length;
  }

  /** The skeleton's part: the form (for those who may submit work) and the list. */
  function mount(v, name) {
    const submit = v.me.role !== "viewer";
    return [submit ? startForm(v, name) : null, el("div", { id: "curations" })];
  }

  async function fill(v, name, versions, chosen) {
    const items = (await api(`${v.base}/datasets/${enc(name)}/curations`)).items;
    items.sort((a, b) => b.created_at.localeCompare(a.created_at));
    await fillForm(v, versions, chosen);
    const submit = v.me.role !== "viewer";
    v.fill("curations", table(["Curation", "Recipe", "From", "Status", "Progress", "Result", "Started"], items.slice(0, 20),
      (c) => [code(c.id), code(c.recipe), link({ page: "datasets", dataset: name, version: c.source_version }, `v${c.source_version}`),
        el("span", {}, badge(c.status, STATUS_KIND[c.status] || c.status), ACTIVE.includes(c.status) && c.stage ? el("div", { class: "muted small" }, c.stage) : null),
        progress(c),
        c.result_version ? link({ page: "datasets", dataset: name, version: c.result_version }, `v${c.result_version}`, { class: "result" })
          : c.error ? el("span", { class: "bad-text" }, c.error)
            : ACTIVE.includes(c.status) && submit ? (c.cancel_requested ? el("span", { class: "muted" }, "cancelling…")
              : el("button", { class: "mini danger-mini", "data-cancel": c.id, onclick: () => cancel(v, name, c.id) }, "Cancel")) : "—",
        el("span", { title: when(c.started_at || c.created_at) }, ago(c.started_at || c.created_at))],
      { empty: "no curations yet: start one above, or suanli dataset curate NAME --recipe zh-web",
        rowAttrs: (c) => ({ "data-curation": c.id, "data-status": c.status }) }));
  }

  /** The dataset's classification, and (for those who may) a way to raise it; kept across refreshes. */
  function classification(v, dataset) {
    const current = dataset.classification || "public";
    const higher = CLASSIFICATIONS.slice(CLASSIFICATIONS.indexOf(current) + 1);
    const holder = v.$("classify");
    if (!holder || v.data.classification === current) return;
    v.data.classification = current;
    const can = v.me.role !== "viewer" && higher.length;
    const select = el("select", { id: "classify-level", "aria-label": "new classification" }, ...higher.map((c) => el("option", { value: c }, c)));
    holder.replaceChildren(el("div", { class: "title-row" }, el("span", {}, "Classification "), classified(current)),
      can ? el("form", { class: "inline-form", onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          await api(`${v.base}/datasets/${enc(dataset.name)}/classification`, { method: "PUT", body: { classification: select.value } });
          await suanli.refresh();
        } catch (e) { suanli.showError(e.message); }
      } }, el("label", {}, "Raise to", select), el("button", { id: "classify-raise", type: "submit" }, "Raise")) : null,
      el("p", { class: "muted small" }, higher.length
        ? "A label is raised, never lowered. Jobs that mount this dataset, the models they trained and their deployments are raised with it."
        : "core is the highest classification."));
  }

  suanli.parts.curations = { mount, fill, classification };
})();
