"""``marketsim sweep EXPERIMENT``: the experiment runner on the command line.

Registered in :mod:`marketsim.cli` by :func:`add_sweep_command`. Runs every unfinished run of
the experiment with a progress bar (runs done, failed, rate, time left), then writes the
results table, the summary and the figures to ``--out`` (default ``sweeps/<file name>``).
``--dry-run`` prints the design and an estimate of the work without running anything.
"""

from __future__ import annotations

from pathlib import Path

from marketsim.experiments.executors import EXECUTORS
from marketsim.progress import ProgressBar

#: Exit status when every run finished, and when some runs failed (recorded in the manifest).
EXIT_OK, EXIT_RUNS_FAILED = 0, 1


def add_sweep_command(commands) -> None:
    """Add the ``sweep`` sub-command to the ``marketsim`` parser's sub-parsers."""
    sweep = commands.add_parser(
        "sweep", help="run an experiment: a sweep of scenarios, replicated over seeds",
        description="Run an experiment file (experiments/*.toml, see docs/experiments.md): "
                    "every design point and replication not already finished, then "
                    "results.parquet, summary.csv and figures in --out.")
    sweep.add_argument("experiment", metavar="EXPERIMENT", help="experiment TOML file")
    sweep.add_argument("--executor", choices=EXECUTORS, default=None,
                       help="where runs execute (default: processes, or dask with --scheduler "
                            "or --dask-local)")
    sweep.add_argument("--workers", type=int, metavar="N",
                       help="processes: number of worker processes (default: every core)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="dask: address of a running scheduler, e.g. tcp://host:8786")
    sweep.add_argument("--dask-local", type=int, metavar="N",
                       help="dask: start a LocalCluster of N single-threaded workers")
    sweep.add_argument("--out", type=Path, metavar="DIR",
                       help="output folder (default sweeps/<experiment file name>)")
    sweep.add_argument("--resume", action="store_true",
                       help="continue a sweep in --out: finished runs are skipped")
    sweep.add_argument("--dry-run", action="store_true",
                       help="print the design and an estimate of the work; run nothing")
    sweep.add_argument("--no-figures", dest="figures", action="store_false",
                       help="do not draw the PNG figures")
    sweep.add_argument("--allow-code", action="store_true",
                       help="import and run strategies the scenarios name as 'file.py:Class' or "
                            "'module:Class' (their code runs with your permissions: only for "
                            "files you trust; --dry-run never imports them)")
    sweep.set_defaults(handler=cmd_sweep)


class _RichProgress(ProgressBar):
    """Progress bar: runs done of all, failed, runs per second, elapsed, time left."""

    def __init__(self, console):
        super().__init__(console, "[bold]runs",
                         ("[red]{task.fields[failed]} failed", "{task.fields[rate]}"))
        self.task = None
        self.failed = 0
        self.new = 0
        self.t0 = 0.0

    def start(self, total, finished):
        import time

        self.t0 = time.perf_counter()
        self.task = self.progress.add_task("runs", total=total, completed=finished, failed=0,
                                           rate="")

    def advance(self, ok):
        import time

        self.new += 1
        self.failed += 0 if ok else 1
        rate = self.new / max(time.perf_counter() - self.t0, 1e-9)
        self.progress.update(self.task, advance=1, failed=self.failed, rate=f"{rate:.2f} runs/s")


def _design_table(experiment, limit: int = 30):
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    frame = experiment.design_frame()
    table = Table(box=box.SIMPLE_HEAVY, title=f"Design: {len(frame)} points "
                  f"({experiment.spec.design.kind})", title_justify="left", title_style="bold")
    table.add_column("Point", justify="right")
    for label in experiment.factor_labels:
        table.add_column(escape(label), justify="right")
    for row in frame.head(limit).itertuples(index=False):
        values = row[2:]
        table.add_row(str(row[0]), *(escape(f"{v:g}" if isinstance(v, float) else str(v))
                                     for v in values))
    if len(frame) > limit:
        table.caption = f"... and {len(frame) - limit} more points (all in design.csv)"
    return table


def _dry_run(experiment, store, workers: int, console) -> int:
    from rich.markup import escape

    from marketsim.experiments.sweep import estimate_seconds, pending_runs

    console.print(_design_table(experiment))
    pending, finished = pending_runs(experiment, store)
    runs = len({r.key for r in experiment.runs})
    base = experiment.base
    console.print(
        f"[bold]Runs[/] {len(experiment.points)} points x {experiment.replications} "
        f"replications = {runs} runs; {finished} already finished in {escape(str(store.root))}, "
        f"{len(pending)} to run", highlight=False)
    console.print(
        f"[bold]Each run[/] {base.population.customers:,} customers x {base.market.periods} "
        f"periods (+{base.market.warmup_periods} warm-up), {len(base.firms)} firms; "
        f"outputs: {', '.join(o.key for o in experiment.outputs)}", highlight=False)
    work = sum(s.scenario.population.customers
               * (s.scenario.market.periods + s.scenario.market.warmup_periods) for s in pending)
    seconds = estimate_seconds(pending, workers)
    console.print(
        f"[bold]Work[/] {work / 1e6:,.1f} M customer-periods; roughly {_duration(seconds)} on "
        f"{workers} worker{'s' if workers != 1 else ''} (estimate, not measured)",
        highlight=False)
    return EXIT_OK


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def cmd_sweep(args, console) -> int:
    import os

    from rich.markup import escape

    from marketsim.experiments.design import load_experiment
    from marketsim.experiments.executors import make_executor
    from marketsim.experiments.store import ResultsStore
    from marketsim.experiments.sweep import run_sweep

    experiment = load_experiment(args.experiment)
    out = args.out if args.out is not None else Path("sweeps") / Path(args.experiment).stem
    executor = make_executor(args.executor, workers=args.workers, scheduler=args.scheduler,
                             dask_local=args.dask_local, warm_scenario=experiment.base)
    console.print(f"[bold]{escape(experiment.name)}[/]  ({escape(str(args.experiment))})",
                  highlight=False)
    if args.dry_run:
        workers = args.dask_local or args.workers or (
            1 if executor.name == "serial" else os.cpu_count() or 1)
        return _dry_run(experiment, ResultsStore(out), workers, console)
    with _RichProgress(console) as progress:
        try:
            report = run_sweep(experiment, out, executor=executor, resume=args.resume,
                               figures=args.figures, progress=progress,
                               allow_code=args.allow_code)
        except KeyboardInterrupt:
            progress.progress.stop()
            console.print(f"[bold]Interrupted[/]: finished runs are kept in {escape(str(out))}; "
                          "run again with --resume to continue")
            raise
    console.print(
        f"[bold]Runs[/] {report.runs}: {report.done} run now, {report.skipped} already "
        f"finished, {report.failed} failed; {report.runs_per_second:.2f} runs/s on "
        f"{executor.name}", highlight=False)
    if report.errors:
        _first_key, first_error = next(iter(report.errors.items()))
        console.print(f"[bold red]Failed runs[/] {len(report.errors)} (errors in "
                      f"{escape(str(out / 'manifest.jsonl'))}), e.g. {escape(first_error)}",
                      highlight=False)
    console.print(f"[bold]Wrote[/] {len(report.files)} files to {escape(str(out))}/ "
                  f"(and runs/ with one Parquet file per run)")
    for path in report.files:
        console.print(f"  {escape(str(path))}", highlight=False)
    return EXIT_RUNS_FAILED if report.failed else EXIT_OK

