"""What every study shares: its description, its sizes, where the shipped scenario files are,
the result it hands back, and the four files it writes.

A study module (``mass_vs_centric.py`` ...) defines

* ``STUDY``, a :class:`Study`: the claim and its source, the scenario files, the quick and
  full sizes (seeds, customers per scenario): the experiment's description;
* ``measure(config) -> Findings``: the runs (over the same seeds for every variant: common
  random numbers) and what they show, as a table of means with 95% intervals over seeds;
* ``holds(table) -> bool``: the verdict, computed from the table alone (so ``verdict.json``
  and ``table.csv`` cannot disagree; the test reads the CSV back and checks);
* ``figure(findings, config) -> Figure`` and ``report(findings, config) -> str``.

:func:`write_study` turns them into ``figure.png`` / ``.pdf`` / ``.svg`` (paper style),
``table.csv``, ``report.md`` and ``verdict.json`` in ``OUT/<name>/``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from marketsim.errors import RunOptionError
from marketsim.experiments.replicate import check_seeds, interval
from marketsim.scenario.schema import PERIODS_PER_YEAR  # noqa: F401 (studies import it here)

#: Columns of every study's ``table.csv``: the case (scenario, variant), the firm (or
#: ``all``), the quantity, its mean over seeds and 95% t-interval, the seeds counted, and
#: whether the quantity is one the verdict reads (``decides``).
TABLE_COLUMNS = ("case", "firm", "quantity", "mean", "lo", "hi", "n", "decides")


@dataclass(frozen=True)
class Size:
    """How big a study's runs are: ``seeds`` replications; ``customers`` per scenario file
    (``None``: the file's own number); ``periods`` per scenario file (``None``: the file's)."""

    seeds: int
    customers: dict[str, int | None] = field(default_factory=dict)
    periods: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Study:
    """A study's description: what it tests, on which scenario files, at which sizes."""

    name: str
    title: str
    claim: str
    source: str
    scenarios: tuple[str, ...]
    quick: Size
    full: Size
    summary: str = ""
    batches: int = 1        # calls over all seeds the study makes (for the progress bar)


@dataclass
class StudyConfig:
    """One execution of a study: its size, its seeds, its workers, where the files are."""

    study: Study
    quick: bool
    seeds: list[int]
    workers: int
    root: Path                      # the source checkout holding scenarios/ (and tests/)
    progress: Callable[[bool], None] | None = None
    executor: Any = None            # opened once by write_study: workers start once

    def replicate(self, function, *, warm_scenario=None) -> list:
        """``function(seed)`` for every seed of the study, on its executor, in seed order."""
        from marketsim.experiments.replicate import replicate

        return replicate(function, self.seeds, workers=self.workers, executor=self.executor,
                         warm_scenario=warm_scenario, progress=self.progress)

    @property
    def size(self) -> Size:
        return self.study.quick if self.quick else self.study.full

    def scenario(self, name: str) -> Path:
        path = self.root / "scenarios" / name
        if not path.is_file():
            raise RunOptionError(f"{path}: the study {self.study.name!r} needs this shipped "
                                 "scenario file (run from a source checkout of marketsim, or "
                                 "pass --root DIR)")
        return path

    def customers(self, name: str) -> int | None:
        return self.size.customers.get(name)

    def periods(self, name: str) -> int | None:
        return self.size.periods.get(name)

    def settings(self) -> dict[str, Any]:
        return {"quick": self.quick, "seeds": self.seeds, "workers": self.workers,
                "customers": {k: v for k, v in self.size.customers.items()},
                "periods": {k: v for k, v in self.size.periods.items()}}


@dataclass
class Findings:
    """What a study measured: ``table`` (:data:`TABLE_COLUMNS`), the ``holds`` verdict, per
    case verdicts (``cases``: name -> dict with ``holds`` and ``in_verdict``), ``data`` for the
    figure and the report, and ``notes`` (where and why the simulation differs)."""

    table: pd.DataFrame
    holds: bool
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- the checkout
def find_root(root: str | Path | None = None) -> Path:
    """The folder holding ``scenarios/``: ``root`` if given, else the current folder if it
    has one, else the source checkout this package was imported from."""
    if root is not None:
        candidates = [Path(root)]
    else:
        candidates = [Path.cwd(), Path(__file__).resolve().parents[4]]
    for candidate in candidates:
        if (candidate / "scenarios").is_dir():
            return candidate.resolve()
    raise RunOptionError(f"no scenarios/ folder in {', '.join(str(c) for c in candidates)}: the "
                         "studies run the shipped scenario files; run from a source checkout "
                         "of marketsim or pass --root DIR")


def make_config(study: Study, *, quick: bool = False, seeds: int | Sequence[int] | None = None,
                workers: int = 1, root: str | Path | None = None,
                progress: Callable[[bool], None] | None = None) -> StudyConfig:
    """The execution of ``study``: seeds 1..n of its size unless ``seeds`` says otherwise."""
    size = study.quick if quick else study.full
    chosen = check_seeds(size.seeds if seeds is None else seeds)
    if len(chosen) < 2:
        raise RunOptionError("a study needs at least 2 seeds for its intervals "
                             f"(got {len(chosen)})")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise RunOptionError(f"--workers must be a whole number of at least 1, got {workers!r}")
    return StudyConfig(study, quick, chosen, workers, find_root(root), progress)


# ---------------------------------------------------------------------------- tables
def row(case: str, firm: str, quantity: str, values, decides: bool = False) -> dict[str, Any]:
    """A table row: the interval over seeds of ``values`` (one per seed)."""
    q = interval(values)
    return {"case": case, "firm": firm, "quantity": quantity, "mean": q["mean"], "lo": q["lo"],
            "hi": q["hi"], "n": q["n"], "decides": bool(decides)}


def table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def lookup(frame: pd.DataFrame, case: str, firm: str, quantity: str) -> pd.Series:
    """The one row of a study table (a ``table.csv`` read back, too)."""
    rows = frame[(frame["case"] == case) & (frame["firm"].astype(str) == firm)
                 & (frame["quantity"] == quantity)]
    if len(rows) != 1:
        raise KeyError(f"{case} / {firm} / {quantity}: {len(rows)} rows")
    return rows.iloc[0]


def fmt(mean: float, lo: float, hi: float, digits: int = 3, pct: bool = False,
        money: bool = False) -> str:
    """``mean [lo, hi]``: percentages (``pct``), thousands separators (``money``)."""
    def one(x):
        if not math.isfinite(x):
            return "n/a"
        if pct:
            return f"{100 * x:.{max(digits - 2, 0)}f}%"
        if money or abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.{digits}f}"

    return one(mean) if not math.isfinite(lo) else f"{one(mean)} [{one(lo)}, {one(hi)}]"


def fmt_row(r, **options) -> str:
    return fmt(float(r["mean"]), float(r["lo"]), float(r["hi"]), **options)


def markdown_table(frame: pd.DataFrame, columns: Sequence[str], headers: Sequence[str]) -> str:
    """A small markdown table of ``frame``'s ``columns`` (values as they are)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    for _, r in frame.iterrows():
        lines.append("| " + " | ".join(str(r[c]) for c in columns) + " |")
    return "\n".join(lines)


def family_interval(rows: pd.DataFrame, count: int, level: float = 0.95
                    ) -> tuple[pd.Series, pd.Series]:
    """Table rows' 95% t-intervals over seeds widened to a family-wise ``level`` over ``count``
    quantities judged together (Bonferroni: each at ``1 - (1 - level) / count``)."""
    from scipy import stats

    df = rows["n"].to_numpy(float) - 1
    widen = stats.t.ppf(1 - (1 - level) / (2 * count), df) / stats.t.ppf(0.975, df)
    middle, half = (rows["hi"] + rows["lo"]) / 2, (rows["hi"] - rows["lo"]) / 2 * widen
    return middle - half, middle + half


def said(holds: bool) -> str:
    """A verdict in words."""
    return "holds" if holds else "does not hold"


def report_head(study: Study, findings: Findings, name=str) -> list[str]:
    """A report's first lines: title, claim, source and the verdict with each case's
    (``**Verdict: holds** (case: holds; ...).``), the case names written by ``name``."""
    cases = "; ".join(f"{name(c)}: {said(i['holds'])}" for c, i in findings.cases.items())
    return [f"# {study.title}", "", f"**Claim.** {study.claim}.", "",
            f"**Source.** {study.source}.", "",
            f"**Verdict: {said(findings.holds)}** ({cases}).", ""]


# ---------------------------------------------------------------------------- writing
def _json_ready(value):
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def verdict(study: Study, config: StudyConfig, findings: Findings) -> dict[str, Any]:
    """The ``verdict.json`` of a study: claim, source, holds, the deciding quantities with
    their intervals, the per-case verdicts and the settings."""
    deciding = findings.table[findings.table["decides"]]
    return _json_ready({
        "study": study.name,
        "title": study.title,
        "claim": study.claim,
        "source": study.source,
        "holds": bool(findings.holds),
        "cases": findings.cases,
        "quantities": [{"case": r["case"], "firm": r["firm"], "quantity": r["quantity"],
                        "mean": r["mean"], "lo": r["lo"], "hi": r["hi"], "n": r["n"]}
                       for _, r in deciding.iterrows()],
        "scenarios": [f"scenarios/{name}" for name in study.scenarios],
        "settings": config.settings(),
        "interval": "95% Student t over seeds (common random numbers: the same seeds for every "
                    "case and variant)",
    })


def write_study(module, config: StudyConfig, out: str | Path,
                executor=None) -> tuple[Findings, list[Path]]:
    """Run the study ``module`` with ``config`` and write its four files into ``out/<name>``;
    return its findings and the paths written (``verdict.json`` last). ``executor`` (of
    :mod:`marketsim.experiments.executors`, not yet entered) runs the seeds; default: the
    config's workers as local processes (1: in this process)."""
    from marketsim.outputs.atomic import check_writable, write_atomic
    from marketsim.outputs.plot_style import save_paper

    study: Study = module.STUDY
    folder = Path(out) / study.name
    check_writable(folder)  # before the runs, not after them
    from marketsim.experiments.executors import ProcessExecutor, SerialExecutor

    started = time.perf_counter()
    if executor is None:
        executor = SerialExecutor() if config.workers == 1 else ProcessExecutor(config.workers)
    with executor:
        config.executor = executor
        try:
            findings: Findings = module.measure(config)
        finally:
            config.executor = None
    if findings.holds != module.holds(findings.table):
        raise AssertionError(f"{study.name}: the verdict disagrees with its own table")
    seconds = time.perf_counter() - started
    folder.mkdir(parents=True, exist_ok=True)
    written = save_paper(module.figure(findings, config), folder / "figure")
    written.append(write_atomic(folder / "table.csv", lambda p: findings.table.to_csv(
        p, index=False, float_format="%.6g")))
    text = module.report(findings, config)
    text += (f"\n\n---\nMeasured with `marketsim study {study.name}"
             f"{' --quick' if config.quick else ''}` on {len(config.seeds)} seeds "
             f"({', '.join(map(str, config.seeds))}) in {seconds:,.0f} s with "
             f"{config.workers} worker{'s' if config.workers != 1 else ''}; intervals are 95% "
             "Student t over seeds.\n")
    written.append(write_atomic(folder / "report.md", lambda p: p.write_text(text, "utf-8")))
    record = verdict(study, config, findings)
    record["seconds"] = round(seconds, 1)
    written.append(write_atomic(folder / "verdict.json", lambda p: p.write_text(
        json.dumps(record, indent=2) + "\n", "utf-8")))
    return findings, written
