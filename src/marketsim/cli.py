"""The ``marketsim`` command line (also ``python -m marketsim``).

``marketsim run SCENARIO`` runs a scenario, shows a progress bar (on a terminal), prints the
per-firm summary and writes tables, the resolved scenario, ``run.json`` and figures to
``runs/<scenario name>`` (with ``--report``, also ``report.html``; ``--set PATH=VALUE`` changes a
scenario field). ``marketsim report RUN_DIR`` writes the HTML report of a run folder;
``marketsim compare RUN_A RUN_B`` puts two run folders side by side; ``marketsim resume DIR``
finishes a run written with ``--checkpoint-every K`` and killed. ``marketsim validate
FILE...`` checks scenario files; ``marketsim new NAME`` writes a commented starter scenario
``NAME.toml``; ``marketsim sweep`` runs an experiment file and ``marketsim study NAME`` a
classic study (docs/studies.md).

Errors in the input (a bad scenario, an invalid option, a damaged run folder) are printed as
one clean message on stderr (``validate``: on stdout, after ``FAIL``) with exit status 2,
never as a traceback. A scenario naming its strategy as ``"file.py:Class"`` or
``"module:Class"`` runs only with ``--allow-code``; ``validate``, ``report`` and ``sweep
--dry-run`` never import it. Before simulating, ``run`` refuses a run too large for memory and
an ``--out`` it cannot write; the run folder is written all or nothing; a NaN or an infinity
in a period stops the run naming the period, firm and quantity (``docs/reliability.md``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from marketsim.errors import MarketsimError, RunOptionError, shorten

#: Exit status of a run or validation that succeeded, of bad files in ``validate``, and of
#: invalid input (scenario, options). A traceback (a bug) exits with 1, so a script can tell
#: an invalid file from a crash.
EXIT_OK, EXIT_INVALID_FILES, EXIT_USAGE = 0, 2, 2

#: Help of ``--allow-code`` (run and sweep).
ALLOW_CODE_HELP = ("import and run strategies the scenario names as 'file.py:Class' or "
                   "'module:Class' (their code runs with your permissions: only for files you "
                   "trust)")


def _version() -> str:
    from marketsim import __version__

    return __version__


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog} {_version()}", flush=True)  # on stdout, as argparse's own
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marketsim",
        description="Agent-based market simulation: market share versus share of customer.")
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="run a scenario and write its tables and figures",
        description="Run a scenario: progress bar, per-firm summary, then metrics.parquet, "
                    "scenario.toml (the resolved scenario), run.json and figures in --out.")
    run.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    run.add_argument("--customers", type=int, metavar="N",
                     help="number of customers (overrides population.customers)")
    run.add_argument("--periods", type=int, metavar="T",
                     help="number of periods (overrides market.periods)")
    run.add_argument("--seed", type=int, default=0, metavar="S",
                     help="random seed (default 0); same scenario and seed, same numbers")
    run.add_argument("--threads", type=int, metavar="K",
                     help="Numba threads (default: all the cores Numba sees)")
    run.add_argument("--out", type=Path, metavar="DIR",
                     help="output folder (default runs/<scenario file name>)")
    run.add_argument("--transactions", action="store_true",
                     help="also write transactions.parquet (one row per purchase event)")
    run.add_argument("--no-figures", dest="figures", action="store_false",
                     help="do not draw the PNG figures")
    run.add_argument("--report", action="store_true",
                     help="also write report.html (implies --transactions; see `report`)")
    run.add_argument("--set", action="append", default=[], dest="sets", metavar="PATH=VALUE",
                     help="change a scenario field by its dotted path, as sweeps name it "
                          "(firms.CloseCo.retention.reward_rate=0.05); VALUE is TOML; "
                          "repeat for several")
    run.add_argument("--allow-code", action="store_true", help=ALLOW_CODE_HELP)
    run.add_argument("--checkpoint-every", type=int, metavar="K",
                     help="write the whole state to DIR/checkpoint.marketsim every K periods "
                          "(atomically), so `marketsim resume DIR` can finish a killed run "
                          "with identical results")
    run.set_defaults(handler=_cmd_run)

    resume = commands.add_parser(
        "resume", help="finish a run from its checkpoint",
        description="Finish a run started with `marketsim run --checkpoint-every K --out DIR` "
                    "and interrupted: continues from DIR/checkpoint.marketsim and writes the "
                    "same files, bit-identical to the run never interrupted.")
    resume.add_argument("run_dir", metavar="DIR", type=Path,
                        help="the run's output folder (or its checkpoint file)")
    resume.add_argument("--threads", type=int, metavar="K",
                        help="Numba threads (results do not depend on it)")
    resume.add_argument("--allow-code", action="store_true",
                        help="resume a checkpoint not written by you on this machine "
                             "(resuming unpickles Python objects, which can run code: only "
                             "for files you trust)")
    resume.set_defaults(handler=_cmd_resume)

    report = commands.add_parser(
        "report", help="write the HTML report of a run folder",
        description="Write report.html (tables and figures embedded, self-contained) and its "
                    "PNG figures for a folder written by `marketsim run --out DIR`. Brand, "
                    "lifetime-value and relationship sections need a run with --transactions.")
    report.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="run output folder")
    report.add_argument("--out", type=Path, metavar="DIR",
                        help="where to write the report (default: RUN_DIR)")
    report.set_defaults(handler=_cmd_report)

    compare = commands.add_parser(
        "compare", help="compare two run folders side by side",
        description="Per firm, A, B and the difference of market share, share of customer, "
                    "retention, satisfaction, profit (and customer equity when both runs kept "
                    "--transactions); writes compare.csv, compare.md and compare.png.")
    compare.add_argument("run_a", metavar="RUN_A", type=Path, help="first run folder")
    compare.add_argument("run_b", metavar="RUN_B", type=Path, help="second run folder")
    compare.add_argument("--out", type=Path, metavar="DIR",
                         help="where to write the files (default runs/compare_<A>_vs_<B>)")
    compare.set_defaults(handler=_cmd_compare)

    validate = commands.add_parser(
        "validate", help="check scenario files",
        description="Check scenario files: prints OK or the problems of each; exit status 2 "
                    "if any file is invalid. Never imports a strategy's code (only the form of "
                    "a 'file.py:Class' name is checked).")
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario TOML files")
    validate.set_defaults(handler=_cmd_validate)

    new = commands.add_parser(
        "new", help="write a commented starter scenario",
        description="Write NAME.toml, a commented starter scenario that validates and runs "
                    "(never overwrites a file).")
    new.add_argument("name", metavar="NAME", help="scenario name or path (.toml is added)")
    new.set_defaults(handler=_cmd_new)

    from marketsim.experiments.command import add_sweep_command

    add_sweep_command(commands)  # marketsim sweep EXPERIMENT (docs/experiments.md)
    from marketsim.experiments.studies.command import add_study_command

    add_study_command(commands)  # marketsim study NAME (docs/studies.md)
    from marketsim.classroom.command import add_classroom_command

    add_classroom_command(commands)  # marketsim classroom [SCENARIO] (docs/teaching.md)
    return parser


# ---------------------------------------------------------------------------- run
def _cmd_run(args, console) -> int:
    from rich.markup import escape

    from marketsim.market.memory import check_memory
    from marketsim.outputs.atomic import check_writable
    from marketsim.scenario.schema import load_scenario

    scenario = load_scenario(args.scenario)
    out = args.out if args.out is not None else Path("runs") / Path(args.scenario).stem
    if args.sets:
        from marketsim.experiments.overrides import with_sets

        scenario = with_sets(scenario, args.sets, source=str(args.scenario),
                             customers=args.customers, periods=args.periods)
    elif args.customers is not None or args.periods is not None:
        scenario = scenario.with_overrides(customers=args.customers, periods=args.periods)
    log = args.transactions or args.report
    check_memory(scenario, transactions=log, state=log)  # before anything is allocated
    check_writable(out)  # before the simulation, not after it

    from marketsim.api import run

    console.print(
        f"[bold]marketsim {escape(_version())}[/]  {escape(scenario.market.name)}: "
        f"{scenario.population.customers:,} customers x {scenario.market.periods} "
        f"{scenario.market.period_unit}{'s' if scenario.market.periods != 1 else ''}, "
        f"{len(scenario.firms)} firms, seed {args.seed}", highlight=False)
    from marketsim.kernels.jit import cache_is_warm

    if not cache_is_warm():  # first contact: say why nothing moves for a minute
        console.print("Compiling the simulation kernels for this machine (the first run only; "
                      "about a minute on 2 cores)...", highlight=False)
    if scenario.market.warmup_periods:
        console.print(f"Warm-up: {scenario.market.warmup_periods} unrecorded "
                      f"{scenario.market.period_unit}s first, so the market starts settled.",
                      highlight=False)
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise RunOptionError(f"--checkpoint-every must be at least 1, got {args.checkpoint_every}")
    save = {"out": str(out), "figures": args.figures, "report": args.report}
    result = run(scenario, seed=args.seed, threads=args.threads, transactions=log,
                 progress=True, allow_code=args.allow_code,
                 checkpoint=out if args.checkpoint_every else None,
                 checkpoint_every=args.checkpoint_every, save_options=save)
    return _show_and_save(result, out, args.figures, args.report, console)


def _show_and_save(result, out: Path, figures: bool, report: bool, console) -> int:
    """Print the summary, write the run folder, print what was written and the timings."""
    import time

    from rich.markup import escape

    from marketsim.outputs.summary_table import strategy_table, summary_table

    console.print(summary_table(result))
    strategies = strategy_table(result)
    if strategies is not None:
        console.print(strategies)
    saving = time.perf_counter()
    written = result.save(out, figures=figures, report=report)  # all or nothing
    saved_s = time.perf_counter() - saving
    console.print(f"[bold]Wrote[/] {len(written)} files to {escape(str(out))}/")
    for path in written:
        console.print(f"  {escape(str(path))}", highlight=False)
    t = result.timings
    threads = f"{result.threads} thread{'s' if result.threads != 1 else ''}"
    what = "tables, figures and report" if report else "tables and figures" if figures else "tables"
    console.print(
        f"[bold]Throughput[/] {t['customer_periods_per_s'] / 1e6:,.2f} M customer-periods/s "
        f"({result.customers:,} customers x {result.periods} periods in {t['periods_s']:.2f} s, "
        f"{threads})", highlight=False)
    console.print(
        f"[bold]Time[/] setup {t['setup_s']:.2f} s (building the market and its warm-up), "
        f"periods {t['periods_s']:.2f} s, writing {saved_s:.2f} s "
        f"({what}); "
        f"total {t['total_s'] + saved_s:.2f} s. Model state "
        f"{result.state_bytes / max(result.customers, 1):,.0f} bytes per customer",
        highlight=False)
    return EXIT_OK


# ---------------------------------------------------------------------------- resume
def _cmd_resume(args, console) -> int:
    from rich.markup import escape

    from marketsim.api import resume
    from marketsim.outputs.checkpoint import load_checkpoint

    job = load_checkpoint(args.run_dir, trust=args.allow_code)
    scenario = job.model.scenario
    out = args.run_dir if args.run_dir.is_dir() else args.run_dir.parent
    console.print(
        f"[bold]marketsim {escape(_version())}[/]  resuming {escape(scenario.market.name)} at "
        f"{scenario.market.period_unit} {job.period} of {scenario.market.periods} "
        f"(seed {job.seed}) from {escape(str(out))}", highlight=False)
    if job.folder is not None:
        job.folder = str(out)  # the folder may have been moved since
    result = resume(job, threads=args.threads, progress=True, allow_code=args.allow_code)
    return _show_and_save(result, out, bool(job.save.get("figures", True)),
                          bool(job.save.get("report", False)), console)


# ---------------------------------------------------------------------------- report
def _cmd_report(args, console) -> int:
    from rich.markup import escape

    from marketsim.outputs.run_folder import write_report

    written = write_report(args.run_dir, args.out)
    console.print(f"[bold]Wrote[/] {escape(str(written[0]))} and {len(written) - 1} figures",
                  highlight=False)
    return EXIT_OK


# ---------------------------------------------------------------------------- compare
def _cmd_compare(args, console) -> int:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from marketsim.outputs.atomic import check_writable
    from marketsim.outputs.compare import check_same_firms, formatted, write_comparison
    from marketsim.outputs.run_folder import load_run

    a, b = load_run(args.run_a), load_run(args.run_b)
    names = (args.run_a.resolve().name or "A", args.run_b.resolve().name or "B")
    if names[0] == names[1]:
        names = (f"A: {names[0]}", f"B: {names[1]}")
    check_same_firms(a, b, names)
    out = args.out if args.out is not None else Path("runs") / f"compare_{names[0]}_vs_{names[1]}"
    check_writable(out)
    table, written = write_comparison(a, b, out, names)
    shown = Table(box=box.SIMPLE_HEAVY, title=f"{escape(names[0])} vs {escape(names[1])}",
                  title_justify="left", title_style="bold",
                  caption="Difference: B minus A (shares in percentage points).",
                  caption_justify="left")
    for k, column in enumerate(formatted(table).columns):
        shown.add_column(escape(str(column)), justify="left" if k < 2 else "right")
    for row in formatted(table).itertuples(index=False):
        shown.add_row(*(escape(str(v)) for v in row))
    console.print(shown)
    console.print(f"[bold]Wrote[/] {', '.join(escape(str(p)) for p in written)}",
                  highlight=False)
    return EXIT_OK


# ---------------------------------------------------------------------------- validate
def _cmd_validate(args, console) -> int:
    from marketsim.scenario.schema import load_scenario
    from marketsim.scenario.strategy_registry import code_strategies

    bad = 0
    for name in args.files:
        try:
            scenario = load_scenario(name)
        except MarketsimError as exc:
            bad += 1
            message = str(exc)
            if not message.startswith(str(name)):
                message = f"{shorten(name, 200)}: {message}"
            print(f"FAIL  {message}", flush=True)
            continue
        n_firms, n_segments, n_categories = (len(scenario.firms), len(scenario.segments),
                                             len(scenario.categories))
        print(f"OK    {name}  ({scenario.population.customers:,} customers, "
              f"{n_segments} segment{'s' if n_segments != 1 else ''}, "
              f"{n_categories} categor{'ies' if n_categories != 1 else 'y'}, "
              f"{n_firms} firms, {scenario.market.periods} periods)", flush=True)
        for firm in code_strategies(scenario):
            print(f"      note: {firm} is code, not imported by validate (its form only was "
                  "checked); `marketsim run` runs it only with --allow-code", flush=True)
    return EXIT_INVALID_FILES if bad else EXIT_OK


# ---------------------------------------------------------------------------- new
def _cmd_new(args, console) -> int:
    from marketsim.scenario.starter import write_starter

    path = write_starter(args.name)
    print(f"Wrote {path}: edit it, then `marketsim validate {path}` and "
          f"`marketsim run {path}`", flush=True)
    return EXIT_OK


# ---------------------------------------------------------------------------- entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    from rich.console import Console

    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=120)  # piped or redirected: do not squeeze the table to 80
    try:
        return args.handler(args, console)
    except MarketsimError as exc:
        print(f"marketsim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # writing outputs: disk full, permissions
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"marketsim: error: {shorten(where + str(exc.strerror or exc), 2000)}",
              file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("marketsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
