"""The dashboard's market-level settings: which market is simulated.

Changing any of these builds a new market (the page's reset): the scenario file, the number of
customers, whether the market is competitive or captive, and the seed. A firm's levers are
not here; they change the running market (:mod:`marketsim.dashboard.levers`).

Captivity is not one field of a scenario: a captive market is one where switching is slow and
costly (``scenarios/captive_utility.toml``; Jones and Sasser 1995): customers tolerate more
before they leave (``segments[*].switching_threshold``), and their ties and habits weigh more in
choice (``behaviour.tie_weight``, ``behaviour.habit_weight``). :data:`REGIMES` names the three
choices the page offers and :func:`market_scenario` applies one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from marketsim.scenario.schema import Scenario, parse_scenario

#: The default scenario of ``marketsim dashboard``.
DEFAULT_SCENARIO = "scenarios/classroom.toml"

#: Environment variables ``marketsim dashboard`` passes to the page: scenario file,
#: customers, seed, allow code (read by :func:`marketsim.dashboard.app.launch_settings`).
ENVIRONMENT = {"scenario": "MARKETSIM_DASHBOARD_SCENARIO",
               "customers": "MARKETSIM_DASHBOARD_CUSTOMERS",
               "seed": "MARKETSIM_DASHBOARD_SEED",
               "allow_code": "MARKETSIM_DASHBOARD_ALLOW_CODE"}

#: The market regimes the page offers, with what each does to the scenario.
REGIMES = {
    "scenario": "as the scenario file has it",
    "competitive": "switching is easy: each segment's switching threshold at most 0.25, tie and "
                   "habit weights at most 0.3 (the defaults)",
    "captive": "switching is slow and costly, as in captive_utility.toml: each segment's "
               "switching threshold at least 0.7, tie weight at least 1.0, habit weight at "
               "least 1.5",
}

#: Thresholds and weights of each regime: (threshold bound, tie weight, habit weight); for
#: ``competitive`` upper bounds, for ``captive`` lower bounds.
_REGIME_VALUES = {"competitive": (0.25, 0.3, 0.3), "captive": (0.7, 1.0, 1.5)}

#: Population sizes the page offers (the scenario's own is added).
CUSTOMER_CHOICES = (500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)

#: The fewest periods a dashboard market can run before it stops (10 years of weeks); a longer
#: scenario keeps its own length.
HORIZON = 520


@dataclass(frozen=True)
class DashboardSettings:
    """The market-level choices: a validated ``scenario``, ``customers`` (None: the
    scenario's), the ``regime`` (a key of :data:`REGIMES`), the ``seed``, and whether a
    strategy written as code may run (``allow_code``)."""

    scenario: Scenario
    source: str = DEFAULT_SCENARIO
    customers: int | None = None
    regime: str = "scenario"
    seed: int = 0
    allow_code: bool = False

    @property
    def n_customers(self) -> int:
        return self.customers or self.scenario.population.customers

    def changed(self, **changes) -> DashboardSettings:
        """A copy with ``changes`` (``customers=5000``, ``regime="captive"``, ``seed=1``)."""
        if "regime" in changes and changes["regime"] not in REGIMES:
            raise ValueError(f"regime must be one of {', '.join(REGIMES)} "
                             f"(got {changes['regime']!r})")
        return replace(self, **changes)

    def customer_choices(self) -> list[int]:
        """The population sizes to offer: :data:`CUSTOMER_CHOICES`, the scenario's and the
        current one, in order."""
        return sorted({*CUSTOMER_CHOICES, self.scenario.population.customers,
                       self.n_customers})


def market_scenario(settings: DashboardSettings) -> Scenario:
    """The scenario the dashboard runs: ``settings.scenario`` with its population size, the
    regime's switching thresholds and weights, and at least :data:`HORIZON` periods."""
    data = settings.scenario.model_dump()
    data["population"]["customers"] = settings.n_customers
    data["market"]["periods"] = max(HORIZON, data["market"]["periods"])
    if settings.regime in _REGIME_VALUES:
        threshold, tie, habit = _REGIME_VALUES[settings.regime]
        bound = min if settings.regime == "competitive" else max
        for segment in data["segments"]:
            spread = segment["switching_threshold"]
            spread["mean"] = bound(spread["mean"], threshold)
        behaviour = data["behaviour"]
        behaviour["tie_weight"] = bound(behaviour["tie_weight"], tie)
        behaviour["habit_weight"] = bound(behaviour["habit_weight"], habit)
    return parse_scenario(data, source=f"{settings.source} ({settings.regime} market, "
                                       f"{settings.n_customers:,} customers)")
