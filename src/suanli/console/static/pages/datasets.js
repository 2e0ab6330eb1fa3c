// Datasets: the tenant's datasets, each version's lineage, size and documents, and its curation report.
"use strict";
(() => {
  const { el, table, badge, code, card, api, all, optional, enc, ago, when, link, bytes, num, facts, classified } = suanli;

  /** Versions as a graph: each a box, an edge from the version it was made from. */
  function lineage(versions, dataset, selected) {
    if (!versions.length) return el("div", { class: "empty" }, "no versions yet");
    const depth = new Map();
    const sorted = [...versions].sort((a, b) => a.number - b.number);
    for (const ver of sorted) depth.set(ver.number, ver.parent_number && depth.has(ver.parent_number) ? depth.get(ver.parent_number) + 1 : 0);
    const W = 190, H = 54, GX = 60, GY = 14;
    const row = new Map(sorted.map((ver, i) => [ver.number, i]));
    const maxDepth = Math.max(...depth.values());
    const width = (maxDepth + 1) * (W + GX);
    const height = sorted.length * (H + GY);
    const pos = (n) => ({ x: depth.get(n) * (W + GX) + 2, y: row.get(n) * (H + GY) + 2 });
    const svg = el("svg", { class: "lineage", viewBox: `0 0 ${width + 4} ${height + 4}`, width: width + 4, height: height + 4, role: "img", "aria-label": "version lineage" });
    for (const ver of sorted) {
      if (!ver.parent_number || !row.has(ver.parent_number)) continue;
      const a = pos(ver.parent_number), b = pos(ver.number);
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      svg.append(el("path", { class: "edge", d: `M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}` }));
      if (ver.recipe) svg.append(el("text", { class: "edge-label", x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, "text-anchor": "middle" }, ver.recipe));
    }
    for (const ver of sorted) {
      const { x, y } = pos(ver.number);
      const g = el("svg:a", { href: suanli.href({ page: "datasets", dataset, version: ver.number }) },
        el("rect", { class: `vbox${ver.number === selected ? " on" : ""}${ver.report ? " curated" : ""}`, x, y, width: W, height: H, rx: 8 }),
        el("text", { class: "vtitle", x: x + 10, y: y + 20 }, `v${ver.number}${ver.recipe ? ` · ${ver.recipe}` : ""}`),
        el("text", { class: "vsub", x: x + 10, y: y + 40 }, `${num(ver.total_documents)} docs · ${bytes(ver.total_bytes)}`));
      svg.append(g);
    }
    return el("div", { class: "scroll-x" }, svg);
  }

  async function renderList(v) {
    const [datasets, storage] = await Promise.all([all(`${v.base}/datasets`), api(`${v.base}/storage`)]);
    if (v.first) {
      v.mount(el("div", { class: "grid" },
        card("Storage", el("div", { id: "storage" }), { wide: true }),
        card("Datasets", el("div", { id: "datasets" }), { wide: true })));
    }
    const share = storage.quota_bytes ? Math.min(1, (storage.stored_bytes + storage.reserved_bytes) / storage.quota_bytes) : 0;
    v.fill("storage", el("div", { class: "bar-row wide-label" }, el("b", {}, bytes(storage.stored_bytes)),
      el("div", { class: "bar-track" }, el("div", { class: `bar-fill${share > 0.9 ? " over" : ""}`, style: { width: `${100 * share}%` } })),
      storage.quota_bytes ? `of ${bytes(storage.quota_bytes)}` : "no quota"),
      storage.reserved_bytes ? el("p", { class: "muted" }, `${bytes(storage.reserved_bytes)} reserved by uploads in progress`) : null);
    v.fill("datasets", table(["Dataset", "Description", "Classification", "Versions", "Latest", "Created"], datasets,
      (d) => [link({ page: "datasets", dataset: d.name }, d.name), d.description || "—", classified(d.classification), d.version_count,
        d.latest_version ? link({ page: "datasets", dataset: d.name, version: d.latest_version }, `v${d.latest_version}`) : "—",
        el("span", { title: when(d.created_at) }, ago(d.created_at))], { empty: "no datasets yet: suanli dataset create NAME" }));
  }

  /** Documents kept by each operator as bars (kept solid, dropped hatched), with the top reasons. */
  function stepsChart(report) {
    const steps = report.steps || [];
    if (!steps.length) return el("div", { class: "empty" }, "the report lists no operators");
    const top = Math.max(1, ...steps.map((s) => s.docs_in));
    return el("div", { class: "steps" }, ...steps.map((s) => {
      const dropped = s.docs_in - s.docs_out;
      const reasons = Object.entries(s.removed || {}).sort((a, b) => b[1] - a[1]);
      return el("div", { class: "step", "data-step": s.name },
        el("div", { class: "step-name" }, code(s.name), s.changed ? el("span", { class: "muted small" }, ` ${num(s.changed)} changed`) : null),
        el("div", { class: "step-bar", title: `${s.docs_out} of ${s.docs_in} kept` },
          el("div", { class: "kept", style: { width: `${(100 * s.docs_out) / top}%` } }),
          el("div", { class: "dropped", style: { width: `${(100 * dropped) / top}%` } })),
        el("div", { class: "step-nums" }, `${num(s.docs_out)} / ${num(s.docs_in)} kept`, dropped ? el("b", { class: "bad-text" }, ` −${num(dropped)}`) : null,
          el("div", { class: "muted small" }, `${bytes(s.bytes_in)} → ${bytes(s.bytes_out)}`)),
        el("div", { class: "step-reasons" }, ...reasons.map(([r, n]) => el("span", { class: "reason-pill" }, `${r} ${num(n)}`))));
    }));
  }

  function samples(report) {
    const rows = (report.steps || []).flatMap((s) => (s.samples || []).map((x) => ({ step: s.name, ...x })));
    return table(["Operator", "Reason", "Document", "Text"], rows.slice(0, 40),
      (r) => [code(r.step), badge(r.reason, "pending"), r.id ?? "—", el("div", { class: "sample-text", lang: "zh" }, r.text)],
      { empty: "nothing removed" });
  }

  async function renderDataset(v) {
    const name = v.params.dataset;
    const [dataset, versions] = await Promise.all([api(`${v.base}/datasets/${enc(name)}`), api(`${v.base}/datasets/${enc(name)}/versions`)]);
    const number = v.params.version ? Number(v.params.version) : null;
    const chosen = number ? versions.items.find((x) => x.number === number) : null;
    if (number && !chosen) throw new Error(`dataset ${name} has no version ${v.params.version}`);
    let manifest = null;
    let report = null;
    if (chosen) {
      manifest = await api(`${v.base}/datasets/${enc(name)}/versions/${chosen.number}`);
      if (chosen.report && chosen.report.startsWith("reports/")) {
        report = v.data.report || await optional(`${v.base}/datasets/${enc(name)}/reports/${enc(chosen.report.split("/")[1])}`);
        v.data.report = report;  // reports are immutable: read once per visit
      }
    }
    if (v.first) {
      v.mount(el("div", { class: "crumbs" }, link({ page: "datasets" }, "Datasets"), " / ",
        chosen ? link({ page: "datasets", dataset: name }, name) : code(name), chosen ? [" / ", code(`v${chosen.number}`)] : null),
      el("div", { class: "grid" },
        card(null, el("div", {}, el("div", { id: "dataset-head" }), el("div", { id: "classify", class: "classify" })), { wide: true }),
        card("Curations", el("div", {}, ...suanli.parts.curations.mount(v, name)), { wide: true, id: "curations-card",
          note: "A curation runs a built-in recipe over a version on the server and commits what it keeps as the next version." }),
        card("Lineage", el("div", { id: "lineage" }), { wide: true, note: "Each version is immutable; an arrow leads from the version a recipe curated to the version it made." }),
        chosen ? null : card("Versions", el("div", { id: "versions" }), { wide: true }),
        chosen ? card(`Version ${chosen.number}`, el("div", { id: "version" }), { wide: true }) : null,
        chosen ? card("Curation report", el("div", { id: "report" }), { wide: true }) : null,
        report ? card("Samples of removed documents", el("div", { id: "samples" }), { wide: true }) : null));
    }
    v.fill("dataset-head", el("div", { class: "title-row" }, el("h2", {}, dataset.name), classified(dataset.classification)),
      dataset.description ? el("p", {}, dataset.description) : null,
      facts([["versions", dataset.version_count], ["latest", dataset.latest_version ? `v${dataset.latest_version}` : null], ["created", when(dataset.created_at)]]));
    suanli.parts.curations.classification(v, dataset);
    await suanli.parts.curations.fill(v, name, versions.items, number);
    v.fill("lineage", lineage(versions.items, name, number));
    v.fill("versions", table(["Version", "From", "Recipe", "Documents", "Size", "Message", "Created"], [...versions.items].reverse(),
      (x) => [link({ page: "datasets", dataset: name, version: x.number }, `v${x.number}`), x.parent_number ? `v${x.parent_number}` : "—",
        x.recipe ? code(x.recipe) : "uploaded", num(x.total_documents), bytes(x.total_bytes), x.message || "—", ago(x.created_at)]));
    if (chosen) {
      v.fill("version", facts([["documents", num(chosen.total_documents)], ["size", bytes(chosen.total_bytes)],
        ["made from", chosen.parent_number ? `v${chosen.parent_number}` : "an upload"], ["recipe", chosen.recipe], ["created", when(chosen.created_at)]]),
      chosen.message ? el("p", {}, chosen.message) : null,
      table(["#", "Shard", "Compression", "Documents", "Size", "sha256"], manifest.shards,
        (s) => [s.position, code(s.name), s.compression, num(s.documents), bytes(s.size), el("code", { class: "hash" }, (s.sha256 || "").slice(0, 16))]));
      if (report) {
        const kept = report.docs_in ? (100 * report.docs_out) / report.docs_in : 0;
        v.fill("report", facts([["recipe", report.recipe?.name], ["from version", report.source_version ? `v${report.source_version}` : null],
          ["documents in", num(report.docs_in)], ["documents out", num(report.docs_out)], ["kept", `${kept.toFixed(1)}%`],
          ["bytes", report.bytes_in !== undefined ? `${bytes(report.bytes_in)} → ${bytes(report.bytes_out)}` : null]]),
        stepsChart(report));
        v.fill("samples", samples(report));
      } else {
        v.fill("report", el("div", { class: "empty" }, chosen.report ? "the report could not be read" : "this version was uploaded, not curated: it has no report"));
      }
    }
  }

  suanli.register({
    id: "datasets", title: "Datasets", group: "Data", icon: "▤", order: 60,
    render: (v) => (v.params.dataset ? renderDataset(v) : renderList(v)),
  });
})();
