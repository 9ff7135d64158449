"""Fuzz the command line at scale: mutated scenario and experiment files (issue #21).

    python benchmarks/fuzz.py --scenarios 10000 --experiments 2000 [--jobs N] [--seed S]

Each case is one mutant of a shipped file (:mod:`tests.fuzzing`: the same operators and the
same files for the same seed and index as the test suite's cases), checked through the
command line in a worker process: ``marketsim validate`` and, for a valid scenario, a short
``marketsim run`` (200 customers x 3 periods, 1 warm-up period; with figures when a name was
mutated, and every ``--figures-every``-th run); ``marketsim sweep --dry-run`` of an
experiment and, when it is small, a real serial sweep. A case over its time limit is a hang:
the worker stops it (SIGALRM) or, if it does not answer, is killed and replaced. The script
prints a table (cases, clear errors, accepted, ran, tracebacks, hangs, silent NaN/inf) and
writes every failing case, with its file, to ``--failures`` (JSON lines; ``--keep DIR`` also
keeps the failing files). Exit status 1 if any case failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing as mp
import os
import queue
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Seconds a worker may take beyond a case's own limit before it is killed.
GRACE_S = 30.0


# ---------------------------------------------------------------------------- worker
def _worker(tasks, results, settings: dict) -> None:
    """Check cases from ``tasks`` until it is empty; report ("start", ...) and ("done", ...)."""
    from marketsim.experiments.parent_watch import exit_with_parent

    exit_with_parent(settings["parent"])  # no orphan if the script is killed
    if settings["nice"]:
        os.nice(settings["nice"])
    from tests import fuzzing

    fuzzing.warm_kernels()  # compile (or load) every kernel before anything is timed
    workdir = Path(tempfile.mkdtemp(prefix="marketsim-fuzz-"))
    while True:
        try:
            kind, index = tasks.get(timeout=1.0)
        except queue.Empty:
            return
        results.put(("start", os.getpid(), kind, index, time.time()))
        if kind == "scenario":
            mutant = fuzzing.scenario_mutant(index, settings["seed"])
            figures = ("odd_name" in mutant.operators
                       or (settings["figures_every"] and index % settings["figures_every"] == 0))
            outcome = fuzzing.check_scenario(mutant, workdir, run=True, figures=figures,
                                             limit=settings["limit"])
        else:
            mutant = fuzzing.experiment_mutant(index, settings["seed"])
            outcome = fuzzing.check_experiment(mutant, workdir, sweep=True,
                                               figures=index % 5 == 0,
                                               limit=settings["limit"] * 1.5)
        record = {"kind": kind, "index": index, "source": mutant.source,
                  "operators": list(mutant.operators), "outcome": outcome.kind,
                  "stage": outcome.stage, "seconds": round(outcome.seconds, 3),
                  "detail": outcome.detail[-3000:] if outcome.failed else outcome.detail[:200]}
        if outcome.failed and settings["keep"]:
            keep = Path(settings["keep"])
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{kind}_{index}.toml").write_bytes(mutant.data)
        results.put(("done", os.getpid(), kind, index, record))
        _clean(workdir)
        if outcome.kind == "hang":
            return  # a case stopped mid-way may leave Numba half-built: start afresh


def _clean(workdir: Path) -> None:
    import shutil

    for child in workdir.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- parent
class Pool:
    """Worker processes, each case timed from the parent too: a worker that does not answer
    ``limit + GRACE_S`` seconds after it started a case is killed and replaced."""

    def __init__(self, jobs: int, settings: dict, tasks, results):
        self.context = mp.get_context("spawn")
        self.settings, self.tasks, self.results = settings, tasks, results
        self.workers: dict[int, mp.Process] = {}
        self.current: dict[int, tuple[str, int, float]] = {}
        for _ in range(jobs):
            self.start()

    def start(self) -> None:
        worker = self.context.Process(target=_worker, args=(self.tasks, self.results,
                                                            self.settings), daemon=True)
        worker.start()
        self.workers[worker.pid] = worker

    def overdue(self, limit: float) -> list[tuple[int, str, int]]:
        now = time.time()
        late = []
        for pid, (kind, index, started) in list(self.current.items()):
            allowed = limit * (1.5 if kind == "experiment" else 1.0) + GRACE_S
            if now - started > allowed:
                late.append((pid, kind, index))
        return late

    def kill(self, pid: int) -> None:
        worker = self.workers.pop(pid)
        worker.kill()
        worker.join()
        self.current.pop(pid, None)

    def dead(self) -> list[tuple[int, int | None]]:
        """Workers that ended (pid, exit code), removed from the pool."""
        ended = []
        for pid, worker in list(self.workers.items()):
            if not worker.is_alive():
                worker.join()
                ended.append((pid, worker.exitcode))
                del self.workers[pid]
        return ended


def fuzz(n_scenarios: int, n_experiments: int, *, jobs: int = 1, seed: int = 0,
         limit: float = 20.0, figures_every: int = 50, nice: int = 0,
         keep: str | None = None, progress_every: int = 500) -> list[dict]:
    """Check the cases and return one record per case (see :func:`_worker`)."""
    context = mp.get_context("spawn")
    tasks, results = context.Queue(), context.Queue()
    cases = [("scenario", i) for i in range(n_scenarios)]
    cases += [("experiment", i) for i in range(n_experiments)]
    for case in cases:
        tasks.put(case)
    settings = {"seed": seed, "limit": limit, "figures_every": figures_every, "nice": nice,
                "keep": keep, "parent": os.getpid()}
    pool = Pool(jobs, settings, tasks, results)
    try:
        return _collect(cases, pool, tasks, results, limit, progress_every)
    finally:
        for pid in list(pool.workers):
            pool.kill(pid)


def _collect(cases, pool, tasks, results, limit, progress_every) -> list[dict]:
    records: dict[tuple[str, int], dict] = {}
    started = time.time()
    while len(records) < len(cases):
        try:
            message = results.get(timeout=1.0)
        except queue.Empty:
            message = None
        if message is not None:
            what, pid, kind, index, payload = message
            if what == "start":
                pool.current[pid] = (kind, index, payload)
            else:
                pool.current.pop(pid, None)
                records[(kind, index)] = payload
                if len(records) % progress_every == 0:
                    print(f"  {len(records):,}/{len(cases):,} cases, "
                          f"{time.time() - started:,.0f} s", file=sys.stderr, flush=True)
            continue
        for pid, kind, index in pool.overdue(limit):
            pool.kill(pid)
            records[(kind, index)] = {"kind": kind, "index": index, "outcome": "hang",
                                      "stage": "killed", "seconds": None,
                                      "detail": "the worker did not answer: killed"}
            pool.start()
        for pid, code in pool.dead():
            late = pool.current.pop(pid, None)
            if late is not None and (late[0], late[1]) not in records:
                _drain(results, records, pool)
                if (late[0], late[1]) not in records:
                    records[(late[0], late[1])] = {
                        "kind": late[0], "index": late[1], "outcome": "traceback",
                        "stage": "worker", "seconds": None,
                        "detail": f"the worker process died (exit code {code})"}
            if not tasks.empty():
                pool.start()
        if not pool.workers and len(records) < len(cases):
            pool.start()
    return [records[case] for case in cases]


def _drain(results, records, pool) -> None:
    while True:
        try:
            what, pid, kind, index, payload = results.get(timeout=0.5)
        except queue.Empty:
            return
        if what == "done":
            records[(kind, index)] = payload


# ---------------------------------------------------------------------------- the table
def table(records: list[dict]) -> list[tuple]:
    """Rows of the table: one per kind of file and stage."""
    rows = []
    for kind, first, second in (("scenario", "validate", "run"),
                                ("experiment", "dry_run", "sweep")):
        mine = [r for r in records if r["kind"] == kind]
        if not mine:
            continue
        count = collections.Counter(r["outcome"] for r in mine)
        at_first = collections.Counter(r["outcome"] for r in mine
                                       if r["stage"] in (first, "killed", "worker"))
        accepted = len(mine) - at_first["clear_error"] - at_first["traceback"] \
            - at_first["hang"] - at_first["unclear_error"]
        later = collections.Counter(r["outcome"] for r in mine if r["stage"] == second)
        rows.append((f"{kind} files, `{'validate' if kind == 'scenario' else 'sweep --dry-run'}`",
                     len(mine), at_first["clear_error"], accepted, "-",
                     at_first["traceback"], at_first["hang"], "-", at_first["unclear_error"]))
        tried = sum(later.values())
        rows.append((f"accepted {kind}s, {'`run`' if kind == 'scenario' else 'swept'}",
                     tried, later["run_error"], "-", later["ran"], later["traceback"],
                     later["hang"], later["silent_nan"], "-"))
        assert sum(count.values()) == len(mine)
    return rows


HEADER = ("files", "cases", "clear error", "accepted", "ran", "traceback", "hang",
          "silent NaN/inf", "unclear message")


def markdown(rows: list[tuple]) -> str:
    def cell(value):
        return f"{value:,}" if isinstance(value, int) else str(value)

    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=10_000, help="scenario mutants")
    parser.add_argument("--experiments", type=int, default=2_000, help="experiment mutants")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--seed", type=int, default=0, help="mutation seed (the suite uses 0)")
    parser.add_argument("--limit", type=float, default=20.0,
                        help="seconds a scenario case may take (an experiment 1.5 times it)")
    parser.add_argument("--figures-every", type=int, default=50,
                        help="also draw the figures of every N-th scenario run (0: only "
                             "when a name was mutated)")
    parser.add_argument("--nice", type=int, default=0, help="niceness of the workers")
    parser.add_argument("--failures", default="fuzz-failures.jsonl",
                        help="where to write the failing cases (JSON lines)")
    parser.add_argument("--keep", default=None, help="folder to keep failing files in")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the workers are killed too
    started = time.time()
    records = fuzz(args.scenarios, args.experiments, jobs=args.jobs, seed=args.seed,
                   limit=args.limit, figures_every=args.figures_every, nice=args.nice,
                   keep=args.keep)
    elapsed = time.time() - started
    failed = [r for r in records if r["outcome"] in ("traceback", "hang", "silent_nan",
                                                      "unclear_error")]
    with open(args.failures, "w", encoding="utf-8") as handle:
        for record in failed:
            handle.write(json.dumps(record) + "\n")
    print(markdown(table(records)))
    slowest = max((r["seconds"] or 0 for r in records), default=0)
    print(f"\n{len(records):,} cases, seed {args.seed}, {args.jobs} job(s), {elapsed:,.0f} s "
          f"({elapsed / max(len(records), 1):.2f} s a case; slowest {slowest:.1f} s); "
          f"{len(failed)} failing, listed in {args.failures}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
