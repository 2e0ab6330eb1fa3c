// Billing: usage charts, the month's invoice and the budget (all computed by the server).
"use strict";
(() => {
  const { el, table, badge, when, code, card, api, optional, bars } = suanli;

  function chinaMonth(date = new Date()) {
    const local = new Date(date.getTime() + 8 * 3600 * 1000);
    return local.toISOString().slice(0, 7);
  }

  suanli.register({
    id: "billing", title: "Billing", icon: "¥", order: 20,
    async render(v) {
      const month = /^\d{4}-\d{2}$/.test(v.params.month || "") ? v.params.month : chinaMonth();
      const [usage, invoice, budget, alerts] = await Promise.all([
        api(`${v.base}/usage/${month}`), api(`${v.base}/invoices/${month}`), optional(`${v.base}/budgets/${month}`),
        api(`${v.base}/budget-alerts?month=${month}&limit=100`),
      ]);
      if (v.first) {
        const picker = el("input", { id: "billing-month", type: "month", "aria-label": "billing month", value: month });
        picker.addEventListener("change", () => { if (picker.value) suanli.go({ page: "billing", month: picker.value }); });
        v.mount(el("div", { id: "billing", class: "grid" },
          card("Billing month ", null, { wide: true, extra: picker,
            note: "Months in China Standard Time. Amounts in CNY, rounded once per invoice line to the fen." }),
          card("Accelerator-hours by day", el("div", { id: "usage-by-day", class: "chart" })),
          card("Accelerator-hours by kind", el("div", { id: "usage-by-kind", class: "chart" })),
          card("Budget", el("div", { id: "budget" }), { wide: true }),
          card("Invoice", el("div", { id: "invoice" }), { wide: true })));
      }
      const accel = (sku) => sku.startsWith("accelerator-hour/");
      const days = new Map();
      for (const d of usage.daily.filter((d) => accel(d.sku))) days.set(d.day, (days.get(d.day) || 0) + Number(d.usage) / 3600);
      v.fill("usage-by-day", bars([...days.entries()], "h", { empty: "no usage this month" }));
      const kinds = usage.totals.filter((t) => accel(t.sku)).map((t) => [t.sku.split("/")[1], Number(t.usage) / 3600]);
      v.fill("usage-by-kind", bars(kinds, "h", { empty: "no usage this month" }));

      if (budget) {
        const fill = el("div", { class: `bar-fill${Number(budget.percent) >= 100 ? " over" : ""}` });
        fill.style.width = `${Math.min(100, Number(budget.percent))}%`;
        v.fill("budget",
          el("div", { class: "bar-row" }, el("b", {}, `${budget.percent}%`), el("div", { class: "bar-track" }, fill),
            `¥${budget.spent} / ¥${budget.limit}`),
          el("p", {}, budget.refuse_new ? badge("new work refused", "refused")
            : badge(budget.hard_stop ? "hard stop armed" : "advisory", "role"), " ", budget.reason),
          table(["When", "Threshold", "Spent", "Webhook"], alerts.items,
            (a) => [when(a.at), `${a.threshold}%`, `¥${Number(a.spent).toFixed(2)}`, badge(a.delivery)], { empty: "no alerts" }));
      } else {
        v.fill("budget", el("div", { class: "empty" }, `no budget for ${month}`));
      }

      const showback = Object.entries(invoice.by_user).map(([u, a]) => `${u} ¥${a}`).join(" · ");
      v.fill("invoice",
        table(["Job / deployment", "User", "Pool", "SKU", "Quantity", "Unit price", "Amount"], invoice.lines,
          (l) => [code(l.subject), l.user, l.pool, l.sku, l.quantity, `¥${Number(l.unit_price).toFixed(4)}`, `¥${l.amount}`],
          { empty: "no charges this month" }),
        el("div", { class: "total" }, `Total ¥${invoice.total}`),
        el("p", { class: "muted" }, showback ? `Showback by user: ${showback}` : ""));
    },
  });
})();
