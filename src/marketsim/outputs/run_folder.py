"""Run folders read back: :func:`load_run` rebuilds the :class:`RunResult` that
``RunResult.save`` wrote, and :func:`write_report` turns a folder into ``report.html``
(what ``marketsim report`` does).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from marketsim.errors import RunOptionError
from marketsim.outputs.report import build_report
from marketsim.outputs.run_result import RunResult
from marketsim.scenario.schema import load_scenario


def load_run(run_dir: str | Path):
    """A :class:`~marketsim.api.RunResult` from a folder written by ``RunResult.save``."""
    folder = Path(run_dir)
    if not folder.is_dir():
        raise RunOptionError(f"{folder}: no such run folder")
    needed = [folder / "metrics.parquet", folder / "scenario.toml"]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise RunOptionError(f"{folder}: not a run folder (missing {', '.join(missing)}); write "
                             "one with `marketsim run --out DIR`")
    scenario = load_scenario(folder / "scenario.toml")
    metrics = pd.read_parquet(folder / "metrics.parquet")
    info = {}
    if (folder / "run.json").is_file():
        info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    transactions = None
    if (folder / "transactions.parquet").is_file():
        transactions = pd.read_parquet(folder / "transactions.parquet")
    state = None
    if (folder / "state.npz").is_file():
        with np.load(folder / "state.npz") as data:
            state = {name: data[name] for name in data.files}
    levers = None
    if (folder / "levers.parquet").is_file():
        levers = pd.read_parquet(folder / "levers.parquet")
    result = RunResult(scenario=scenario, seed=int(info.get("seed", 0)), metrics=metrics,
                       transactions=transactions, timings=info.get("timings") or {},
                       threads=int(info.get("threads", 1)),
                       state_bytes=int(info.get("state_bytes", 0)), state=state, levers=levers)
    if (folder / "segments.parquet").is_file():
        from marketsim.measures.segments import RETENTION_COLUMNS

        table = pd.read_parquet(folder / "segments.parquet")
        result.segment_table = table
        if set(RETENTION_COLUMNS) <= set(table.columns) and state is not None:
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
    return build_report(result, out_dir if out_dir is not None else run_dir)
