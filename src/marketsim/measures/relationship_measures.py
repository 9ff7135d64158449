"""Relationship measures and breakdowns from a run's final population state and its tables.

The engine keeps per-period sums (the metrics table) and, optionally, the transaction log.
What a strategy team also asks about -- how satisfied the customers are, how long they have
stayed, what ties hold them, what the retention programmes cost, and all of it by firm,
segment, category, customer status and period -- is computed here in pandas from those tables
and from a **state snapshot**: the customer-firm arrays at the end of the run
(:func:`snapshot`), kept by ``RunResult.state`` and saved as ``state.npz``.

Definitions (docs/metrics.md lists them with their sources)
------------------------------------------------------------
* A firm's **customers** are the customer-firm pairs with status first-time or regular at the
  end of the run (Griffin's loyalty ladder, ``marketsim.kernels.layout``).
* **Promoters** are customers whose satisfaction is at or above the scenario's
  ``behaviour.praise_threshold`` -- exactly those the engine lets praise the firm to their
  neighbours; **detractors** are at or below ``-behaviour.complaint_threshold``, those who
  complain; the rest are passives. **Net promoter share** = promoters minus detractors over
  customers, the NPS idea (Reichheld 2003, "The one number you need to grow", HBR 81(12))
  with the model's own word-of-mouth thresholds in place of the 0-10 survey scale.
* **Tie decomposition**: each customer's switching cost is ``w_fin T_fin + w_soc T_soc +
  w_str T_str`` with the segment's ``tie_response`` weights (Burnham, Frels and Mahajan 2003);
  the table gives the mean of each term over the firm's customers.
* **Satisfaction-loyalty curve**: share of customer (the pair's windowed spend over the
  customer's windowed category spend) by satisfaction bin, over pairs with windowed spend
  (Jones and Sasser 1995, "Why satisfied customers defect", HBR 73(6)).
* **Cost to serve** per firm and relationship type (:func:`cost_to_serve`): the metrics'
  ``cost_to_serve`` (personal service, structural investment, relationship level, relationship
  type, value tiers) split over the segments by the customers each holds and the type's cost
  per customer (:func:`marketsim.market.relationship.relationship_type_table`), summed per type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marketsim.kernels.layout import FIRST_TIME, REGULAR, STATUS_NAMES

__all__ = [
    "COST_TO_SERVE_COLUMNS",
    "SNAPSHOT_FIELDS",
    "breakdown",
    "category_breakdown",
    "cost_to_serve",
    "customer_pairs",
    "net_promoters",
    "programme_costs",
    "satisfaction_distribution",
    "satisfaction_loyalty",
    "segment_breakdown",
    "snapshot",
    "tenure_distribution",
    "tie_decomposition",
]

#: Population arrays kept in the state snapshot.
SNAPSHOT_FIELDS = ("segment", "status", "satisfaction", "tie_financial", "tie_social",
                   "tie_structural", "tenure", "recency", "window_spend", "cumulative_margin")


def snapshot(population) -> dict[str, np.ndarray]:
    """Copies of the population arrays the relationship measures need."""
    return {name: np.array(getattr(population, name), copy=True) for name in SNAPSHOT_FIELDS}


def customer_pairs(state: dict, firms: list[str], segments: list[str], *,
                   current_only: bool = True) -> pd.DataFrame:
    """One row per customer-firm pair (current customers only by default): ``customer_id,
    firm, segment, status, satisfaction, tie_financial, tie_social, tie_structural, tenure,
    recency, window_spend, share_of_customer, cumulative_margin``."""
    status = np.asarray(state["status"])
    n, n_firms = status.shape
    if len(firms) != n_firms:
        raise ValueError(f"state has {n_firms} firms, {len(firms)} names given")
    if current_only:
        customer, firm = np.nonzero((status == FIRST_TIME) | (status == REGULAR))
    else:
        customer, firm = np.divmod(np.arange(n * n_firms), n_firms)
    spend = np.asarray(state["window_spend"], dtype=np.float64)
    wallet = spend.sum(axis=1)
    pair_spend = spend[customer, firm]
    with np.errstate(divide="ignore", invalid="ignore"):
        soc = np.where(wallet[customer] > 0, pair_spend / np.where(wallet[customer] > 0,
                                                                   wallet[customer], 1), np.nan)
    segment = np.asarray(state["segment"])[customer]
    frame = pd.DataFrame({
        "customer_id": customer.astype(np.int64),
        "firm": pd.Categorical.from_codes(firm, firms),
        "segment": pd.Categorical.from_codes(segment.astype(np.int64), segments),
        "status": pd.Categorical.from_codes(status[customer, firm].astype(np.int64),
                                            list(STATUS_NAMES)),
    })
    for name in ("satisfaction", "tie_financial", "tie_social", "tie_structural", "tenure",
                 "recency", "cumulative_margin"):
        frame[name] = np.asarray(state[name])[customer, firm].astype(np.float64)
    frame["window_spend"] = pair_spend
    frame["share_of_customer"] = soc
    return frame


def _firm_table(pairs: pd.DataFrame, firms: list[str], columns: dict) -> pd.DataFrame:
    g = pairs.groupby("firm", observed=False)
    table = pd.DataFrame({name: fn(g) for name, fn in columns.items()})
    table = table.reindex(firms)
    table.index.name = "firm"
    return table


def satisfaction_distribution(pairs: pd.DataFrame, firms: list[str],
                              bins=(-np.inf, -0.3, -0.1, -0.05, 0.05, 0.1, 0.3, np.inf)) -> pd.DataFrame:
    """Share of each firm's customers per satisfaction bin (rows: firms; columns: bins)."""
    labels = pd.IntervalIndex.from_breaks(bins, closed="left").astype(str)
    binned = pd.cut(pairs["satisfaction"], bins=bins, right=False, labels=labels)
    counts = pd.crosstab(pairs["firm"], binned, dropna=False)
    counts = counts.reindex(index=firms, columns=labels, fill_value=0)
    totals = counts.sum(axis=1)
    shares = counts.div(totals.where(totals > 0), axis=0)
    shares.index.name = "firm"
    shares.columns.name = "satisfaction"
    return shares


def net_promoters(pairs: pd.DataFrame, firms: list[str], praise_threshold: float,
                  complaint_threshold: float) -> pd.DataFrame:
    """Per firm: customers, promoters, passives, detractors (shares) and
    ``net_promoter_share`` = promoters - detractors (module docstring)."""
    sat = pairs["satisfaction"].to_numpy()
    frame = pairs.assign(promoter=sat >= praise_threshold, detractor=sat <= -complaint_threshold)
    table = _firm_table(frame, firms, {
        "customers": lambda g: g.size(),
        "promoters": lambda g: g["promoter"].mean(),
        "detractors": lambda g: g["detractor"].mean(),
    })
    table["customers"] = table["customers"].fillna(0).astype(np.int64)
    table["passives"] = 1.0 - table["promoters"] - table["detractors"]
    table["net_promoter_share"] = table["promoters"] - table["detractors"]
    return table[["customers", "promoters", "passives", "detractors", "net_promoter_share"]]


def tenure_distribution(pairs: pd.DataFrame, firms: list[str]) -> pd.DataFrame:
    """Per firm: customers and the mean, quartiles and 90th percentile of tenure (periods)."""
    table = _firm_table(pairs, firms, {
        "customers": lambda g: g.size(),
        "mean": lambda g: g["tenure"].mean(),
        "p25": lambda g: g["tenure"].quantile(0.25),
        "median": lambda g: g["tenure"].median(),
        "p75": lambda g: g["tenure"].quantile(0.75),
        "p90": lambda g: g["tenure"].quantile(0.9),
    })
    table["customers"] = table["customers"].fillna(0).astype(np.int64)
    return table


def tie_decomposition(pairs: pd.DataFrame, firms: list[str],
                      tie_response: pd.DataFrame) -> pd.DataFrame:
    """Per firm: mean tie levels and the mean switching-cost term of each tie.

    ``tie_response``: one row per segment name, columns ``financial, social, structural``
    (the segments' weights). Columns: ``tie_financial, tie_social, tie_structural`` (mean
    levels) and ``cost_financial, cost_social, cost_structural, switching_cost``.
    """
    weights = tie_response.reindex(pairs["segment"].astype(str)).to_numpy(np.float64)
    frame = pairs.assign(
        cost_financial=weights[:, 0] * pairs["tie_financial"].to_numpy(),
        cost_social=weights[:, 1] * pairs["tie_social"].to_numpy(),
        cost_structural=weights[:, 2] * pairs["tie_structural"].to_numpy())
    names = ["tie_financial", "tie_social", "tie_structural", "cost_financial", "cost_social",
             "cost_structural"]
    table = _firm_table(frame, firms, {n: (lambda g, n=n: g[n].mean()) for n in names})
    table["switching_cost"] = table[["cost_financial", "cost_social", "cost_structural"]].sum(
        axis=1, min_count=3)
    return table


def satisfaction_loyalty(pairs: pd.DataFrame, bins=None) -> pd.DataFrame:
    """Mean share of customer by satisfaction bin, per firm and overall (pairs with windowed
    spend). Columns: ``firm`` (``"all"`` for the pooled curve), ``bin``, ``satisfaction`` (bin
    mean), ``share_of_customer`` (mean), ``pairs``."""
    data = pairs[np.isfinite(pairs["share_of_customer"])]
    if bins is None:
        edges = np.quantile(data["satisfaction"], np.linspace(0, 1, 11)) if len(data) else [0, 1]
        bins = np.unique(edges)
        if len(bins) < 2:
            bins = np.array([bins[0] - 0.5, bins[0] + 0.5])
    binned = pd.cut(data["satisfaction"], bins=bins, include_lowest=True)
    parts = []
    for firm, rows in [("all", data)] + [(str(f), r) for f, r in data.groupby("firm", observed=True)]:
        g = rows.groupby(binned.loc[rows.index], observed=True)
        part = pd.DataFrame({
            "satisfaction": g["satisfaction"].mean(),
            "share_of_customer": g["share_of_customer"].mean(),
            "pairs": g.size(),
        }).reset_index(names="bin")
        part.insert(0, "firm", firm)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["bin"] = out["bin"].astype(str)
    return out


# --------------------------------------------------------------------------- programmes
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


# --------------------------------------------------------------------------- breakdowns
def breakdown(pairs: pd.DataFrame, by=("firm", "status")) -> pd.DataFrame:
    """Customers and their mean satisfaction, tenure, ties, share of customer and cumulative
    margin, grouped by any of ``firm``, ``segment``, ``status`` (state snapshot pairs)."""
    by = [by] if isinstance(by, str) else list(by)
    unknown = [b for b in by if b not in ("firm", "segment", "status")]
    if unknown:
        raise ValueError(f"cannot break down by {unknown}; choose from firm, segment, status")
    g = pairs.groupby(by, observed=True)
    return pd.DataFrame({
        "customers": g.size(),
        "satisfaction": g["satisfaction"].mean(),
        "tenure": g["tenure"].mean(),
        "tie_financial": g["tie_financial"].mean(),
        "tie_social": g["tie_social"].mean(),
        "tie_structural": g["tie_structural"].mean(),
        "share_of_customer": g["share_of_customer"].mean(),
        "cumulative_margin": g["cumulative_margin"].mean(),
    })


def category_breakdown(transactions: pd.DataFrame, periods=None) -> pd.DataFrame:
    """Per firm and category: buyers, purchases, units, revenue and the firm's share of the
    category's units and revenue (from the transaction log)."""
    log = transactions if periods is None else transactions[transactions["period"].isin(list(periods))]
    g = log.groupby(["category", "firm"], observed=False)
    table = pd.DataFrame({
        "buyers": g["customer_id"].nunique(),
        "purchases": g.size(),
        "units": g["units"].sum(),
        "revenue": g["revenue"].sum(),
    })
    cat = table.groupby(level="category", observed=False)[["units", "revenue"]].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["market_share_units"] = table["units"] / cat["units"].where(cat["units"] > 0)
        table["market_share_revenue"] = table["revenue"] / cat["revenue"].where(cat["revenue"] > 0)
    return table


def segment_breakdown(transactions: pd.DataFrame, segment: np.ndarray, segments: list[str],
                      periods=None) -> pd.DataFrame:
    """Per segment and firm: buyers, purchases, units, revenue and the firm's share of the
    segment's revenue, joining the log with each customer's segment (``segment`` array)."""
    log = transactions if periods is None else transactions[transactions["period"].isin(list(periods))]
    from marketsim.measures.segments import segment_of

    log = log.assign(segment=segment_of(log["customer_id"], segment, segments))
    g = log.groupby(["segment", "firm"], observed=False)
    table = pd.DataFrame({
        "buyers": g["customer_id"].nunique(),
        "purchases": g.size(),
        "units": g["units"].sum(),
        "revenue": g["revenue"].sum(),
    })
    total = table.groupby(level="segment", observed=False)["revenue"].transform("sum")
    table["share_of_segment_revenue"] = table["revenue"] / total.where(total > 0)
    return table
