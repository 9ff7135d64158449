"""Run folders read back: :func:`load_run` rebuilds the :class:`RunResult` that
``RunResult.save`` wrote, and :func:`write_report` turns a folder into ``report.html``
(what ``marketsim report`` does).

A run folder may come from someone else, or be damaged (a truncated Parquet file, an edited
``run.json``): every file is checked as it is read, and anything wrong ends in one
:class:`~marketsim.errors.RunFolderError` naming the file, never a traceback. Nothing in the
folder is run: a ``strategy = "file.py:Class"`` in its ``scenario.toml`` is only read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from marketsim.errors import MarketsimError, RunFolderError, RunOptionError, shorten
from marketsim.outputs.report import build_report
from marketsim.outputs.run_result import RunResult
from marketsim.scenario.schema import load_scenario

#: Columns of metrics.parquet the report cannot do without.
NEEDED_COLUMNS = ("period", "firm", "customers", "units", "revenue", "market_share_units",
                  "market_share_revenue", "share_of_customer", "retention",
                  "mean_satisfaction", "profit")
#: Columns of metrics.parquet that are shares, in [0, 1] where defined.
SHARE_COLUMNS = ("market_share_units", "market_share_revenue", "market_share_buyers",
                 "penetration", "share_of_customer", "share_of_customer_weighted", "retention",
                 "churn", "awareness")
#: Largest seed a run records (see marketsim.api.MAX_SEED).
_MAX_SEED = 2**63 - 1


def _damaged(path: Path, what: str) -> RunFolderError:
    return RunFolderError(f"{path}: {what}; the run folder is damaged or was not written by "
                          "`marketsim run --out DIR` (run it again to get a complete folder)")


def _read(path: Path, reader: Callable[[Path], Any]) -> Any:
    try:
        return reader(path)
    except MarketsimError:
        raise
    except Exception as exc:  # a damaged data file: whatever the library says of it
        raise _damaged(path, f"cannot be read ({type(exc).__name__}: "
                             f"{shorten(str(exc), 200)})") from None


def _read_state(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:  # never unpickle a received file
        return {name: data[name] for name in data.files}


def _run_info(path: Path) -> dict[str, Any]:
    """run.json, checked: an object with a whole-number seed (required), threads and sizes."""
    if not path.is_file():
        raise _damaged(path, "missing (it records the run's seed: without it the report could "
                             "not say how to reproduce the numbers)")
    info = _read(path, lambda p: json.loads(p.read_text(encoding="utf-8")))
    if not isinstance(info, dict):
        raise _damaged(path, "not a JSON object")
    seed = info.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= _MAX_SEED:
        raise _damaged(path, f"'seed' must be a whole number from 0 to {_MAX_SEED} (got "
                             f"{shorten(repr(seed), 60)})")
    for key, default in (("threads", 1), ("state_bytes", 0)):
        value = info.setdefault(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _damaged(path, f"'{key}' must be a whole number (got {shorten(repr(value), 60)})")
    timings = info.get("timings") or {}
    if not isinstance(timings, dict) or not all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
            for v in timings.values()):
        raise _damaged(path, "'timings' must be an object of numbers")
    info["timings"] = {str(k): (math.nan if v is None else float(v)) for k, v in timings.items()}
    return info


def _check_metrics(path: Path, metrics: pd.DataFrame, firms: list[str]) -> None:
    missing = [c for c in NEEDED_COLUMNS if c not in metrics.columns]
    if missing:
        raise _damaged(path, f"no column {', '.join(missing)}")
    if metrics.empty:
        raise _damaged(path, "no rows")
    numeric = [c for c in metrics.columns if c != "firm"]
    wrong = [c for c in numeric if not pd.api.types.is_numeric_dtype(metrics[c])]
    if wrong:
        raise _damaged(path, f"column {', '.join(wrong[:5])} is not numeric")
    infinite = [c for c in numeric if np.isinf(metrics[c].to_numpy(dtype=float)).any()]
    if infinite:
        raise _damaged(path, f"column {', '.join(infinite[:5])} holds infinite values")
    outside = [c for c in SHARE_COLUMNS if c in metrics.columns
               and not metrics[c].dropna().between(0.0, 1.0).all()]
    if outside:
        raise _damaged(path, f"column {', '.join(outside)} holds values outside [0, 1]")
    unknown = sorted(set(metrics["firm"].astype(str)) - set(firms))
    if unknown:
        raise _damaged(path, f"firm {shorten(', '.join(unknown), 120)} is not in scenario.toml")


def load_run(run_dir: str | Path):
    """A :class:`~marketsim.api.RunResult` from a folder written by ``RunResult.save``; a
    :class:`RunFolderError` naming the file when one is missing or damaged."""
    folder = Path(run_dir)
    if not folder.is_dir():
        raise RunOptionError(f"{folder}: no such run folder")
    needed = [folder / "metrics.parquet", folder / "scenario.toml"]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise RunFolderError(f"{folder}: not a run folder (missing {', '.join(missing)}); write "
                             "one with `marketsim run --out DIR`")
    scenario = load_scenario(folder / "scenario.toml")
    metrics = _read(folder / "metrics.parquet", pd.read_parquet)
    _check_metrics(folder / "metrics.parquet", metrics, [f.name for f in scenario.firms])
    info = _run_info(folder / "run.json")
    transactions = None
    if (folder / "transactions.parquet").is_file():
        transactions = _read(folder / "transactions.parquet", pd.read_parquet)
    state = None
    if (folder / "state.npz").is_file():
        state = _read(folder / "state.npz", _read_state)
    levers = None
    if (folder / "levers.parquet").is_file():
        levers = _read(folder / "levers.parquet", pd.read_parquet)
    result = RunResult(scenario=scenario, seed=info["seed"], metrics=metrics,
                       transactions=transactions, timings=info["timings"],
                       threads=info["threads"], state_bytes=info["state_bytes"], state=state,
                       levers=levers)
    if (folder / "segments.parquet").is_file():
        from marketsim.measures.segments import RETENTION_COLUMNS

        table = _read(folder / "segments.parquet", pd.read_parquet)
        result.segment_table = table
        if set(RETENTION_COLUMNS) <= set(table.columns) and state is not None:
            if "segment" not in state:
                raise _damaged(folder / "state.npz", "no 'segment' array")
            retention = table[RETENTION_COLUMNS].copy()
            retention["firm"] = retention["firm"].astype(str)
            retention["segment"] = retention["segment"].astype(str)
            result.segment_retention = retention
            result.customer_segments = np.asarray(state["segment"]).astype(np.int64)
    return result


def write_report(run_dir: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """Read a run folder (``RunResult.save``) and write its report into ``out_dir`` (default:
    the run folder itself)."""
    result = load_run(run_dir)
    try:
        return build_report(result, out_dir if out_dir is not None else run_dir)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        if isinstance(exc, MarketsimError):
            raise
        # Every file read and checked, yet they do not fit together (edited by hand, or
        # written by another version): say so, without a traceback.
        raise RunFolderError(
            f"{run_dir}: the run folder's files do not fit together ({type(exc).__name__}: "
            f"{shorten(str(exc), 200)}); was it edited, or written by another version of "
            "marketsim? Run the scenario again to get a complete folder") from None
