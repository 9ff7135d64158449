"""Experiment files: a base scenario, factors over its fields, replications, outputs.

An experiment is a TOML file (``experiments/*.toml``, format in ``docs/experiments.md``)::

    [experiment]
    name = "reward x structural"
    scenario = "../scenarios/default.toml"   # relative to this file
    replications = 5
    seed = 2024                              # master seed
    customers = 10_000                       # optional overrides of the base scenario
    periods = 52

    [design]
    kind = "grid"            # grid | list | random | latin_hypercube
    samples = 20             # random and latin_hypercube: number of design points

    [[factors]]
    path = "firms.CloseCo.retention.reward_rate"
    values = [0.0, 0.03, 0.06]

    [[factors]]
    path = "firms.CloseCo.retention.structural_investment"
    range = [0.0, 0.6]
    levels = 3               # grid: evenly spaced levels of the range

    [[paired]]               # one factor per firm, same levels: head-to-head designs
    firms = ["MassMart", "Steady"]
    path = "offers.groceries.price"
    values = [8.5, 10.0]

    [[outputs]]
    metric = "market_share_revenue"
    window = 13              # the last 13 periods
    statistic = "mean"       # mean | sum | last | min | max

:func:`load_experiment` validates it (pydantic, unknown keys refused with a suggestion) and
:meth:`Experiment.design` expands it into :class:`RunSpec` objects: one per design point and
replication, each with its resolved scenario and its seed. Seeds come from
``numpy.random.SeedSequence(seed, spawn_key=(replication,))``: independent streams across
replications, and the same seeds at every design point (common random numbers, so points
are compared on the same draws), whatever the executor or the order runs finish in.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from marketsim.errors import ScenarioError, did_you_mean
from marketsim.experiments.experiment_file import (
    ExperimentError,
    ExperimentFile,
    Levels,
    Output,
    Paired,
)
from marketsim.experiments.paths import PathError, canonical_path, get_path, set_path
from marketsim.scenario.lines import with_line
from marketsim.scenario.problems import describe_error
from marketsim.scenario.reading import read_toml
from marketsim.scenario.schema import Scenario, load_scenario, parse_scenario

#: Largest seed a run accepts (see marketsim.api.MAX_SEED).
_SEED_MASK = 2**63 - 1

@dataclass(frozen=True)
class FactorSpec:
    """A factor after expansion: canonical path, label, levels."""

    path: str
    label: str
    levels: Levels
    integer: bool = False


@dataclass
class RunSpec:
    """One run of a sweep: a design point, a replication, its scenario and seed."""

    point: int
    replication: int
    seed: int
    scenario: Scenario
    code_version: str
    key: str


def _scenario_json(scenario: Scenario) -> str:
    return json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def run_key(scenario: Scenario | str, seed: int, code_version: str) -> str:
    """Content hash of (resolved scenario, seed, code version): the run's file name.
    ``scenario`` may be given as its canonical JSON (to hash many seeds of one scenario)."""
    text = scenario if isinstance(scenario, str) else _scenario_json(scenario)
    payload = f'{{"code":{json.dumps(code_version)},"scenario":{text},"seed":{int(seed)}}}'
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def code_version() -> str:
    """marketsim's version and a digest of the engine's source (every module but those of
    experiments/ and outputs/, the command line and the generated field docs)."""
    from importlib import metadata

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in ("experiments", "outputs") or relative.name in ("cli.py",
                                                                               "field_docs.py"):
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    try:
        version = metadata.version("marketsim")
    except metadata.PackageNotFoundError:  # run from a source tree
        version = "0+unknown"
    return f"{version}+{digest.hexdigest()[:12]}"


def run_seeds(master: int, replications: int, point: int | None = None) -> list[int]:
    """Seeds of the replications of a point (``point=None``: common random numbers)."""
    seeds = []
    for r in range(replications):
        spawn_key = (r,) if point is None else (point, r)
        state = np.random.SeedSequence(master, spawn_key=spawn_key).generate_state(1, np.uint64)
        seeds.append(int(state[0]) & _SEED_MASK)
    return seeds


class Experiment:
    """A validated experiment: its settings, base scenario, factors and design points."""

    def __init__(self, spec: ExperimentFile, base: Scenario, source: str = "<experiment>",
                 text: str = ""):
        self.spec = spec
        self.source = source
        self.text = text
        settings = spec.experiment
        if settings.customers is not None or settings.periods is not None:
            try:
                base = base.with_overrides(customers=settings.customers, periods=settings.periods,
                                           source=f"{source} (experiment.customers, "
                                                  "experiment.periods)")
            except ScenarioError as exc:
                raise ExperimentError(str(exc)) from None
        self.base = base
        firms = [f.name for f in base.firms]
        if settings.firm is not None and settings.firm not in firms:
            raise self._error(f"experiment.firm: no firm '{settings.firm}' in the base scenario"
                              f"{did_you_mean(settings.firm, firms)} (firms: {', '.join(firms)})")
        base_data = base.model_dump()
        for path, value in spec.fixed.items():
            self._set(base_data, path, value, f"fixed.\"{path}\"")
        if spec.fixed:
            self.base = self._parse(base_data, "fixed values")
        self._check_size()
        self.factors = self._expand_factors()
        self.points = self._points()
        self.scenarios = [self._scenario(i, values) for i, values in enumerate(self.points)]

    # ---------------------------------------------------------------- construction
    def _error(self, message: str) -> ExperimentError:
        return ExperimentError(f"{self.source}: {with_line(message, self.text)}")

    def _set(self, data: dict, path: str, value: Any, where: str) -> None:
        try:
            set_path(data, path, value)
        except PathError as exc:
            raise self._error(f"{where}: no such scenario field: {exc}") from None

    def _parse(self, data: dict, what: str) -> Scenario:
        try:
            return parse_scenario(data, source=f"{self.source} ({what})")
        except ScenarioError as exc:
            raise ExperimentError(str(exc)) from None

    def _expand_factors(self) -> list[FactorSpec]:
        data = self.base.model_dump()
        specs: list[tuple[str, str, Levels]] = []
        for i, factor in enumerate(self.spec.factors):
            specs.append((f"factors[{i}].path", factor.path, factor))
        for i, pair in enumerate(self.spec.paired):
            for firm in pair.firms:
                specs.append((f"paired[{i}]", f"firms.{firm}.{pair.path}", pair))
        factors = []
        for where, path, levels in specs:
            try:
                canonical = canonical_path(data, path)
                current = get_path(data, path)
            except PathError as exc:
                raise self._error(f"{where}: no such scenario field: {exc}") from None
            integer = isinstance(current, int) and not isinstance(current, bool)
            label = canonical if (levels.label is None or isinstance(levels, Paired)) else levels.label
            factors.append(FactorSpec(canonical, label, levels, integer))
        counts = Counter(f.label for f in factors)
        repeated = sorted(n for n, k in counts.items() if k > 1)
        if repeated:
            raise self._error(f"factors: each field may vary in one factor only (repeated: "
                              f"{', '.join(repeated)})")
        return factors

    def _check_size(self) -> None:
        """Refuse a design too large to build or run, before building it."""
        problem = self.spec.size_problem()
        if problem is not None:
            raise self._error(problem)

    def _grid_levels(self, factor: FactorSpec) -> list[Any]:
        lv = factor.levels
        if lv.values is not None:
            return list(lv.values)
        low, high = lv.range
        if lv.log:
            values = np.geomspace(low, high, lv.levels)
        else:
            values = np.linspace(low, high, lv.levels)
        return [self._number(factor, v) for v in values]

    @staticmethod
    def _number(factor: FactorSpec, value: float) -> Any:
        value = float(value)
        return int(round(value)) if factor.integer else round(value, 12)

    def _from_unit(self, factor: FactorSpec, u: float) -> Any:
        """Map a number in [0, 1) to a level of the factor (a value or a point of the range)."""
        lv = factor.levels
        if lv.values is not None:
            return lv.values[min(int(u * len(lv.values)), len(lv.values) - 1)]
        low, high = lv.range
        if lv.log:
            return self._number(factor, math.exp(math.log(low) + u * (math.log(high) - math.log(low))))
        return self._number(factor, low + u * (high - low))

    def _points(self) -> list[dict[str, Any]]:
        design, factors = self.spec.design, self.factors
        labels = [f.label for f in factors]
        if design.kind == "grid":
            combos = itertools.product(*(self._grid_levels(f) for f in factors))
            return [dict(zip(labels, combo)) for combo in combos]
        if design.kind == "list":
            n = len(factors[0].levels.values)
            return [{f.label: f.levels.values[i] for f in factors} for i in range(n)]
        generator = np.random.default_rng(np.random.SeedSequence(self.spec.experiment.seed,
                                                                 spawn_key=(2**31 - 1,)))
        if design.kind == "random":
            unit = generator.random((design.samples, len(factors)))
        else:
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(factors), seed=generator).random(design.samples)
        return [{f.label: self._from_unit(f, u) for f, u in zip(factors, row)} for row in unit]

    def _scenario(self, index: int, values: dict[str, Any]) -> Scenario:
        data = copy.deepcopy(self.base.model_dump())
        for factor in self.factors:
            self._set(data, factor.path, values[factor.label], f"factor {factor.label}")
        shown = ", ".join(f"{k} = {v!r}" for k, v in values.items())
        return self._parse(data, f"design point {index}: {shown}")

    # ---------------------------------------------------------------- the design
    @property
    def name(self) -> str:
        return self.spec.experiment.name

    @property
    def replications(self) -> int:
        return self.spec.experiment.replications

    @property
    def outputs(self) -> list[Output]:
        return self.spec.outputs

    @property
    def factor_labels(self) -> list[str]:
        return [f.label for f in self.factors]

    @property
    def point_labels(self) -> list[str]:
        labels = self.spec.design.labels
        if labels is not None:
            return list(labels)
        short = _distinct_parts(self.factor_labels)
        return [", ".join(f"{short[k]}={_fmt(v)}" for k, v in p.items()) for p in self.points]

    @property
    def focus_firm(self) -> str:
        firms = [f.name for f in self.base.firms]
        if self.spec.experiment.firm is not None:
            return self.spec.experiment.firm
        for factor in self.factors:
            parts = factor.path.split(".")
            if parts[0] == "firms" and len(parts) > 1 and parts[1] in firms:
                return parts[1]
        return firms[0]

    def seeds(self, point: int) -> list[int]:
        crn = self.spec.experiment.common_random_numbers
        return run_seeds(self.spec.experiment.seed, self.replications, None if crn else point)

    @cached_property
    def runs(self) -> list[RunSpec]:
        """Every run of the sweep, point by point, replication by replication."""
        version = code_version()
        runs = []
        for i, scenario in enumerate(self.scenarios):
            text = _scenario_json(scenario)
            runs.extend(RunSpec(point=i, replication=r, seed=seed, scenario=scenario,
                                code_version=version, key=run_key(text, seed, version))
                        for r, seed in enumerate(self.seeds(i)))
        return runs

    def design_frame(self):
        """One row per design point: point number, label and factor values."""
        import pandas as pd

        frame = pd.DataFrame(self.points)
        frame.insert(0, "point_label", self.point_labels)
        frame.insert(0, "point", range(len(self.points)))
        return frame

    def customer_periods(self) -> int:
        """Customers times recorded and warm-up periods over every run of the sweep."""
        return sum(s.population.customers * (s.market.periods + s.market.warmup_periods)
                   for s in self.scenarios) * self.replications

    def digest(self) -> str:
        """Hash of the experiment's design: run keys in order."""
        return hashlib.sha256("\n".join(r.key for r in self.runs).encode()).hexdigest()[:16]


def _distinct_parts(labels: list[str]) -> dict[str, str]:
    """Labels without the path parts every label shares (``reward_rate`` and
    ``structural_investment`` for two fields of CloseCo's retention; one label: its last part)."""
    split = [label.split(".") for label in labels]
    if len(split) == 1:
        return {labels[0]: split[0][-1]}
    shared = {i for i in range(min(map(len, split))) if len({parts[i] for parts in split}) == 1}
    shortened = {}
    for label, parts in zip(labels, split):
        kept = [p for i, p in enumerate(parts) if i not in shared]
        shortened[label] = ".".join(kept) or label
    if len(set(shortened.values())) < len(labels):
        return {label: label for label in labels}
    return shortened


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_experiment(data: dict, *, source: str = "<experiment>", base_dir: Path | None = None,
                     text: str = "") -> Experiment:
    """Validate an experiment given as a dictionary (as read from TOML)."""
    try:
        spec = ExperimentFile.model_validate(data)
    except ValidationError as exc:
        lines = [with_line(describe_error(error, ExperimentFile), text)
                 for error in exc.errors()]
        body = "\n".join(f"  - {line}" for line in lines)
        raise ExperimentError(f"{source}: invalid experiment\n{body}") from None
    scenario_path = Path(spec.experiment.scenario)
    if not scenario_path.is_absolute() and base_dir is not None:
        scenario_path = base_dir / scenario_path
    try:
        base = load_scenario(scenario_path)
    except ScenarioError as exc:
        raise ExperimentError(f"{source}: experiment.scenario: {exc}") from None
    return Experiment(spec, base, source=source, text=text)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file (its scenario path is relative to it; at most
    1 MiB of UTF-8 text, :func:`marketsim.scenario.reading.read_toml`)."""
    path = Path(path)
    text, data = read_toml(path, "experiment", ExperimentError)
    return parse_experiment(data, source=str(path), base_dir=path.parent, text=text)
