// Overview: the tenant at a glance (work in flight, storage), quotas, members and recent activity.
"use strict";
(() => {
  const { el, table, badge, when, code, card, api, all, bytes, num } = suanli;

  function meter(q, scale) {
    const m = el("div", { class: "meter", title: `${q.nominal} guaranteed + ${q.borrowing_limit} borrowable` });
    const n = el("div", { class: "nominal" });
    n.style.width = `${(100 * q.nominal) / scale}%`;
    const b = el("div", { class: "borrow" });
    b.style.left = n.style.width;
    b.style.width = `${(100 * q.borrowing_limit) / scale}%`;
    m.append(n, b);
    return m;
  }

  const tile = (label, value, href, tone = "") => el("a", { class: `tile ${tone}`, href },
    el("div", { class: "tile-value" }, value), el("div", { class: "tile-label" }, label));

  suanli.register({
    id: "overview", title: "Overview", icon: "◎", order: 10,
    async render(v) {
      const admin = v.me.role === "platform-admin" || v.me.role === "tenant-admin";
      const [quotas, users, running, pending, storage, deployments, events] = await Promise.all([
        api(`${v.base}/quotas`), api(`${v.base}/users?limit=100`),
        all(`${v.base}/jobs?state=running`, 1), all(`${v.base}/jobs?state=pending`, 1),
        api(`${v.base}/storage`), all(`${v.base}/deployments`, 1),
        admin ? api(`/api/v1/audit?tenant=${suanli.enc(v.tenant)}&limit=15`).then((r) => r.items) : null,
      ]);
      if (v.first) {
        v.mount(
          el("div", { id: "tiles", class: "tiles" }),
          el("div", { class: "grid" },
            card("Accelerator quotas", el("div", { id: "quotas" }),
              { note: "Guaranteed (nominal) devices, and how many more the tenant may borrow when others leave them idle." }),
            card("Members", el("div", { id: "members" })),
            card("Recent activity", el("div", { id: "audit" }), { wide: true })));
      }
      const live = deployments.filter((d) => d.status !== "deleting");
      const used = storage.quota_bytes ? `${bytes(storage.stored_bytes)} of ${bytes(storage.quota_bytes)}` : bytes(storage.stored_bytes);
      v.fill("tiles",
        tile("jobs running", num(running.length), suanli.href({ page: "jobs", state: "running" }), running.length ? "ok" : ""),
        tile("jobs waiting", num(pending.length), suanli.href({ page: "queue" }), pending.length ? "warn" : ""),
        tile("deployments", num(live.length), suanli.href({ page: "deployments" })),
        tile("dataset storage", used, suanli.href({ page: "datasets" })));

      const scale = Math.max(1, ...quotas.accelerators.map((q) => q.nominal + q.borrowing_limit));
      v.fill("quotas", table(["Accelerator", "Nominal", "Borrowing limit", ""], quotas.accelerators,
        (q) => [code(q.accelerator_kind), q.nominal, q.borrowing_limit, meter(q, scale)], { empty: "no quotas: nothing may run" }));
      v.fill("members", table(["Name", "Role", "Status"], users.items,
        (u) => [u.name, badge(u.role, "role"), u.disabled ? badge("disabled") : badge("active")]));
      v.fill("audit", events === null ? el("div", { class: "empty" }, "the audit log is visible to admins")
        : table(["When", "Action", "Target", "Outcome"], events,
          (e) => [when(e.at), code(e.action), e.target, badge(e.outcome)]));
    },
  });
})();
