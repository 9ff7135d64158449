"""Re-measure the validity table of marketsim on the current model and scenario files.

    python experiments/validity/measure.py [--quick] [--seeds N] [--out DIR] [--only ROW ...]

Each row of the table (the claims of MODEL.md section 4 and the regularities of
/work/shared/research/validity-audit.md) is one function in a ``rows_*.py`` module beside this
file; its docstring says what it claims, how it is measured and where the claim comes from.
Every comparison runs its variants on the same seeds (common random numbers) and reports the
mean and a 95% t-interval over seeds. Writes ``validity.json`` (every quantity per seed, its
mean and interval, the settings, ``holds``) and ``validity.md`` (the table) to ``--out``
(default ``experiments/validity/results-<date>[-quick]``).

A row whose scenario lacks what it needs is recorded as "not measurable: <why>"; a row that
fails is recorded as "error: <message>" with its traceback in the JSON; the others still run.
``--quick`` (2 seeds, small markets) takes about 6 minutes on 2 cores (5.7 on 2026-12-07); the
default (5 seeds) 45-60 minutes on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import subprocess
import sys
import time
import traceback
import warnings
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import numpy as np
import rows_brand
import rows_market
import rows_relationship
import rows_satisfaction
import rows_strategy
from common import ROOT, NotMeasurable, Row, make_config

ROWS = {**rows_market.ROWS, **rows_satisfaction.ROWS, **rows_brand.ROWS,
        **rows_strategy.ROWS, **rows_relationship.ROWS}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 seeds and small markets (about 6 minutes)")
    parser.add_argument("--seeds", type=int, help="number of paired seeds (1..N)")
    parser.add_argument("--out", type=Path, help="output folder")
    parser.add_argument("--threads", type=int, default=1,
                        help="Numba threads per run (default 1: on a busy 2-core machine two "
                             "threads wait on each other at every period)")
    parser.add_argument("--only", nargs="+", metavar="ROW",
                        help="row numbers or keys (e.g. 3 promise_sweep)")
    return parser.parse_args(argv)


def selected(only) -> list[int]:
    if not only:
        return sorted(ROWS)
    keys = {fn.__name__.removeprefix("row_"): n for n, fn in ROWS.items()}
    chosen = []
    for item in only:
        number = int(item) if item.isdigit() else keys.get(item)
        if number not in ROWS:
            rows = ", ".join(f"{n} {k}" for k, n in keys.items())
            sys.exit(f"unknown row {item!r}; rows: {rows}")
        chosen.append(number)
    return sorted(set(chosen))


def stub(number: int, status: str) -> Row:
    """The record of a row whose function did not return one."""
    fn = ROWS[number]
    claim = (fn.__doc__ or "").strip().split("\n")[0]
    return Row(number, fn.__name__.removeprefix("row_"), claim, "", "", status=status)


def measure_row(number: int, cfg) -> Row:
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            row = ROWS[number](cfg)
    except NotMeasurable as exc:
        row = stub(number, f"not measurable: {exc}")
    except Exception as exc:  # noqa: BLE001 -- a row that fails must not stop the others
        row = stub(number, f"error: {type(exc).__name__}: {exc}")
        row.details["traceback"] = traceback.format_exc()
    row.settings.setdefault("seeds", cfg.seeds)
    row.runtime_s = time.perf_counter() - started
    return row


def plain(value):
    """JSON-safe: numpy scalars and arrays to Python, NaN and infinities to null."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def git_state() -> dict:
    """The commit and the uncommitted changes to tracked files (their list and the SHA-1 of
    ``git diff HEAD``), taken when the run starts: the code a run imports is the code then."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return None

    status = git("status", "--porcelain", "--untracked-files=no") or ""
    diff = git("diff", "HEAD")
    return {"commit": (git("rev-parse", "HEAD") or "").strip() or None,
            "modified_files": status.splitlines(),
            "diff_sha1": hashlib.sha1(diff.encode()).hexdigest() if diff else None}


def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def holds_text(row: Row) -> str:
    if row.status != "measured":
        return row.status.split(":")[0]
    return {True: "yes", False: "no", None: "-"}[row.holds]


def markdown(rows: list[Row], meta: dict) -> str:
    cfg = meta["config"]
    lines = [
        "# marketsim validity table",
        "",
        (f"Measured {meta['generated']} on commit {meta['git']['commit']} "
         f"({len(meta['git']['modified_files'])} tracked files modified at the start, diff "
         f"sha1 {meta['git']['diff_sha1']}) with "
         f"`{meta['command']}`: {'quick' if cfg['quick'] else 'full'} settings, paired seeds "
         f"{cfg['seeds']}, {cfg['customers']:,} customers per run unless a row says otherwise; "
         f"{meta['runtime_s'] / 60:.1f} minutes. Values are means over seeds with 95% "
         "t-intervals in brackets (none with one seed). The design of each row is the "
         "docstring of its function in `experiments/validity/rows_*.py`; every number per seed "
         "is in `validity.json`."),
        "",
        "| # | claim | measured | expected | holds | how measured |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        value = row.value if row.status == "measured" else row.status
        lines.append(f"| {row.number} | {cell(row.claim)} | {cell(value)} | "
                     f"{cell(row.expected)} | {holds_text(row)} | {cell(row.method)} |")
    notes = [(row.number, n) for row in rows for n in row.notes]
    if notes:
        lines += ["", "Notes:", ""] + [f"* row {k}: {n}" for k, n in notes]
    lines += ["", "Runtime per row: " + ", ".join(f"{r.number}: {r.runtime_s:.0f} s"
                                                 for r in rows) + ".", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = make_config(args.quick, args.seeds)
    today = dt.date.today().isoformat()
    out = args.out or HERE / f"results-{today}{'-quick' if args.quick else ''}"
    out.mkdir(parents=True, exist_ok=True)
    numbers = selected(args.only)
    import numba

    import marketsim

    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    state = git_state()
    started = time.perf_counter()
    rows = []
    for k, number in enumerate(numbers, 1):
        name = ROWS[number].__name__.removeprefix("row_")
        print(f"[{k}/{len(numbers)}] row {number} {name} ...", flush=True)
        row = measure_row(number, cfg)
        rows.append(row)
        verdict = holds_text(row)
        print(f"    {verdict} in {row.runtime_s:.1f} s: {row.value or row.status}"
              .replace("<br>", "\n      "), flush=True)
    meta = {
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python", "experiments/validity/measure.py", *(argv or sys.argv[1:])]),
        "git": state,
        "marketsim_version": getattr(marketsim, "__version__", None),
        "config": {**cfg.settings(), "threads": numba.get_num_threads()},
        "runtime_s": time.perf_counter() - started,
    }
    (out / "validity.json").write_text(
        json.dumps(plain({**meta, "rows": [asdict(r) for r in rows]}), indent=1) + "\n",
        encoding="utf-8")
    (out / "validity.md").write_text(markdown(rows, meta), encoding="utf-8")
    print(f"wrote {out / 'validity.json'} and {out / 'validity.md'} "
          f"({meta['runtime_s'] / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
