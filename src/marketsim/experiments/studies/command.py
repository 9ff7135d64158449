"""``marketsim study NAME``: the classic studies on the command line.

Registered in :mod:`marketsim.cli` by :func:`add_study_command`::

    marketsim study --list                              # the studies, their claims
    marketsim study mass_vs_centric --quick             # results/mass_vs_centric/...
    marketsim study satisfaction_loyalty --seeds 10 --out paper/results
    marketsim study --all --gallery docs/studies.md     # every study, then the gallery
    marketsim study --gallery docs/studies.md           # the gallery from results/ as it is

Each study writes ``OUT/<name>/figure.png`` (and ``.pdf``, ``.svg``), ``table.csv``,
``report.md`` and ``verdict.json``. Bad input (an unknown study, an unwritable ``--out``, too
few seeds) exits with status 2 and one line on stderr, as every other command.
"""

from __future__ import annotations

import os
from pathlib import Path

from marketsim.experiments.executors import EXECUTORS
from marketsim.progress import ProgressBar


def add_study_command(commands) -> None:
    """Add the ``study`` sub-command to the ``marketsim`` parser's sub-parsers."""
    study = commands.add_parser(
        "study", help="run a classic study: figure, table with intervals, verdict",
        description="Run a classic study (docs/studies.md): the runs over seeds (the same "
                    "seeds for every variant), then figure.png/.pdf/.svg, table.csv (means "
                    "with 95% intervals), report.md and verdict.json in OUT/NAME.")
    study.add_argument("name", nargs="?", metavar="NAME", help="the study (see --list)")
    study.add_argument("--list", action="store_true", help="list the studies and their claims")
    study.add_argument("--all", action="store_true", help="run every study")
    study.add_argument("--quick", action="store_true",
                       help="the quick size (fewer seeds and customers: about a minute each "
                            "on 2 cores)")
    study.add_argument("--seeds", type=int, metavar="N",
                       help="replications (seeds 1..N; default: the study's own, 3 with "
                            "--quick)")
    study.add_argument("--workers", type=int, metavar="N",
                       help="worker processes (default: every core; 1 runs in this process)")
    study.add_argument("--executor", choices=EXECUTORS, default=None,
                       help="where the runs execute (default: processes; the numbers are the "
                            "same on each)")
    study.add_argument("--scheduler", metavar="ADDRESS",
                       help="dask: address of a running scheduler, e.g. tcp://host:8786")
    study.add_argument("--dask-local", type=int, metavar="N",
                       help="dask: start a LocalCluster of N single-threaded workers")
    study.add_argument("--out", type=Path, default=Path("results"), metavar="DIR",
                       help="output folder (default results/; each study in DIR/NAME)")
    study.add_argument("--root", type=Path, metavar="DIR",
                       help="the source checkout holding scenarios/ (default: the current "
                            "folder, else the checkout marketsim runs from)")
    study.add_argument("--gallery", type=Path, metavar="FILE",
                       help="write the gallery (markdown, e.g. docs/studies.md) from the "
                            "studies in --out, their figures copied beside it")
    study.set_defaults(handler=cmd_study)


class _Progress(ProgressBar):
    def __init__(self, console, label: str, total: int):
        super().__init__(console, f"[bold]{label}", ("seed-runs",))
        self.task = self.progress.add_task(label, total=total)

    def __call__(self, ok: bool) -> None:
        self.progress.update(self.task, advance=1)


def _list(console) -> int:
    from rich.markup import escape

    from marketsim.experiments.studies import STUDIES, get_study

    for name in STUDIES:
        s = get_study(name).STUDY
        console.print(f"[bold]{name}[/]  {escape(s.title)}", highlight=False)
        console.print(f"    claim: {escape(s.claim)}", highlight=False)
        console.print(f"    source: {escape(s.source)}", highlight=False)
        console.print(f"    scenarios: {', '.join(s.scenarios)}; quick {s.quick.seeds} seeds, "
                      f"full {s.full.seeds} seeds", highlight=False)
    return 0


def cmd_study(args, console) -> int:
    import time

    from rich.markup import escape

    from marketsim.errors import RunOptionError
    from marketsim.experiments.studies import STUDIES, get_study
    from marketsim.experiments.studies.base import make_config, write_study

    if args.list:
        return _list(console)
    if args.name and args.all:
        raise RunOptionError("give a study NAME or --all, not both")
    if not (args.name or args.all or args.gallery):
        raise RunOptionError("give a study NAME, --all, --list or --gallery FILE "
                             f"(studies: {', '.join(STUDIES)})")
    names = list(STUDIES) if args.all else [args.name] if args.name else []
    modules = [get_study(name) for name in names]  # an unknown name fails before any run
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    from marketsim.experiments.executors import make_executor

    if args.executor == "serial":
        workers = 1
    make_executor(args.executor, workers=workers, scheduler=args.scheduler,
                  dask_local=args.dask_local)  # bad options fail before any run
    for module in modules:
        config = make_config(module.STUDY, quick=args.quick, seeds=args.seeds, workers=workers,
                             root=args.root)
        started = time.perf_counter()
        console.print(f"[bold]{module.STUDY.name}[/]  {escape(module.STUDY.title)}: "
                      f"{len(config.seeds)} seeds, {config.workers} worker"
                      f"{'s' if config.workers != 1 else ''}"
                      f"{' (quick)' if args.quick else ''}", highlight=False)
        with _Progress(console, module.STUDY.name,
                       module.STUDY.batches * len(config.seeds)) as progress:
            config.progress = progress
            executor = None if args.executor is None and not (
                args.scheduler or args.dask_local) else make_executor(
                    args.executor, workers=workers, scheduler=args.scheduler,
                    dask_local=args.dask_local)
            findings, written = write_study(module, config, args.out, executor)
        console.print(f"[bold]Verdict[/] {'holds' if findings.holds else 'does not hold'} "
                      f"({time.perf_counter() - started:,.0f} s); wrote {len(written)} files "
                      f"to {escape(str(args.out / module.STUDY.name))}/", highlight=False)
        for case, info in findings.cases.items():
            console.print(f"  {escape(case)}: {'holds' if info['holds'] else 'does not hold'}"
                          f"{'' if info.get('in_verdict', True) else ' (outside the verdict)'}",
                          highlight=False)
    if args.gallery:
        from marketsim.experiments.studies.gallery import write_gallery

        path, shown = write_gallery(args.out, args.gallery)
        console.print(f"[bold]Wrote[/] {escape(str(path))} ({shown} studies)", highlight=False)
    return 0
