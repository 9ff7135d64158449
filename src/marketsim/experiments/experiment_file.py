"""The schema of an experiment file (format in ``docs/experiments.md``): settings, factors and
paired factors, the design, and the outputs kept from each run; validated with pydantic,
unknown keys refused with a suggestion. :mod:`marketsim.experiments.design` expands it into
runs.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from marketsim.errors import MarketsimError
from marketsim.measures.metrics import COLUMNS

#: The most design points, replications, runs (points x replications) and factors an
#: experiment may have: refused when the file is loaded, before any scenario is built (a
#: 1000 x 1000 grid would take the machine's memory even for --dry-run).
MAX_POINTS = 10_000
MAX_REPLICATIONS = 10_000
MAX_RUNS = 100_000
MAX_FACTORS = 64
MAX_LEVELS = 10_000
#: The longest output window (periods): the most periods a scenario may have
#: (``market.periods``); a larger whole number overflowed the metrics' int64 periods.
MAX_WINDOW = 100_000

#: Metrics an output may summarise (every column of the metrics table but period and firm).
METRICS = tuple(name for name in COLUMNS if name not in ("period", "firm"))

STATISTICS = ("mean", "sum", "last", "min", "max")


class ExperimentError(MarketsimError):
    """An experiment file is invalid (the message names the file, field path and what is allowed)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Settings(_Strict):
    """The ``[experiment]`` table."""

    name: str = Field("experiment", description="A label for the experiment, used in reports.")
    scenario: str = Field(description="Base scenario TOML file, relative to the experiment file.")
    replications: int = Field(5, ge=1, le=MAX_REPLICATIONS, description="Runs per design point, each with its own seed.")
    seed: int = Field(0, ge=0, description="Master seed: every run's seed is drawn from it.")
    common_random_numbers: bool = Field(
        True, description="Give every design point the same seeds (replication r uses seed r at "
                          "every point), so differences between points are not sampling noise "
                          "of the draws; false draws independent seeds per point.")
    customers: int | None = Field(None, ge=1, description="Override population.customers of the base scenario.")
    periods: int | None = Field(None, ge=1, description="Override market.periods of the base scenario.")
    firm: str | None = Field(None, description="Firm the figures focus on (default: the firm the first factor names, else the first firm).")


class Levels(_Strict):
    """Levels of a factor: explicit ``values``, or a ``range`` (with ``levels`` for grids)."""

    values: list[Any] | None = Field(None, min_length=1, max_length=MAX_LEVELS,
                                     description="The levels, in order (numbers, text or "
                                                 "true/false).")
    range: tuple[float, float] | None = Field(None, description="[low, high]: grid levels or sampling bounds.")
    levels: int | None = Field(None, ge=2, le=1000, description="Grid: number of evenly spaced levels of the range.")
    log: bool = Field(False, description="Space levels and samples of the range evenly on a log scale.")
    label: str | None = Field(None, description="Short name for tables and figures (default: the path).")

    @model_validator(mode="after")
    def _one_kind(self):
        for i, value in enumerate(self.values or ()):
            if isinstance(value, (list, dict)) or (isinstance(value, float)
                                                   and not math.isfinite(value)):
                kind = "a finite number" if isinstance(value, float) else "an array or table"
                raise ValueError(f"values[{i}]: a level must be a finite number, text or "
                                 f"true/false, not {kind}")
        if (self.values is None) == (self.range is None):
            raise ValueError("give either values = [...] or range = [low, high]")
        if self.range is not None:
            low, high = self.range
            if not high > low:
                raise ValueError(f"range must be [low, high] with high > low (got {list(self.range)})")
            if self.log and low <= 0:
                raise ValueError("a log range needs low > 0")
        if self.values is not None and self.levels is not None:
            raise ValueError("levels goes with range, not with values")
        return self


class Factor(Levels):
    """A factor: one scenario field, by its dotted path, and its levels."""

    path: str = Field(description="Dotted path of a scenario field, e.g. firms.CloseCo.retention.reward_rate.")


class Paired(Levels):
    """One factor per firm, all with the same levels: for head-to-head comparisons."""

    firms: list[str] = Field(min_length=2, max_length=20, description="Firms that each get a factor.")
    path: str = Field(description="Path of the field inside each firm, e.g. offers.groceries.price.")


class Design(_Strict):
    """The ``[design]`` table: how factor levels combine into design points."""

    kind: Literal["grid", "list", "random", "latin_hypercube"] = Field(
        "grid", description="grid: every combination of levels; list: the i-th value of every "
        "factor forms point i; random / latin_hypercube: `samples` points drawn from the ranges "
        "(and from the values lists, as discrete choices).")
    samples: int | None = Field(None, ge=1, le=1_000_000, description="random and latin_hypercube: number of points.")
    labels: list[str] | None = Field(None, max_length=MAX_POINTS,
                                     description="A name for each design point, in order.")


#: What an output's name may be: it becomes part of figure file names.
OUTPUT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class Output(_Strict):
    """A number kept per run and firm: a statistic of a metric over a window of periods."""

    metric: str = Field(description="A column of the metrics table.")
    window: int | Literal["all"] = Field(13, description="The last `window` periods, or \"all\".")
    statistic: Literal["mean", "sum", "last", "min", "max"] = Field("mean", description="How the window is summarised.")
    name: str | None = Field(None, description="Name in the results (default: the metric).")

    @model_validator(mode="after")
    def _known_metric(self):
        if self.metric not in METRICS:
            from marketsim.errors import did_you_mean

            raise ValueError(f"unknown metric '{self.metric}'{did_you_mean(self.metric, METRICS)}; "
                             f"metrics: {', '.join(METRICS)}")
        return self

    @field_validator("name")
    @classmethod
    def _name_is_a_file_name(cls, name):
        """The name becomes part of figure file names (``points_NAME.png``): letters, digits,
        ``_``, ``-`` and ``.`` only, so no name can reach outside the sweep's folder."""
        if name is not None and not OUTPUT_NAME.fullmatch(name):
            raise ValueError(f"must be 1 to 64 letters, digits, '_', '-' or '.', starting with a "
                             f"letter or digit (got {name[:80]!r})")
        return name

    @field_validator("window")
    @classmethod
    def _window_in_range(cls, window):
        if isinstance(window, int) and not 1 <= window <= MAX_WINDOW:
            raise ValueError(f"must be from 1 to {MAX_WINDOW:,} periods, or \"all\" (got "
                             f"{window})")
        return window

    @property
    def key(self) -> str:
        return self.name or self.metric


def _default_outputs() -> list[Output]:
    return [Output(metric="market_share_revenue"), Output(metric="share_of_customer"),
            Output(metric="profit", statistic="sum")]


class ExperimentFile(_Strict):
    """The whole experiment file."""

    experiment: Settings
    design: Design = Field(default_factory=Design)
    factors: list[Factor] = Field(default_factory=list, max_length=MAX_FACTORS)
    paired: list[Paired] = Field(default_factory=list, max_length=MAX_FACTORS)
    fixed: dict[str, Any] = Field(default_factory=dict, description="path = value set at every point.")
    outputs: list[Output] = Field(default_factory=_default_outputs, min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        if not self.factors and not self.paired:
            raise ValueError("an experiment needs at least one [[factors]] or [[paired]] table")
        names = [o.key for o in self.outputs]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"outputs: names must be unique (repeated: {', '.join(repeated)}); "
                             "give each a name = \"...\"")
        kind = self.design.kind
        if kind in ("random", "latin_hypercube") and self.design.samples is None:
            raise ValueError(f"design.samples: required for kind = \"{kind}\"")
        every = [*self.factors, *self.paired]
        if kind == "grid" and any(f.range is not None and f.levels is None for f in every):
            raise ValueError("a grid factor with a range needs levels = N (or give values)")
        if kind == "list":
            lengths = {len(f.values) for f in every if f.values is not None}
            if any(f.values is None for f in every) or len(lengths) != 1:
                raise ValueError("design kind \"list\": every factor needs values = [...] of the "
                                 "same length (point i takes the i-th value of each)")
        return self

    def level_counts(self) -> list[int]:
        """The number of levels of each factor, a paired table counting once per firm."""
        counts = [len(f.values) if f.values is not None else (f.levels or 0) for f in self.factors]
        for pair in self.paired:
            counts.extend([len(pair.values) if pair.values is not None else (pair.levels or 0)]
                          * len(pair.firms))
        return counts

    def point_count(self) -> int:
        """How many design points the design has (counted, not built)."""
        if self.design.kind == "grid":
            return math.prod(self.level_counts())
        if self.design.kind == "list":
            return self.level_counts()[0]
        return self.design.samples or 0

    def size_problem(self) -> str | None:
        """Why the design is too large to build or run (points, runs, labels), else ``None``."""
        points, replications = self.point_count(), self.experiment.replications
        if points > MAX_POINTS:
            sizes = " x ".join(f"{n:,}" for n in self.level_counts())
            how = f" ({sizes} levels)" if self.design.kind == "grid" else ""
            return (f"design: {points:,} design points{how}; an experiment may have at most "
                    f"{MAX_POINTS:,} (split it into several experiments)")
        if points * replications > MAX_RUNS:
            return (f"design: {points:,} points x {replications:,} replications = "
                    f"{points * replications:,} runs; an experiment may have at most "
                    f"{MAX_RUNS:,}")
        labels = self.design.labels
        if labels is not None and len(labels) != points:
            return (f"design.labels: one label per design point ({len(labels):,} labels for "
                    f"{points:,} points)")
        return None
