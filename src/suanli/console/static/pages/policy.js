// Policy: the negative list in force, the pools it judges, recent placement decisions with their reasons,
// and quotes: every permitted offer (with each resale layer) and why every other pool is out.
"use strict";
(() => {
  const { el, table, badge, code, card, api, optional, enc, ago, when, facts } = suanli;
  const CLASSES = ["public", "internal", "important", "core"];
  const OWNER_KIND = { "state-owned": "role", private: "active", "self-hosted": "none" };

  async function rules(v) {
    if (v.me.role !== "platform-admin") return { hidden: true };
    const versions = await api("/api/v1/policy/versions");
    const latest = versions.length ? await api(`/api/v1/policy/versions/${versions[0].version}`) : null;
    return { versions, latest };
  }

  function quoteForm(v) {
    const select = (id, options, value) => el("select", { id, "aria-label": id }, ...options.map((o) => el("option", { value: o, selected: o === value }, o)));
    const form = el("form", { id: "quote-form", class: "quote-form" },
      el("label", {}, "Workload", select("quote-kind", ["training", "inference", "batch", "storage"], "training")),
      el("label", {}, "Data classification", select("quote-class", CLASSES, "public")),
      el("label", {}, "Accelerator kinds", el("input", { id: "quote-kinds", placeholder: "nvidia-h100, ascend-910b" })),
      el("label", {}, "Count", el("input", { id: "quote-count", type: "number", min: "0", value: "8" })),
      el("button", { type: "submit" }, "Get quote"));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const kinds = form.querySelector("#quote-kinds").value.split(/[\s,]+/).filter(Boolean);
      const count = Number(form.querySelector("#quote-count").value || 0);
      const spec = { name: "console-quote", kind: form.querySelector("#quote-kind").value, classification: form.querySelector("#quote-class").value,
        accelerators: { kinds, count: kinds.length ? count : 0 } };
      try {
        const q = await api(`${v.base}/quotes`, { method: "POST", body: spec });
        v.data.quote = q;
        v.fill("quote-result", quoteResult(q));
        suanli.showError("");
        await suanli.refresh();  // the quote is recorded as a decision
      } catch (e) { suanli.showError(e.message); }
    });
    return form;
  }

  const layers = (ls) => (ls.length ? el("div", { class: "chain" }, ...ls.map((l) => el("span", { class: "chain-node" },
    el("small", {}, `${l.reseller} +${(Number(l.markup) * 100).toFixed(1)}%`), `+¥${l.added_yuan}`))) : "direct");

  function quoteResult(q) {
    return el("div", {},
      el("p", {}, q.chosen ? ["Best permitted offer: ", el("b", {}, q.chosen), q.policy_version ? ` (rules version ${q.policy_version})` : ""]
        : el("span", { class: "bad-text" }, q.pending_reason || "no pool is permitted and fit")),
      table(["Pool", "Devices", "Price / hour", "Base", "Resale layers", "Score", "Why"], q.offers,
        (o) => [el("b", {}, o.pool), o.accelerator_count ? `${o.accelerator_count} × ${o.accelerator_kind}` : "—", `¥${o.price_per_hour_yuan}`,
          `¥${Number(o.base_price_per_hour).toFixed(2)}`, layers(o.resale_layers), o.score, el("span", { class: "muted small" }, o.explanation)],
        { empty: "no permitted offer", class: "offers" }),
      q.excluded.length ? el("h3", {}, "Excluded") : null,
      q.excluded.length ? table(["Pool", "Why"], q.excluded, (e) => [el("b", {}, e.pool), el("span", { class: "reason" }, e.explanation)]) : null);
  }

  suanli.register({
    id: "policy", title: "Policy & quotes", group: "Governance", icon: "⚖", order: 90,
    async render(v) {
      const [residency, pools, providers, decisions, ruleset] = await Promise.all([
        optional(`${v.base}/residency`), api("/api/v1/pools"), api("/api/v1/providers"),
        api(`${v.base}/placement-decisions?limit=25`), rules(v),
      ]);
      if (v.first) {
        v.mount(el("div", { class: "grid" },
          card("Residency", el("div", { id: "residency" })),
          card("Rules in force", el("div", { id: "rules" }), { note: "A negative list: whatever no rule forbids is allowed." }),
          card("Quote", el("div", {}, quoteForm(v), el("div", { id: "quote-result" })), { wide: true,
            note: "Every permitted pool, priced with each layer of any resale chain; the rules filter first, then a neutral score ranks by price per unit of performance." }),
          card("Recent placement decisions", el("div", { id: "decisions" }), { wide: true }),
          card("Pools", el("div", { id: "pools" }), { wide: true })));
      }
      v.fill("residency", residency ? facts([["jurisdiction", residency.jurisdiction], ["set", residency.updated_at ? when(residency.updated_at) : null]])
        : el("div", { class: "empty" }, "no data jurisdiction on record: residency rules cannot be checked, and quotes are refused until a platform admin sets it"));
      if (ruleset.hidden) {
        v.fill("rules", el("div", { class: "empty" }, "the rule text is visible to platform admins; every exclusion below names its rule and version"));
      } else if (!ruleset.latest) {
        v.fill("rules", el("div", { class: "empty" }, "no rules uploaded: every placement is permitted"));
      } else {
        v.fill("rules", facts([["version", ruleset.latest.version], ["rules", ruleset.latest.rule_count], ["author", ruleset.latest.author],
          ["uploaded", when(ruleset.latest.uploaded_at)], ["note", ruleset.latest.note]]),
        el("pre", { class: "yaml", id: "rules-text" }, ruleset.latest.text),
        ruleset.versions.length > 1 ? table(["Version", "Rules", "Author", "Note", "Uploaded"], ruleset.versions,
          (d) => [d.version, d.rule_count, d.author, d.note || "—", ago(d.uploaded_at)]) : null);
      }
      v.fill("decisions", table(["When", "Purpose", "Workload", "Chosen pool", "Rules", "Explanation"], decisions.items,
        (d) => [el("span", { title: when(d.at) }, ago(d.at)), badge(d.purpose, "role"), code(d.workload), d.chosen_pool ? el("b", {}, d.chosen_pool) : badge("none", "error"),
          d.policy_version ? `v${d.policy_version}` : "—", el("span", { class: "reason" }, d.explanation)], { empty: "no quotes or placements yet" }));
      const owner = new Map(providers.map((p) => [p.id, p]));
      v.fill("pools", table(["Pool", "Provider", "Region", "Jurisdiction", "Certifications", "Accelerators", "Resale chain"], pools,
        (p) => [el("b", {}, p.id), el("span", {}, owner.get(p.provider)?.name || p.provider, " ", badge(owner.get(p.provider)?.ownership || "?", OWNER_KIND[owner.get(p.provider)?.ownership] || "none")),
          p.region, p.jurisdiction, p.certifications.map((c) => badge(c, "role")),
          Object.entries(p.accelerators).map(([k, n]) => el("div", {}, code(k), ` × ${n}`)),
          p.resale.length ? p.resale.map((l) => `${l.reseller} +${(Number(l.markup) * 100).toFixed(1)}%`).join(" → ") : "direct"],
        { empty: "no pools in the catalog" }));
      if (v.data.quote && v.first) v.fill("quote-result", quoteResult(v.data.quote));
    },
  });
})();
