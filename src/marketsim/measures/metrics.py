"""The per-period metrics table (MODEL.md section 3), built once at the end of a run.

During a run the engine only adds per-firm sums into a preallocated array (``RAW``, one slot
per period, firm and raw quantity); :func:`metrics_frame` turns them into the tidy table with
one row per period and firm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marketsim.kernels.accounting import N_ACCOUNTS
from marketsim.kernels.measures import N_MEASURES
from marketsim.kernels.relationship import N_RELATIONSHIP_TOTALS

#: Names of the raw per-period, per-firm quantities, in storage order.
RAW = (
    # from the purchase kernel
    "customers_start", "acquisitions", "reactivations",
    # from the defection kernel
    "defections", "defections_of_start", "lapses",
    # from the accounting kernel (order of marketsim.kernels.accounting)
    "units", "revenue", "cost_of_goods", "buyers", "reward_cost", "service_cost", "customers",
    # from the measure kernel (order of marketsim.kernels.measures)
    "satisfaction_sum", "share_of_customer_sum", "soc_customers", "window_spend", "customer_wallet",
    "tie_financial_sum", "tie_social_sum", "tie_structural_sum", "tenure_sum", "aware",
    "expectation_sum",
    # from the firms
    "acquisition_spend",
    # from the relationship kernels (order of marketsim.kernels.relationship totals)
    "terminations", "complaints_captured", "directed_units", "level_cost", "type_cost",
    "tier_cost", "fees", "knowledge_sum", "categories_sum",
)
RAW_INDEX = {name: k for k, name in enumerate(RAW)}
PURCHASE_SLICE = slice(0, 3)
DEFECTION_SLICE = slice(3, 6)
ACCOUNTS_SLICE = slice(6, 6 + N_ACCOUNTS)
MEASURES_SLICE = slice(ACCOUNTS_SLICE.stop, ACCOUNTS_SLICE.stop + N_MEASURES)
assert MEASURES_SLICE.stop == RAW_INDEX["acquisition_spend"]
RELATIONSHIP_SLICE = slice(RAW_INDEX["acquisition_spend"] + 1,
                           RAW_INDEX["acquisition_spend"] + 1 + N_RELATIONSHIP_TOTALS)
assert RELATIONSHIP_SLICE.stop == len(RAW)

#: Columns of the metrics table, with their meaning (also in docs/model.md).
COLUMNS = {
    "period": "period number, from 1",
    "firm": "firm name",
    "customers": "customers held at the end of the period (first-time or regular)",
    "buyers": "customers who bought from the firm this period",
    "units": "purchases (units) this period",
    "revenue": "sales revenue this period",
    "market_share_units": "firm's units over all firms' units",
    "market_share_revenue": "firm's revenue over all firms' revenue",
    "market_share_buyers": "firm's buyers over the sum of all firms' buyers",
    "penetration": "buyers over all customers in the market",
    "share_of_customer": "mean over the firm's customers of its share of their (windowed) spend",
    "share_of_customer_weighted": "firm's windowed spend over its customers' total windowed spend",
    "retention": "share of the customers held at the start of the period still held at its end "
                 "(a customer the firm terminated is not held)",
    "churn": "1 - retention",
    "acquisitions": "prospects who bought for the first time",
    "reactivations": "ex-customers who bought again",
    "defections": "customers lost this period (defections, lapses included)",
    "lapses": "customers lost because they stopped buying (no purchase for lapse_periods)",
    "mean_satisfaction": "mean satisfaction of the firm's customers",
    "mean_expectation": "mean expectation of customers aware of the firm",
    "awareness": "share of all customers with the firm in their consideration set",
    "tie_financial": "mean financial tie (points, in reference-price units) of its customers",
    "tie_social": "mean social bond of its customers (0-1)",
    "tie_structural": "mean structural tie of its customers (0-1)",
    "mean_tenure": "mean tenure (periods) of its customers",
    "cost_of_goods": "units times unit cost",
    "acquisition_spend": "advertising and acquisition budget spent",
    "reward_cost": "points issued (reward rate times spend)",
    "service_cost": "cost to serve: personal service and structural investment",
    "profit": "revenue + fees - cost of goods - acquisition spend - reward cost - service cost "
              "- relationship cost",
    "relationship_cost": "cost of the relationship-marketing level, the relationship types and "
                         "the value tiers (top-tier service minus low-tier savings)",
    "cost_to_serve": "service_cost + relationship_cost: everything spent per period on serving "
                     "the firm's customers",
    "fees": "fees charged to low-tier customers",
    "terminations": "customers whose relationship the firm ended (negative predicted value)",
    "complaints_captured": "complaints captured and answered (reactive level and above)",
    "directed_units": "units sold through suggestions, cross-selling and up-selling",
    "mean_knowledge": "mean knowledge (0-1) the firm has of its customers' needs",
    "categories_per_buyer": "mean number of categories its buyers bought from it this period",
}


def _ratio(numerator, denominator):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def metric_columns(raw: np.ndarray, n_customers: int) -> dict[str, np.ndarray]:
    """Every metric column (except period and firm) as a (T, F) array, from raw sums (T, F, len(RAW))."""
    col = {name: raw[:, :, k] for name, k in RAW_INDEX.items()}
    total = {name: col[name].sum(axis=1, keepdims=True) for name in ("units", "revenue", "buyers")}
    customers = col["customers"]
    # customers_start is counted at the purchase step, after the firm's terminations (step 2):
    # a terminated customer was held at the start of the period and is not held at its end
    held_at_start = col["customers_start"] + col["terminations"]
    retention = _ratio(col["customers_start"] - col["defections_of_start"], held_at_start)
    relationship_cost = col["level_cost"] + col["type_cost"] + col["tier_cost"]
    profit = (col["revenue"] - col["cost_of_goods"] - col["acquisition_spend"]
              - col["reward_cost"] - col["service_cost"])
    profit = profit + col["fees"] - relationship_cost
    return {
        "customers": customers,
        "buyers": col["buyers"],
        "units": col["units"],
        "revenue": col["revenue"],
        "market_share_units": _ratio(col["units"], total["units"]),
        "market_share_revenue": _ratio(col["revenue"], total["revenue"]),
        "market_share_buyers": _ratio(col["buyers"], total["buyers"]),
        "penetration": col["buyers"] / max(n_customers, 1),
        "share_of_customer": _ratio(col["share_of_customer_sum"], col["soc_customers"]),
        "share_of_customer_weighted": _ratio(col["window_spend"], col["customer_wallet"]),
        "retention": retention,
        "churn": 1.0 - retention,
        "acquisitions": col["acquisitions"],
        "reactivations": col["reactivations"],
        "defections": col["defections"],
        "lapses": col["lapses"],
        "mean_satisfaction": _ratio(col["satisfaction_sum"], customers),
        "mean_expectation": _ratio(col["expectation_sum"], col["aware"]),
        "awareness": col["aware"] / max(n_customers, 1),
        "tie_financial": _ratio(col["tie_financial_sum"], customers),
        "tie_social": _ratio(col["tie_social_sum"], customers),
        "tie_structural": _ratio(col["tie_structural_sum"], customers),
        "mean_tenure": _ratio(col["tenure_sum"], customers),
        "cost_of_goods": col["cost_of_goods"],
        "acquisition_spend": col["acquisition_spend"],
        "reward_cost": col["reward_cost"],
        "service_cost": col["service_cost"],
        "profit": profit,
        "relationship_cost": relationship_cost,
        "cost_to_serve": col["service_cost"] + relationship_cost,
        "fees": col["fees"],
        "terminations": col["terminations"],
        "complaints_captured": col["complaints_captured"],
        "directed_units": col["directed_units"],
        "mean_knowledge": _ratio(col["knowledge_sum"], customers),
        "categories_per_buyer": _ratio(col["categories_sum"], col["buyers"]),
    }


COUNT_COLUMNS = ("customers", "buyers", "units", "acquisitions", "reactivations", "defections",
                 "lapses", "terminations", "complaints_captured", "directed_units")


def metrics_frame(raw: np.ndarray, firm_names: list[str], n_customers: int,
                  first_period: int = 1) -> pd.DataFrame:
    """Tidy metrics, one row per period and firm, from raw sums of shape (T, F, len(RAW))."""
    periods, n_firms, _ = raw.shape
    data = {
        "period": np.repeat(np.arange(first_period, first_period + periods), n_firms),
        "firm": np.tile(np.array(firm_names, dtype=object), periods),
    }
    for name, values in metric_columns(raw, n_customers).items():
        data[name] = values.reshape(-1)
    frame = pd.DataFrame(data)
    for name in COUNT_COLUMNS:
        frame[name] = frame[name].astype(np.int64)
    return frame


def firm_results(raw_row: np.ndarray, n_customers: int, period: int,
                 firm_names: list[str]) -> list[dict]:
    """One period's metrics as one dict per firm (what strategies read as ``last_results``),
    from that period's raw sums (F, len(RAW)); no pandas, so it is cheap every period."""
    columns = metric_columns(raw_row[None], n_customers)
    results = []
    for f, name in enumerate(firm_names):
        record = {"period": period, "firm": name}
        record.update({column: float(values[0, f]) for column, values in columns.items()})
        results.append(record)
    return results


#: Measures of the firms' relationship strategies (issue #5) and how the summaries aggregate
#: them over a window: totals, or the value at the end, or the mean.
STRATEGY_MEASURES = {
    "cost_to_serve": "sum", "relationship_cost": "sum", "fees": "sum", "terminations": "sum",
    "complaints_captured": "sum", "directed_units": "sum", "mean_knowledge": "last",
    "categories_per_buyer": "mean",
}


def strategy_summary(metrics: pd.DataFrame, last: int | None = None) -> pd.DataFrame:
    """Per firm over the last ``last`` periods (default all), the strategy measures some firm
    uses (:data:`STRATEGY_MEASURES`; a column whose values are all 0 is left out, and so is
    ``categories_per_buyer`` while every buyer buys one category). No columns when no firm
    uses any."""
    if last is None:
        recent = metrics
    else:
        recent = metrics[metrics["period"] > metrics["period"].max() - last]
    present = {name: _AGGREGATE[how] for name, how in STRATEGY_MEASURES.items()
               if name in recent.columns}
    table = recent.groupby("firm", sort=False).agg(**{n: (n, how) for n, how in present.items()})
    table = _undefined_totals(table, recent, present)
    keep = []
    for name in table.columns:
        values = table[name].dropna()
        used = (values != 1.0).any() if name == "categories_per_buyer" else (values != 0).any()
        if used:
            keep.append(name)
    return table[keep]


def _at_end(values: pd.Series) -> float:
    """The value of the window's last period, NaN if undefined there (pandas' ``last`` would
    give the last defined value, from an earlier period)."""
    return values.iloc[-1]


#: How the summaries aggregate: totals (:func:`_undefined_totals`) and values at the end are
#: undefined when a value they need is; means are over the periods where the ratio is
#: defined (NaN when none is).
_AGGREGATE = {"sum": "sum", "last": _at_end, "mean": "mean"}


def _undefined_totals(table: pd.DataFrame, recent: pd.DataFrame, how: dict) -> pd.DataFrame:
    """``table`` with NaN for each total over a window where some period's value is NaN
    (pandas' ``sum`` skips them, and gives 0 when all are)."""
    totals = [name for name, aggregate in how.items() if aggregate == "sum"
              and name in table.columns]
    if totals:
        undefined = recent[totals].isna().groupby(recent["firm"], sort=False).any()
        table[totals] = table[totals].mask(undefined.reindex(table.index, fill_value=False))
    return table


def summary_frame(metrics: pd.DataFrame, last: int = 13) -> pd.DataFrame:
    """Per-firm summary over the last ``last`` periods: shares, share of customer, retention,
    profit, and the strategy measures some firm uses (:func:`strategy_summary`). A value that
    is undefined (no customers at the end, a NaN in a total) is NaN, never 0 or an earlier
    period's value."""
    recent = metrics[metrics["period"] > metrics["period"].max() - last]
    recent = recent.sort_values("period", kind="stable")
    summary = recent.groupby("firm", sort=False).agg(
        customers=("customers", _at_end),
        market_share_units=("market_share_units", "mean"),
        market_share_revenue=("market_share_revenue", "mean"),
        share_of_customer=("share_of_customer", _at_end),
        retention=("retention", "mean"),
        mean_satisfaction=("mean_satisfaction", _at_end),
        revenue=("revenue", "sum"),
        profit=("profit", "sum"),
    )
    summary = _undefined_totals(summary, recent, {"revenue": "sum", "profit": "sum"})
    return summary.join(strategy_summary(recent))
