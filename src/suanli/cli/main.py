"""Entry point of the ``suanli`` command.

Each noun lives in its own module and is registered here. Heavy imports happen inside the
commands, so ``suanli --help`` starts fast.
"""

from __future__ import annotations

import typer

from suanli.cli import errors

app = typer.Typer(
    name="suanli",
    help="suanli (算力): the control plane of an AI compute cloud.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # One line per noun. Modules only import typer and their own light dependencies at load time.
    from suanli.cli import audit, key, platform, quota, tenant, user

    app.command("up")(platform.up)
    app.command("status")(platform.status)
    from suanli.cli import curate
    app.command("curate")(curate.curate)
    app.add_typer(tenant.app, name="tenant")
    app.add_typer(user.app, name="user")
    app.add_typer(key.app, name="key")
    app.add_typer(quota.app, name="quota")
    app.command("audit")(audit.audit)
    from suanli.cli import sim
    app.command("sim")(sim.sim)
    from suanli.cli import serve_sim
    app.command("serve-sim")(serve_sim.serve_sim)
    from suanli.cli import policy
    app.add_typer(policy.app, name="policy")
    from suanli.cli import dataset
    app.add_typer(dataset.app, name="dataset")
    from suanli.cli import quality
    app.add_typer(quality.app, name="quality")
    from suanli.cli import bill, budget, pool, provider, quote
    app.command("bill")(bill.bill)
    app.command("quote")(quote.quote)
    app.add_typer(budget.app, name="budget")
    app.add_typer(pool.app, name="pool")
    app.add_typer(provider.app, name="provider")
    from suanli.cli import demo
    app.command("demo")(demo.demo)
    from suanli.cli import cluster, job, queue
    app.add_typer(job.app, name="job")
    app.command("queue")(queue.queue)
    app.add_typer(cluster.app, name="cluster")
    from suanli.cli import deploy, deployment, gateway, model, rate_limit
    app.add_typer(model.app, name="model")
    app.command("deploy")(deploy.deploy)
    app.add_typer(deployment.app, name="deployment")
    app.command("gateway")(gateway.gateway)
    app.add_typer(rate_limit.app, name="rate-limit")


_register()


def main() -> None:
    """Run the CLI; user mistakes print a friendly message, never a traceback."""
    errors.run(app)
