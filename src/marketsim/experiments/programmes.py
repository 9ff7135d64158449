"""Return on each retention programme, from paired runs with and without it.

Within one run the engine books what a programme costs, but not what it earns: the customers a
points scheme keeps would have bought some of their purchases anyway. The return is therefore
measured as an experiment: the scenario is run again with the same seed and one programme of
one firm switched off (reward rate, personal service or structural investment set to 0), and
the difference in the firm's profit is what the programme earned net of its cost. The
counter-based random numbers (``rng.py``) give the two runs the same draws wherever their
customers behave alike, so the difference is not buried in sampling noise (common random
numbers; Law 2015, *Simulation Modeling and Analysis*, 5th ed., section 11.2).
"""

from __future__ import annotations

import pandas as pd

#: Programme name -> the retention lever switched off and the metrics column of its cost.
PROGRAMMES = {
    "reward points": ("reward_rate", "reward_cost"),
    "personal service": ("personal_service", "service_cost"),
    "structural investment": ("structural_investment", "service_cost"),
}


def programme_returns(scenario, firm: str, *, seed: int = 0, **run_options) -> pd.DataFrame:
    """One row per programme the firm runs: ``profit_with``, ``profit_without`` (the firm's
    profit over the run), ``incremental_profit`` (with minus without, so net of the
    programme's cost), ``cost`` (cost of the programme's cost column, with minus without),
    ``return_on_cost`` (incremental profit over that cost), and the firm's
    ``market_share_units`` and ``retention`` (means) with and without it.

    ``scenario``: a path, dict or :class:`~marketsim.scenario.schema.Scenario`; extra keyword
    arguments go to :func:`marketsim.run` (``customers``, ``periods``, ``threads``).
    """
    from marketsim.api import resolve_scenario, run

    base = resolve_scenario(scenario)
    names = [f.name for f in base.firms]
    if firm not in names:
        raise KeyError(f"no firm named {firm!r}; firms: {', '.join(names)}")
    index = names.index(firm)
    spec = base.firms[index]

    def firm_totals(result):
        rows = result.metrics[result.metrics["firm"].astype(str) == firm]
        return {"profit": rows["profit"].sum(), "reward_cost": rows["reward_cost"].sum(),
                "service_cost": rows["service_cost"].sum(),
                "market_share_units": rows["market_share_units"].mean(),
                "retention": rows["retention"].mean()}

    with_all = firm_totals(run(base, seed=seed, **run_options))
    records = []
    for programme, (lever, cost_column) in PROGRAMMES.items():
        if getattr(spec.retention, lever) == 0:
            continue
        data = base.model_dump()
        data["firms"][index]["retention"][lever] = 0.0
        without = firm_totals(run(data, seed=seed, **run_options))
        cost = with_all[cost_column] - without[cost_column]
        incremental = with_all["profit"] - without["profit"]
        records.append({
            "programme": programme, "profit_with": with_all["profit"],
            "profit_without": without["profit"], "incremental_profit": incremental,
            "cost": cost, "return_on_cost": incremental / cost if cost else float("nan"),
            "market_share_with": with_all["market_share_units"],
            "market_share_without": without["market_share_units"],
            "retention_with": with_all["retention"], "retention_without": without["retention"],
        })
    return pd.DataFrame(records).set_index("programme") if records else pd.DataFrame(
        columns=["profit_with", "profit_without", "incremental_profit", "cost",
                 "return_on_cost"]).rename_axis("programme")
