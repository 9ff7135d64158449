"""What one run produced: :class:`RunResult`, its tables and the files ``save`` writes.

``marketsim.run`` returns one; :func:`marketsim.outputs.run_folder.load_run` reads a saved
one back. The lifetime-value, relationship and brand measures and the figures are methods
mixed in from :class:`marketsim.outputs.analysis.RunAnalysis`.
"""

from __future__ import annotations

import json
import math
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from marketsim.errors import RunOptionError
from marketsim.outputs.analysis import RunAnalysis
from marketsim.scenario.schema import Scenario

#: Packages whose versions ``run.json`` records (distribution names).
_VERSIONED = ("marketsim", "numpy", "numba", "mesa", "pandas")


@dataclass
class RunResult(RunAnalysis):
    """What one run produced.

    Attributes
    ----------
    scenario : the resolved scenario (overrides applied, every default filled in).
    seed : the seed; with the scenario it fixes every number of the run.
    metrics : tidy table, one row per period and firm (see ``marketsim.measures.metrics.COLUMNS``).
    transactions : the transaction log (period, customer_id, firm, category, units, revenue),
        or ``None`` when the run did not record it.
    timings : seconds spent building the market (``setup_s``), simulating the periods
        (``periods_s``) and in all (``total_s``), and the throughput
        ``customer_periods_per_s`` (customers times periods over ``periods_s``).
    threads : Numba threads the kernels ran on.
    state_bytes : bytes of model state (population and network arrays).
    state : the final population state
        (:func:`marketsim.measures.relationship_measures.snapshot`) behind the
        relationship measures, or ``None``; ``levers`` : the firms' retention levers at the
        end (:func:`marketsim.outputs.analysis.levers_frame`). Lifetime value, relationship measures
        and figures are methods (:class:`marketsim.outputs.analysis.RunAnalysis`).
    customer_segments, segment_retention : with the log, each customer's segment index and the
        per-period customers held (start, end) and lost per firm and segment
        (:class:`marketsim.measures.segments.SegmentTracker`); ``segment_table`` : the
        ``segments.parquet`` of a run folder read back by
        :func:`marketsim.outputs.run_folder.load_run`.
    """

    scenario: Scenario
    seed: int
    metrics: pd.DataFrame
    transactions: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    threads: int = 1
    state_bytes: int = 0
    state: dict | None = None
    levers: pd.DataFrame | None = None
    customer_segments: Any = None          # (N,) segment index of each customer (with the log)
    segment_retention: pd.DataFrame | None = None  # held and lost per period, firm, segment
    segment_table: pd.DataFrame | None = None  # segments.parquet of a loaded run folder

    @property
    def customers(self) -> int:
        return self.scenario.population.customers

    @property
    def periods(self) -> int:
        return self.scenario.market.periods

    def summary(self, last: int | None = None) -> pd.DataFrame:
        """Per-firm summary over the last ``last`` periods (default: the share-of-customer
        window of the scenario, at most the periods run): customers, market share by units
        and revenue, share of customer, retention, mean satisfaction, revenue, profit, and the
        relationship-strategy measures some firm uses (cost to serve, relationship cost, fees,
        terminations, complaints captured, directed units: totals; mean knowledge: at the end;
        categories per buyer: mean; :func:`marketsim.measures.metrics.strategy_summary`)."""
        from marketsim.measures.metrics import summary_frame

        if last is None:
            last = max(1, round(self.scenario.market.share_of_customer_window))
        return summary_frame(self.metrics, last=last)

    # ------------------------------------------------------------------ notebooks
    def _repr_html_(self) -> str:
        """Jupyter's view: scenario, customers, periods, seed and the per-firm summary
        (:func:`marketsim.outputs.notebook.summary_html`)."""
        from marketsim.outputs.notebook import summary_html

        return summary_html(self)

    def model_vars(self) -> pd.DataFrame:
        """The market's totals per period, as Mesa's
        ``DataCollector.get_model_vars_dataframe()`` (:func:`marketsim.outputs.notebook.model_vars`)."""
        from marketsim.outputs.notebook import model_vars

        return model_vars(self)

    def agent_vars(self) -> pd.DataFrame:
        """Every metric per period and firm indexed by ``(Step, AgentID)``, as Mesa's
        ``DataCollector.get_agent_vars_dataframe()`` (:func:`marketsim.outputs.notebook.agent_vars`)."""
        from marketsim.outputs.notebook import agent_vars

        return agent_vars(self)

    def _log(self) -> pd.DataFrame:
        if self.transactions is None:
            raise RunOptionError("brand measures need the transaction log: run with "
                                 "transactions=True (CLI: --transactions)")
        return self.transactions

    def brand_performance(self, periods=None, *, category=None) -> pd.DataFrame:
        """Observed brand measures over a window of periods (a ``range``, a list, or ``None``
        for the whole run): see :func:`marketsim.measures.brand_performance.brand_performance`."""
        from marketsim.measures.brand_performance import brand_performance

        return brand_performance(self._log(), category=category, periods=periods,
                                 n_customers=self.customers)

    def dirichlet(self, periods=None, *, category=None, **options) -> pd.DataFrame:
        """Observed brand measures beside the fitted NBD-Dirichlet's (Double Jeopardy check):
        see :func:`marketsim.measures.dirichlet_comparison.dirichlet_comparison`."""
        from marketsim.measures.dirichlet_comparison import dirichlet_comparison

        return dirichlet_comparison(self._log(), self.customers, category=category,
                                    periods=periods, **options)

    def segment_metrics(self) -> pd.DataFrame:
        """Per period, firm and segment: customers held, defections, churn, buyers, units,
        revenue, share of customer: see :func:`marketsim.measures.segments.segment_metrics`."""
        from marketsim.measures.segments import segment_metrics

        loaded = getattr(self, "segment_table", None)
        if loaded is not None and (self.transactions is None or self.segment_retention is None):
            return loaded.copy()
        return segment_metrics(self)

    def run_info(self) -> dict[str, Any]:
        """The facts ``run.json`` records: options, versions, timings, memory."""
        return {
            "scenario": self.scenario.market.name,
            "seed": self.seed,
            "customers": self.customers,
            "periods": self.periods,
            "threads": self.threads,
            "transactions": self.transactions is not None,
            "versions": versions(),
            "timings": {k: (v if math.isfinite(v) else None) for k, v in self.timings.items()},
            "state_bytes": self.state_bytes,
            "state_bytes_per_customer": self.state_bytes / max(self.customers, 1),
        }

    def save(self, out_dir: str | Path, *, figures: bool = True,
             report: bool = False) -> list[Path]:
        """Write the run to ``out_dir`` (created if needed) and return the paths written.

        ``metrics.parquet``; ``transactions.parquet`` and ``segments.parquet`` (metrics by
        segment, :func:`marketsim.measures.segments.segment_metrics`) when the log was recorded;
        ``scenario.toml``, the resolved scenario (rerun it with the same seed to get the same
        numbers); ``run.json`` (seed, sizes, threads, versions, timings, bytes per customer);
        ``state.npz`` (the final population snapshot, when kept) and ``levers.parquet`` (the
        firms' retention levers at the end), which ``marketsim report`` reads back; unless
        ``figures=False``, the PNG figures of :func:`marketsim.outputs.plots.save_figures`; and
        with ``report=True``, ``report.html`` and its figures.

        The files are written into a temporary folder beside ``out_dir`` and put in place only
        when all are written (:func:`marketsim.outputs.atomic.staged_folder`): a failed or
        interrupted save (a full disk) leaves the old folder, or none, never a truncated file.
        """
        from marketsim.outputs.atomic import staged_folder

        out = Path(out_dir)
        with staged_folder(out) as stage:
            written = self._write_files(stage, figures)
            if report:
                from marketsim.outputs.report import build_report

                written = list(dict.fromkeys([*written, *build_report(self, stage)]))
        return [out / path.name for path in written]

    def _write_files(self, out: Path, figures: bool) -> list[Path]:
        written = []
        for name, write in (
                ("metrics.parquet", lambda p: self.metrics.to_parquet(p, index=False)),
                ("transactions.parquet", None if self.transactions is None else
                 lambda p: self.transactions.to_parquet(p, index=False)),
                ("segments.parquet", None if self.segment_retention is None else
                 lambda p: self.segment_metrics().to_parquet(p, index=False)),
                ("scenario.toml", lambda p: p.write_text(self.scenario.to_toml(),
                                                         encoding="utf-8")),
                ("run.json", lambda p: p.write_text(json.dumps(self.run_info(), indent=2) + "\n",
                                                    encoding="utf-8")),
                ("state.npz", None if self.state is None else
                 lambda p: np.savez_compressed(p, **self.state)),
                ("levers.parquet", None if self.levers is None else
                 lambda p: self.levers.to_parquet(p))):
            if write is not None:
                written.append(_written(out / name, write))
        if figures:
            from marketsim.outputs.plots import save_figures, year_buyer_share

            written.extend(save_figures(self.metrics, out,
                                        window=self.scenario.market.share_of_customer_window,
                                        buyers=year_buyer_share(self)))
        return written


def _written(path: Path, write) -> Path:
    """``write(path)``; an ``OSError`` without a file name (Arrow's) is given ``path``'s."""
    try:
        write(path)
    except OSError as exc:
        if not exc.filename:
            exc.filename = str(path)
        raise
    return path


def versions() -> dict[str, str]:
    """Versions of marketsim, its main dependencies and Python."""
    found = {}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    found["python"] = platform.python_version()
    return found
