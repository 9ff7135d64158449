"""Customer lifetime value: realised from a run, predicted from margin and retention.

Four things, all computed in pandas from a run's transaction log and metrics table:

* **Realised CLV** per customer and firm (:func:`realised_clv`): the net present value of the
  margin the simulation actually produced, ``sum_t m_t / (1 + d)^(t - t0)`` over the window
  (``t0`` its first period, so the first period is not discounted; ``d`` the scenario's
  ``market.discount_rate``). The realised value of past customers (Gupta and Lehmann 2003).
* **Predicted CLV** per firm (:func:`predicted_clv`, :func:`predicted_clv_by_firm`):
  ``CLV = sum_{t=0}^{H-1} m r^t / (1 + d)^t`` from the margin per customer per period ``m`` and
  the retention rate per period ``r``; with ``H`` infinite the closed form
  ``m (1 + d) / (1 + d - r)`` (Gupta and Lehmann 2003, "Customers as assets", Journal of
  Interactive Marketing 17(1), eq. for constant margin and retention; Berger and Nasr 1998,
  "Customer lifetime value: marketing models and applications", JIM 12(1), case 1). The sum
  starts at ``t = 0``: this period's margin counts in full (Gupta and Lehmann's ``m r / (1 + d
  - r)`` is the same sum from ``t = 1``).
* **Customer equity** (:func:`customer_equity`): the sum of CLV over a firm's customers
  (Blattberg and Deighton 1996, "Manage marketing by the customer equity test", HBR 74(4)).
* **Whale curve** (:func:`whale_curve`): cumulative share of profit against the share of
  customers ranked from most to least profitable (Kaplan and Narayanan 2001, "Measuring and
  managing customer profitability", Journal of Cost Management 15(5)).

And the RFM export (:func:`rfm`) in the form the ``lifetimes`` and PyMC-Marketing BG/NBD,
Pareto/NBD and Gamma-Gamma models take (Fader, Hardie and Lee 2005, "RFM and CLV: using
iso-value curves for customer base analysis", JMR 42(4)).

Margin of a purchase
--------------------
``margin = revenue - cost of goods - reward cost`` (points issued are ``reward_rate *
revenue``). Both costs are **reconciled with the engine's accounting**: per period and firm,
the reward cost of the rows is the metrics' ``reward_cost`` spread in proportion to revenue
(exact: the reward rate is one number per firm and period), and the cost of goods is the
scenario's unit costs times units, rescaled so that it adds up to the metrics'
``cost_of_goods`` (exact when a firm's unit costs do not change, or change in proportion).
The **cost to serve** (personal service and structural investment, and with firm strategies the
relationship level, relationship type and value-tier costs net of the fees low-tier customers
pay, all charged by the engine on every customer a firm holds at the end of a period) is known
per firm and period (metrics ``service_cost + relationship_cost - fees``,
:func:`net_cost_to_serve`) but the log does not say who was held; it is allocated equally to the
customers *estimated* to be held: from their first purchase of the firm in the window until
``lapse_periods`` after their last one (defections are not visible in the log). The firm
totals are exact; the split across customers is an estimate (column ``serve_cost``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "customer_equity",
    "margin_log",
    "net_cost_to_serve",
    "predicted_clv",
    "predicted_clv_by_firm",
    "realised_clv",
    "rfm",
    "whale_curve",
]

RFM_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")


def _check_rate(name: str, value: float, upper: float = 1.0) -> float:
    value = float(value)
    if not (math.isfinite(value) and 0.0 <= value < upper):
        raise ValueError(f"{name} must be in [0, {upper:g}), got {value!r}")
    return value


def _firm_names(transactions: pd.DataFrame) -> list[str]:
    column = transactions["firm"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    return sorted(str(v) for v in pd.unique(column))


def _window(transactions: pd.DataFrame, periods) -> pd.DataFrame:
    if periods is None:
        return transactions
    wanted = np.asarray(list(periods), dtype=np.int64)
    return transactions[transactions["period"].isin(wanted)]


# --------------------------------------------------------------------------- margins
def margin_log(transactions: pd.DataFrame, *, unit_costs: Mapping | None = None,
               metrics: pd.DataFrame | None = None,
               reward_rates: Mapping | None = None) -> pd.DataFrame:
    """The log with ``cost_of_goods``, ``reward_cost`` and ``margin`` columns added.

    ``unit_costs`` maps firm -> category -> cost of one unit (the scenario's offers; missing
    pairs cost 0). With ``metrics`` (the run's metrics table) both costs are reconciled with
    the engine's accounting per period and firm (module docstring); without it the reward cost
    is ``reward_rates[firm] * revenue`` (0 when not given).
    """
    log = transactions.copy()
    firm_codes, firm_names = _codes(log["firm"])
    category_codes, category_names = _codes(log["category"])
    units = log["units"].to_numpy(np.float64)
    revenue = log["revenue"].to_numpy(np.float64)
    cost_matrix = np.zeros((len(firm_names) + 1, len(category_names) + 1))
    for f, firm in enumerate(firm_names):
        for c, category in enumerate(category_names):
            cost_matrix[f, c] = float((unit_costs or {}).get(firm, {}).get(category, 0.0))
    goods = units * cost_matrix[firm_codes, category_codes]
    rates = np.array([float((reward_rates or {}).get(f, 0.0)) for f in firm_names] + [0.0])
    reward = revenue * rates[firm_codes]
    if metrics is not None and len(log):
        periods = log["period"].to_numpy(np.int64)
        first, n_firms = int(periods.min()), len(firm_names)
        slots = (int(periods.max()) - first + 1) * n_firms
        key = (periods - first) * n_firms + firm_codes
        goods_sum = np.bincount(key, weights=goods, minlength=slots)
        revenue_sum = np.bincount(key, weights=revenue, minlength=slots)
        target_goods = np.full(slots, np.nan)
        target_reward = np.full(slots, np.nan)
        position = {name: f for f, name in enumerate(firm_names)}
        m_firm = np.array([position.get(str(f), -1) for f in metrics["firm"]])
        m_period = metrics["period"].to_numpy(np.int64) - first
        ok = (m_firm >= 0) & (m_period >= 0) & (m_period * n_firms + m_firm < slots)
        m_slot = m_period[ok] * n_firms + m_firm[ok]
        target_goods[m_slot] = metrics["cost_of_goods"].to_numpy(float)[ok]
        target_reward[m_slot] = metrics["reward_cost"].to_numpy(float)[ok]
        scale = _safe_ratio(target_goods, goods_sum)[key]
        rate = _safe_ratio(target_reward, revenue_sum)[key]
        goods = np.where(np.isfinite(scale), goods * scale, goods)
        reward = np.where(np.isfinite(rate), revenue * rate, reward)
    log["cost_of_goods"] = goods
    log["reward_cost"] = reward
    log["margin"] = revenue - goods - reward
    return log


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and names of a (categorical or plain) column."""
    categorical = column.astype("category") if not isinstance(column.dtype, pd.CategoricalDtype) else column
    names = [str(c) for c in categorical.cat.categories]
    return categorical.cat.codes.to_numpy(np.int64), names


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _discount(periods: np.ndarray, first: int, discount_rate: float) -> np.ndarray:
    return (1.0 + discount_rate) ** -(periods.astype(np.float64) - first)


def net_cost_to_serve(metrics: pd.DataFrame) -> pd.Series:
    """Per row of the metrics: ``service_cost + relationship_cost - fees``, what serving the
    firm's customers cost net of the fees they paid (firm strategies,
    :mod:`marketsim.market.relationship`; tables without those columns: ``service_cost``)."""
    cost = metrics["service_cost"].astype(np.float64)
    if "relationship_cost" in metrics.columns:
        cost = cost + metrics["relationship_cost"]
    if "fees" in metrics.columns:
        cost = cost - metrics["fees"]
    return cost


def _serve_allocation(log: pd.DataFrame, metrics: pd.DataFrame, lapse_periods: int,
                      window: np.ndarray, discount_rate: float) -> pd.DataFrame:
    """Discounted cost to serve per customer and firm (estimated holding spell, exact totals)."""
    spells = log.groupby(["customer_id", "firm"], observed=True)["period"].agg(["min", "max"])
    spells = spells.reset_index()
    first = int(window.min())
    out = np.zeros(len(spells))
    m = metrics.assign(firm=metrics["firm"].astype(str))
    m = m[m["period"].isin(window)]
    firm_of = spells["firm"].astype(str).to_numpy()
    start = spells["min"].to_numpy()
    stop = spells["max"].to_numpy() + lapse_periods
    m = m.assign(net_serve_cost=net_cost_to_serve(m))
    for (period, firm), cost in m.set_index(["period", "firm"])["net_serve_cost"].items():
        if cost == 0:
            continue
        held = (firm_of == firm) & (start <= period) & (stop >= period)
        n_held = int(held.sum())
        if n_held:
            out[held] += cost / n_held * (1.0 + discount_rate) ** -(period - first)
    spells["serve_cost"] = out
    return spells[["customer_id", "firm", "serve_cost"]]


def realised_clv(transactions: pd.DataFrame, *, discount_rate: float,
                 unit_costs: Mapping | None = None, metrics: pd.DataFrame | None = None,
                 reward_rates: Mapping | None = None, lapse_periods: int | None = None,
                 periods=None) -> pd.DataFrame:
    """Realised CLV per customer and firm over a window (default: every period of the log).

    One row per customer and firm with a purchase in the window: ``purchases``, ``units``,
    ``revenue``, ``margin`` (undiscounted, after cost of goods and rewards), ``serve_cost``
    (discounted cost to serve allocated to the customer; 0 without ``metrics`` and
    ``lapse_periods``) and ``clv`` = discounted margin minus ``serve_cost``. Periods are
    discounted to the first period of the window. Sorted by firm, then ``clv`` descending.
    """
    d = _check_rate("discount_rate", discount_rate)
    log = _window(transactions, periods)
    columns = ["customer_id", "firm", "purchases", "units", "revenue", "margin", "serve_cost", "clv"]
    if log.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    log = margin_log(log, unit_costs=unit_costs, metrics=metrics, reward_rates=reward_rates)
    window = (np.asarray(list(periods), dtype=np.int64) if periods is not None
              else np.arange(int(log["period"].min()), int(log["period"].max()) + 1))
    first = int(window.min())
    log["discounted_margin"] = log["margin"] * _discount(log["period"].to_numpy(), first, d)
    table = log.groupby(["customer_id", "firm"], observed=True).agg(
        purchases=("units", "size"), units=("units", "sum"), revenue=("revenue", "sum"),
        margin=("margin", "sum"), discounted_margin=("discounted_margin", "sum")).reset_index()
    if metrics is not None and lapse_periods is not None:
        serve = _serve_allocation(log, metrics, int(lapse_periods), window, d)
        table = table.merge(serve, on=["customer_id", "firm"], how="left")
    else:
        table["serve_cost"] = 0.0
    table["clv"] = table["discounted_margin"] - table["serve_cost"]
    table = table.drop(columns="discounted_margin")
    table["firm"] = table["firm"].astype(str)
    order = {name: k for k, name in enumerate(_firm_names(transactions))}
    table = table.sort_values(["firm", "clv"], ascending=[True, False], kind="stable",
                              key=lambda s: s.map(order) if s.name == "firm" else s)
    return table[columns].reset_index(drop=True)


def customer_equity(clv: pd.DataFrame, firms: list[str] | None = None) -> pd.DataFrame:
    """Per firm: ``customers`` (rows of ``clv``), ``customer_equity`` (sum of ``clv``), mean,
    median and the share of equity from the top 20% of customers. Firms in ``firms`` without
    customers get 0 customers and 0 equity (mean, median, top-20% share NaN)."""
    grouped = clv.groupby("firm", sort=False)["clv"]
    table = pd.DataFrame({
        "customers": grouped.size(),
        "customer_equity": grouped.sum(),
        "mean_clv": grouped.mean(),
        "median_clv": grouped.median(),
        "top20_share": grouped.apply(_top_share),
    })
    if firms is not None:
        table = table.reindex(firms)
        table["customers"] = table["customers"].fillna(0).astype(np.int64)
        table["customer_equity"] = table["customer_equity"].fillna(0.0)
    table.index.name = "firm"
    return table


def _top_share(values: pd.Series, top: float = 0.2) -> float:
    v = np.sort(values.to_numpy(np.float64))[::-1]
    total = v.sum()
    if len(v) == 0 or total == 0:
        return float("nan")
    k = max(1, math.ceil(top * len(v)))
    return float(v[:k].sum() / total)


# --------------------------------------------------------------------------- prediction
def predicted_clv(margin, retention, discount_rate: float, horizon: int | None = None):
    """``sum_{t=0}^{H-1} m r^t / (1 + d)^t``; ``horizon=None``: ``m (1 + d) / (1 + d - r)``.

    Gupta and Lehmann (2003), JIM 17(1); Berger and Nasr (1998), JIM 12(1). ``margin`` and
    ``retention`` may be arrays (broadcast); retention must be in [0, 1].
    """
    d = _check_rate("discount_rate", discount_rate)
    m = np.asarray(margin, dtype=np.float64)
    r = np.asarray(retention, dtype=np.float64)
    if np.any((r < 0) | (r > 1)):
        raise ValueError("retention must be in [0, 1]")
    q = r / (1.0 + d)
    if horizon is None:
        if np.any(q >= 1.0):
            raise ValueError("with retention 1 and discount rate 0 the infinite sum diverges; "
                             "give a horizon")
        value = m / (1.0 - q)
    else:
        if int(horizon) != horizon or horizon < 0:
            raise ValueError(f"horizon must be a whole number >= 0, got {horizon!r}")
        h = int(horizon)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(q == 1.0, m * h, m * (1.0 - q ** h) / np.where(q == 1.0, 0.5, 1.0 - q))
    return float(value) if np.ndim(value) == 0 else value


def predicted_clv_by_firm(metrics: pd.DataFrame, discount_rate: float, *, last: int = 13,
                          horizon: int | None = None) -> pd.DataFrame:
    """Predicted CLV per firm from the last ``last`` periods of the metrics table.

    ``margin_per_customer`` = (revenue - cost of goods - reward cost - cost to serve + fees)
    over customers held (cost to serve: :func:`net_cost_to_serve`), summed over the window;
    ``retention`` = mean retention over the window.
    Acquisition spend is left out (it buys new customers; it is not a cost of the ones held).
    Columns: ``customers`` (at the end), ``margin_per_customer``, ``retention``, ``clv`` (closed
    form, or ``horizon`` periods), ``predicted_equity`` = customers x clv.
    """
    recent = metrics[metrics["period"] > metrics["period"].max() - max(1, int(last))]
    recent = recent.assign(firm=recent["firm"].astype(str),
                           contribution=recent["revenue"] - recent["cost_of_goods"]
                           - recent["reward_cost"] - net_cost_to_serve(recent))
    g = recent.groupby("firm", sort=False)
    customers_held = g["customers"].sum()
    margin = _safe_ratio(g["contribution"].sum().to_numpy(float), customers_held.to_numpy(float))
    retention = g["retention"].mean().to_numpy(float)
    ok = np.isfinite(margin) & np.isfinite(retention)
    clv = np.full(len(margin), np.nan)
    if ok.any():
        clv[ok] = predicted_clv(margin[ok], np.clip(retention[ok], 0.0, 1.0), discount_rate,
                                horizon)
    table = pd.DataFrame({
        "customers": g["customers"].last().to_numpy(),
        "margin_per_customer": margin,
        "retention": retention,
        "clv": clv,
    }, index=pd.Index(customers_held.index, name="firm"))
    table["predicted_equity"] = table["customers"] * table["clv"]
    return table


# --------------------------------------------------------------------------- whale curve
def whale_curve(clv: pd.DataFrame, value: str = "clv") -> pd.DataFrame:
    """Per firm, customers ranked from most to least profitable: ``customer_share`` (rank /
    customers) and ``profit_share`` (cumulative ``value`` over the firm's total). The curve
    rises above 1 when some customers lose money (the "whale"). Also ``rank`` and ``value``.
    A firm whose total is 0 gets NaN profit shares."""
    parts = []
    for firm, rows in clv.groupby("firm", sort=False):
        v = np.sort(rows[value].to_numpy(np.float64))[::-1]
        total = v.sum()
        share = np.cumsum(v) / total if total != 0 else np.full(len(v), np.nan)
        parts.append(pd.DataFrame({
            "firm": firm, "rank": np.arange(1, len(v) + 1),
            "customer_share": np.arange(1, len(v) + 1) / len(v), "value": v,
            "profit_share": share}))
    if not parts:
        return pd.DataFrame(columns=["firm", "rank", "customer_share", "value", "profit_share"])
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- RFM
def rfm(transactions: pd.DataFrame, *, firm: str | None = None, periods=None,
        end: int | None = None) -> pd.DataFrame:
    """Per customer and firm, the summary ``lifetimes`` / PyMC-Marketing CLV models take.

    The BG/NBD's and Gamma-Gamma's definitions (Fader, Hardie and Lee 2005a, b), counting
    purchase occasions (a row's ``units``, as every measure does:
    :mod:`marketsim.measures.brand_performance`), time in periods:

    * ``frequency``: repeat purchases (purchase occasions with the firm in the window, minus
      the first);
    * ``recency``: age at the last purchase (last minus first purchase period; occasions in
      one period share its time);
    * ``T``: age at the end of the window (``end`` minus first purchase period; ``end``
      defaults to the window's last period);
    * ``monetary_value``: mean revenue of the repeat purchases: the revenue after the first
      purchase over ``frequency``, the first purchase's revenue being its period's revenue
      over that period's occasions (0 when ``frequency`` is 0).

    (``lifetimes.utils.summary_data_from_transaction_data`` counts purchase periods instead,
    one per period with a purchase: the same numbers when nobody buys twice in a period.)

    Columns: ``customer_id, firm, frequency, recency, T, monetary_value`` (pass ``firm=`` for
    one firm; drop ``firm`` before handing the frame to a model). Feed it to e.g.
    ``lifetimes.BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"])`` or PyMC-Marketing's
    ``clv.BetaGeoModel(data=df)``.
    """
    log = _window(transactions, periods)
    if firm is not None:
        known = _firm_names(transactions)
        if firm not in known:
            raise KeyError(f"no firm named {firm!r} in the log; firms: {', '.join(known)}")
        log = log[log["firm"].astype(str) == firm]
    if end is None:
        if periods is not None:
            end = int(np.max(list(periods)))
        elif len(transactions):
            end = int(transactions["period"].max())
        else:
            end = 0
    columns = ["customer_id", "firm", *RFM_COLUMNS[1:]]
    if log.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    per_period = (log.assign(firm=log["firm"].astype(str))
                  .groupby(["customer_id", "firm", "period"], sort=True)[["units", "revenue"]]
                  .sum().reset_index())
    g = per_period.groupby(["customer_id", "firm"], sort=False)
    summary = g.agg(first=("period", "min"), last=("period", "max"), occasions=("units", "sum"),
                    revenue=("revenue", "sum"), first_units=("units", "first"),
                    first_revenue=("revenue", "first"))
    summary["frequency"] = summary["occasions"] - 1
    summary["recency"] = summary["last"] - summary["first"]
    summary["T"] = end - summary["first"]
    repeat_revenue = summary["revenue"] - summary["first_revenue"] / summary["first_units"]
    summary["monetary_value"] = np.where(summary["frequency"] > 0,
                                         repeat_revenue / summary["frequency"].clip(lower=1), 0.0)
    out = summary.reset_index()
    for name in ("frequency", "recency", "T"):
        out[name] = out[name].astype(np.int64)
    return out[columns].sort_values(["firm", "customer_id"], kind="stable").reset_index(drop=True)
