"""What the retention programmes and the relationships cost: per programme, and the cost to
serve per firm and relationship type.

* **Programme costs** (:func:`programme_costs`): reward points, personal service and
  structural investment over the run, per customer-period and as a share of revenue, beside
  the tie each builds (Berry and Parasuraman 1991's three levels of bonds).
* **Cost to serve** per firm and relationship type (:func:`cost_to_serve`): the metrics'
  ``cost_to_serve`` (personal service, structural investment, relationship level, relationship
  type, value tiers) split over the segments by the customers each holds and the type's cost
  per customer (:func:`marketsim.market.relationship.relationship_type_table`), summed per type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["COST_TO_SERVE_COLUMNS", "cost_to_serve", "programme_costs"]


def programme_costs(metrics: pd.DataFrame, levers: pd.DataFrame) -> pd.DataFrame:
    """Per firm and programme (reward points, personal service, structural investment): cost
    over the run, per customer-period, share of revenue, and the mean tie level it builds.

    Reward cost is the metrics' ``reward_cost``. The engine books personal service and
    structural investment together as ``service_cost``; it is split between them in
    proportion to ``personal_service * personal_service_cost`` and ``structural_investment *
    structural_cost`` from ``levers`` (one row per firm: the scenario's retention programme,
    or the levers at the end when strategies changed them -- then the split is approximate).
    """
    m = metrics.assign(firm=metrics["firm"].astype(str))
    g = m.groupby("firm", sort=False)
    totals = pd.DataFrame({
        "revenue": g["revenue"].sum(),
        "customer_periods": g["customers"].sum(),
        "reward_cost": g["reward_cost"].sum(),
        "service_cost": g["service_cost"].sum(),
        "tie_financial": g["tie_financial"].mean(),
        "tie_social": g["tie_social"].mean(),
        "tie_structural": g["tie_structural"].mean(),
    })
    lv = levers.reindex(totals.index)
    personal = (lv["personal_service"] * lv["personal_service_cost"]).to_numpy(float)
    structural = (lv["structural_investment"] * lv["structural_cost"]).to_numpy(float)
    both = personal + structural
    with np.errstate(divide="ignore", invalid="ignore"):
        personal_part = np.where(both > 0, personal / np.where(both > 0, both, 1), 0.5)
    rows = []
    for k, (firm, t) in enumerate(totals.iterrows()):
        for programme, cost, tie in (
                ("reward points", t["reward_cost"], t["tie_financial"]),
                ("personal service", t["service_cost"] * personal_part[k], t["tie_social"]),
                ("structural investment", t["service_cost"] * (1 - personal_part[k]),
                 t["tie_structural"])):
            rows.append({
                "firm": firm, "programme": programme, "cost": cost,
                "cost_per_customer_period": cost / t["customer_periods"] if t["customer_periods"] else np.nan,
                "cost_share_of_revenue": cost / t["revenue"] if t["revenue"] else np.nan,
                "mean_tie": tie,
            })
    return pd.DataFrame(rows)


#: Columns of :func:`cost_to_serve`.
COST_TO_SERVE_COLUMNS = ["firm", "relationship_type", "segments", "customer_periods",
                         "personal_service_cost", "structural_cost", "level_cost", "type_cost",
                         "tier_cost", "cost_to_serve", "per_customer_period", "fees",
                         "reward_cost"]


def cost_to_serve(metrics: pd.DataFrame, levers: pd.DataFrame, types: pd.DataFrame | None = None,
                  held: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cost to serve per firm and relationship type (:data:`COST_TO_SERVE_COLUMNS`).

    ``cost_to_serve`` is the metrics' column of that name, ``service_cost + relationship_cost``:
    personal service and structural investment (split as in :func:`programme_costs`) plus the
    relationship-marketing level, the relationship type and the value tiers, all charged by the
    engine on every customer a firm holds at the end of a period
    (:func:`marketsim.kernels.relationship.book_relationship`). Fees and reward points are
    shown beside it (``fees``, ``reward_cost``), not in it.

    ``types`` (:func:`marketsim.market.relationship.relationship_type_table`): one row per firm and
    segment with its ``relationship_type`` and costs per customer per period ``level_cost`` and
    ``type_cost``. ``held``: customers held at the end of each period per firm and segment
    (``period, firm, segment, customers``), or at the end of the run only (no ``period``
    column: that mix is used for every period, an estimate). Per period and firm the booked
    totals are split over segments: the type cost in proportion to ``type_cost x customers``,
    the level cost, service cost, fees and reward cost in proportion to customers, and the
    tier cost (the rest of ``relationship_cost``) likewise. Segments are then summed per
    relationship type, so the rows of a firm add up to its metrics totals exactly; the split
    is exact when the firm's levers stay as configured and ``held`` is per period, except the
    tier cost, which follows customers (top- and low-tier customers are not counted per
    segment). Without ``types`` or ``held`` there is one row per firm, type ``"all"``.
    """
    m = metrics.assign(firm=metrics["firm"].astype(str))
    for name in ("relationship_cost", "fees"):
        if name not in m.columns:
            m[name] = 0.0
    firms = list(dict.fromkeys(m["firm"]))
    lv = levers.reindex(firms)
    personal = (lv["personal_service"] * lv["personal_service_cost"]).to_numpy(float)
    structural = (lv["structural_investment"] * lv["structural_cost"]).to_numpy(float)
    both = personal + structural
    with np.errstate(divide="ignore", invalid="ignore"):
        personal_part = pd.Series(np.where(both > 0, personal / np.where(both > 0, both, 1), 0.5),
                                  index=firms)
    booked = m[["period", "firm", "customers", "service_cost", "relationship_cost", "fees",
                "reward_cost"]]
    if types is None or held is None:
        cells = booked.assign(segment="all", relationship_type="all", n=booked["customers"],
                              level_cost=0.0, type_cost=0.0)
    else:
        cells = _segment_cells(booked, types, held)
    n_total = cells.groupby(["period", "firm"])["n"].transform("sum")
    n_segments = cells.groupby(["period", "firm"])["n"].transform("size")
    share = np.where(n_total > 0, cells["n"] / n_total.where(n_total > 0, 1), 1.0 / n_segments)
    expected_type = cells["type_cost"] * cells["n"]
    type_total = expected_type.groupby([cells["period"], cells["firm"]]).transform("sum")
    level_total = (cells["level_cost"] * cells["n"]).groupby(
        [cells["period"], cells["firm"]]).transform("sum")
    # the booked relationship cost: level and type as configured, the value tiers the rest
    # (negative when low-tier savings exceed top-tier service)
    type_booked, level_booked = type_total, level_total
    type_share = np.where(type_total > 0, expected_type / type_total.where(type_total > 0, 1),
                          share)
    service = cells["service_cost"] * share
    part = cells["firm"].map(personal_part).to_numpy(float)
    cells = cells.assign(
        customer_periods=cells["n"],
        personal_service_cost=service * part,
        structural_cost=service * (1 - part),
        level_cost=level_booked * share,
        type_cost=type_booked * type_share,
        tier_cost=_tier_rest(cells["relationship_cost"], type_booked + level_booked) * share,
        fees=cells["fees"] * share,
        reward_cost=cells["reward_cost"] * share)
    sums = ["customer_periods", "personal_service_cost", "structural_cost", "level_cost",
            "type_cost", "tier_cost", "fees", "reward_cost"]
    g = cells.groupby(["firm", "relationship_type"], sort=False)
    table = g[sums].sum()
    table["segments"] = g["segment"].agg(lambda v: ", ".join(dict.fromkeys(v)))
    table = table.reset_index()
    table["firm"] = pd.Categorical(table["firm"], firms)
    table = table.sort_values("firm", kind="stable").reset_index(drop=True)
    table["firm"] = table["firm"].astype(str)
    table["cost_to_serve"] = table[["personal_service_cost", "structural_cost", "level_cost",
                                    "type_cost", "tier_cost"]].sum(axis=1)
    periods = table["customer_periods"]
    table["per_customer_period"] = np.where(
        periods > 0, table["cost_to_serve"] / periods.where(periods > 0, 1), np.nan)
    return table[COST_TO_SERVE_COLUMNS]


def _tier_rest(booked: pd.Series, configured: pd.Series) -> np.ndarray:
    """The relationship cost beyond level and type (the value tiers); rounding noise is 0."""
    rest = (booked - configured).to_numpy(np.float64)
    return np.where(np.abs(rest) <= 1e-9 * np.abs(booked.to_numpy(np.float64)), 0.0, rest)


def _segment_cells(booked: pd.DataFrame, types: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """Booked per-firm totals per period beside each segment's customers and type costs."""
    types = types.assign(firm=types["firm"].astype(str), segment=types["segment"].astype(str))
    held = held.assign(firm=held["firm"].astype(str), segment=held["segment"].astype(str))
    cells = booked.merge(types, on="firm", how="left")
    if "period" in held.columns:
        on = ["period", "firm", "segment"]
        cells = cells.merge(held[on + ["customers"]].rename(columns={"customers": "n"}), on=on,
                            how="left")
        cells["n"] = cells["n"].fillna(0).astype(np.float64)
    else:  # the end-of-run mix of segments applied to each period's customers
        total = held.groupby("firm")["customers"].transform("sum")
        mix = held.assign(mix=held["customers"] / total.where(total > 0))
        cells = cells.merge(mix[["firm", "segment", "mix"]], on=["firm", "segment"], how="left")
        cells["n"] = (cells["customers"] * cells["mix"]).fillna(0).astype(np.float64)
        cells = cells.drop(columns="mix")
    return cells.drop(columns="customers")
