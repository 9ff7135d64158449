"""Brand performance measures over a window of a run's transaction log (MODEL.md section 3).

The measures are those of Ehrenberg's brand performance tables, the ones the NBD-Dirichlet
(:mod:`marketsim.measures.dirichlet`) predicts: market share, penetration, purchase frequency, share
of category requirements, sole buyers, repeat buying and the duplication of purchase between brands.
A *brand* is a firm.

Conventions
-----------
* The input is the transaction log of a run (``MarketModel.transactions()``): one row per
  purchase, with the columns ``period, customer_id, firm, category, units, revenue``.
* A **purchase** is a purchase occasion, and a row's ``units`` counts them: the engine
  draws each customer's purchase occasions per category and period (Poisson at the
  customer's rate) and each occasion buys one unit of the brand it chooses, so the log's one
  row per customer, firm, category and period carries the number of occasions that chose the
  firm (``units``) and what they cost (``revenue``). Purchase frequencies, repeat rates, the
  Dirichlet inputs and the RFM export (:func:`marketsim.measures.clv.rfm`) all count
  occasions. (Counting rows instead, i.e. purchase periods, understates frequencies and
  breaks the NBD-Dirichlet even where it holds exactly.) For a log from elsewhere, give one
  row per occasion, or ``units`` equal to the occasions of the row.
* The **window** is a set of periods (default: every period in the log).
* The **category**: by default all categories are pooled and treated as one category (a
  customer's category purchases are then all their purchases, and a firm's purchases in every
  category count for its brand). Pass ``category="name"`` to restrict to one category.
* **Penetration** is a share of *all* customers of the market (the population), so the
  population size ``n_customers`` is required: customers who bought nothing in the window are
  not in the log.
* Every brand of the log gets a row, in the log's order of firms (the categories of the
  ``firm`` Categorical, or the sorted firm names), including brands with no buyers in the
  window: their counts are 0, their penetration and market shares 0, and the per-buyer
  measures (frequency, SCR, sole buyers, repeat rate), which have no buyers to average over,
  are NaN. A window with no purchases at all gives that table for every brand (market shares
  NaN, as 0/0) and category figures with ``buyers == 0``; nothing raises.

Columns of :func:`brand_performance` (index: ``firm``)
-------------------------------------------------------
``buyers``                    customers who bought the brand at least once in the window
``purchases``                 purchase occasions of the brand (the sum of ``units``)
``units``, ``revenue``        units and revenue of the brand
``market_share_purchases``    brand purchases over category purchases (the Dirichlet's share)
``market_share_units``        brand units over category units
``market_share_revenue``      brand revenue over category revenue
``market_share_buyers``       brand buyers over the sum of all brands' buyers
``penetration``               b: buyers over ``n_customers``
``purchase_frequency``        w: purchases per buyer
``units_per_buyer``           units per buyer
``category_frequency``        w_P: category purchases per brand buyer (all brands)
``category_units_per_buyer``  category units per brand buyer
``scr``                       share of category requirements: the brand's units over the
                              category units of its buyers (``units_per_buyer /
                              category_units_per_buyer``)
``scr_revenue``               the same with revenue: spend-weighted share of wallet
``scr_purchases``             the same with purchases (``w / w_P``, the Dirichlet's SCR)
``scr_mean``                  mean over the brand's buyers of each buyer's share of their own
                              category units
``scr_mean_revenue``          mean over the brand's buyers of each buyer's share of their own
                              category spend (the mean "share of customer")
``sole_buyer_share``          share of the brand's buyers who bought no other brand
``repeat_rate``               share of the brand's buyers with two or more purchases of it

The category figures (category penetration B, category purchase frequency W, ...) are
returned by :func:`category_measures` and are also attached to the brand table as
``table.attrs["category"]`` (a dict).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "BRAND_COLUMNS",
    "CATEGORY_FIELDS",
    "brand_performance",
    "category_measures",
    "duplication",
]

REQUIRED_COLUMNS = ("period", "customer_id", "firm", "category", "units", "revenue")

#: Columns of :func:`brand_performance`, in order.
BRAND_COLUMNS = (
    "buyers", "purchases", "units", "revenue",
    "market_share_purchases", "market_share_units", "market_share_revenue",
    "market_share_buyers",
    "penetration", "purchase_frequency", "units_per_buyer",
    "category_frequency", "category_units_per_buyer",
    "scr", "scr_revenue", "scr_purchases", "scr_mean", "scr_mean_revenue",
    "sole_buyer_share", "repeat_rate",
)

#: Fields of :func:`category_measures`, with their meaning.
CATEGORY_FIELDS = {
    "n_customers": "customers in the market (the population)",
    "buyers": "customers who bought in the category in the window",
    "purchases": "category purchase occasions",
    "units": "category units",
    "revenue": "category revenue",
    "penetration": "B: category buyers over n_customers",
    "purchase_frequency": "W: category purchases per category buyer",
    "units_per_buyer": "category units per category buyer",
    "mean_purchases": "M = B * W: category purchases per customer of the market",
    "brands_per_buyer": "mean number of different brands bought by a category buyer",
    "sole_buyer_share": "share of category buyers who bought one brand only",
}

_COUNT_COLUMNS = ("buyers", "purchases", "units", "revenue")


# --------------------------------------------------------------------------- argument checks
def _check_transactions(transactions) -> pd.DataFrame:
    if not isinstance(transactions, pd.DataFrame):
        raise ValueError(  # noqa: TRY004  (the argument errors are ValueErrors throughout)
            "transactions must be a pandas DataFrame with the columns "
            f"{', '.join(REQUIRED_COLUMNS)} (a run's transaction log); got "
            f"{type(transactions).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in transactions.columns]
    if missing:
        raise ValueError(
            f"transactions lacks the column(s) {', '.join(missing)}; required columns: "
            f"{', '.join(REQUIRED_COLUMNS)}")
    return transactions


def _levels(column: pd.Series) -> list:
    """The known values of a column: a Categorical's categories, else the sorted values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return list(column.cat.categories)
    return sorted(pd.unique(column.dropna()).tolist(), key=str)


def _check_n_customers(n_customers) -> int:
    if n_customers is None:
        raise ValueError(
            "n_customers is required: the number of customers in the market (the population "
            "size), so that penetration is a share of all customers; allowed values: an "
            "integer >= 1")
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)):
        if isinstance(n_customers, (float, np.floating)) and float(n_customers).is_integer():
            n_customers = int(n_customers)
        else:
            raise ValueError(
                f"n_customers must be an integer >= 1 (the population size); got {n_customers!r}")
    n_customers = int(n_customers)
    if n_customers < 1:
        raise ValueError(
            f"n_customers must be an integer >= 1 (the population size); got {n_customers}")
    return n_customers


def _period_set(periods) -> np.ndarray | None:
    """The window as an array of period numbers, or None for every period."""
    allowed = ("allowed values: None (all periods), an int (one period), a (first, last) "
               "tuple (inclusive), a range, or a list of ints")
    if periods is None:
        return None
    if isinstance(periods, bool):
        raise ValueError(f"periods={periods!r} is not a window; {allowed}")  # noqa: TRY004
    if isinstance(periods, (int, np.integer)):
        return np.array([int(periods)])
    if isinstance(periods, tuple):
        if len(periods) != 2 or not all(
                isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in periods):
            raise ValueError(f"periods={periods!r} is not a (first, last) pair of ints; {allowed}")
        first, last = int(periods[0]), int(periods[1])
        if first > last:
            raise ValueError(f"periods={periods!r}: first period {first} is after the last "
                             f"{last}; {allowed}")
        return np.arange(first, last + 1)
    if isinstance(periods, range):
        if len(periods) == 0:
            raise ValueError(f"periods={periods!r} is an empty range; {allowed}")
        return np.asarray(periods)
    if isinstance(periods, (str, bytes, float)) or not isinstance(periods, Iterable):
        raise ValueError(f"periods={periods!r} is not a window; {allowed}")  # noqa: TRY004
    values = list(periods)
    if not values or not all(
            isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in values):
        raise ValueError(f"periods={periods!r} must be a non-empty list of ints; {allowed}")
    return np.asarray(values, dtype=np.int64)


def _window(transactions, category, periods):
    """Validate the arguments; return (rows of the window, brands, category label)."""
    tx = _check_transactions(transactions)
    brands = [str(b) for b in _levels(tx["firm"])]
    categories = _levels(tx["category"])
    mask = np.ones(len(tx), dtype=bool)
    if category is not None:
        if category not in categories:
            raise ValueError(
                f"category={category!r} is not a category of the transaction log; allowed "
                f"values: None (all categories pooled) or one of {categories}")
        mask &= (tx["category"] == category).to_numpy()
    window = _period_set(periods)
    if window is not None:
        mask &= np.isin(tx["period"].to_numpy(), window)
    rows = tx.loc[mask, ["customer_id", "firm", "units", "revenue"]]
    return rows, brands


# ------------------------------------------------------------------------------ aggregation
def _pairs(rows: pd.DataFrame, brands: list[str]) -> pd.DataFrame:
    """One row per (customer, brand) bought in the window, with the customer's category totals."""
    brand_code = pd.Categorical(rows["firm"].astype(str), categories=brands).codes
    cust_code, _ = pd.factorize(rows["customer_id"])
    frame = pd.DataFrame({
        "customer": cust_code,
        "brand": brand_code.astype(np.int64),
        "units": rows["units"].to_numpy(dtype=float),
        "revenue": rows["revenue"].to_numpy(dtype=float),
    })
    pairs = frame.groupby(["customer", "brand"], sort=True).agg(
        purchases=("units", "sum"), units=("units", "sum"), revenue=("revenue", "sum"),
    ).reset_index()
    per_customer = pairs.groupby("customer").agg(
        cat_purchases=("purchases", "sum"), cat_units=("units", "sum"),
        cat_revenue=("revenue", "sum"), n_brands=("brand", "size"),
    )
    return pairs.join(per_customer, on="customer")


def _ratio(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(den > 0, out, np.nan)


def brand_performance(transactions: pd.DataFrame, *, category=None, periods=None,
                      n_customers=None) -> pd.DataFrame:
    """Brand performance measures over a window, one row per brand (firm).

    Parameters
    ----------
    transactions:
        The transaction log of a run (columns ``period, customer_id, firm, category, units,
        revenue``).
    category:
        One category's name, or None (default) for all categories pooled as one.
    periods:
        The window: None (default, every period), an int, an inclusive ``(first, last)``
        tuple, a range or a list of periods.
    n_customers:
        The population size (required): penetration is buyers over all customers.

    Returns a DataFrame indexed by ``firm`` with the columns :data:`BRAND_COLUMNS` (see the
    module docstring); ``.attrs["category"]`` holds :func:`category_measures` as a dict.
    Raises ValueError, naming the argument and its allowed values, on a bad argument.
    """
    n_customers = _check_n_customers(n_customers)
    rows, brands = _window(transactions, category, periods)
    nb = len(brands)
    pairs = _pairs(rows, brands)
    n_buyers_category = int(pairs["customer"].nunique()) if len(pairs) else 0
    if n_buyers_category > n_customers:
        raise ValueError(
            f"n_customers={n_customers} is smaller than the {n_buyers_category} customers who "
            "bought in the window; allowed values: the population size, >= the number of "
            "distinct buyers")

    pairs = pairs.assign(
        unit_share=_ratio(pairs["units"], pairs["cat_units"]),
        revenue_share=_ratio(pairs["revenue"], pairs["cat_revenue"]),
        sole=(pairs["n_brands"] == 1).astype(float),
        repeat=(pairs["purchases"] >= 2).astype(float),
    )
    g = pairs.groupby("brand")
    sums = g[["purchases", "units", "revenue", "cat_purchases", "cat_units",
              "cat_revenue"]].sum().reindex(range(nb), fill_value=0)
    means = g[["unit_share", "revenue_share", "sole", "repeat"]].mean().reindex(range(nb))
    buyers = g.size().reindex(range(nb), fill_value=0).to_numpy(dtype=np.int64)

    purchases = sums["purchases"].to_numpy(dtype=np.int64)
    units = sums["units"].to_numpy(dtype=float)
    revenue = sums["revenue"].to_numpy(dtype=float)
    cat_p, cat_u, cat_r = (sums[c].to_numpy(dtype=float)
                           for c in ("cat_purchases", "cat_units", "cat_revenue"))

    table = pd.DataFrame({
        "buyers": buyers,
        "purchases": purchases,
        "units": units,
        "revenue": revenue,
        "market_share_purchases": _ratio(purchases, np.full(nb, purchases.sum())),
        "market_share_units": _ratio(units, np.full(nb, units.sum())),
        "market_share_revenue": _ratio(revenue, np.full(nb, revenue.sum())),
        "market_share_buyers": _ratio(buyers, np.full(nb, buyers.sum())),
        "penetration": buyers / n_customers,
        "purchase_frequency": _ratio(purchases, buyers),
        "units_per_buyer": _ratio(units, buyers),
        "category_frequency": _ratio(cat_p, buyers),
        "category_units_per_buyer": _ratio(cat_u, buyers),
        "scr": _ratio(units, cat_u),
        "scr_revenue": _ratio(revenue, cat_r),
        "scr_purchases": _ratio(purchases, cat_p),
        "scr_mean": means["unit_share"].to_numpy(dtype=float),
        "scr_mean_revenue": means["revenue_share"].to_numpy(dtype=float),
        "sole_buyer_share": means["sole"].to_numpy(dtype=float),
        "repeat_rate": means["repeat"].to_numpy(dtype=float),
    }, index=pd.Index(brands, name="firm"))
    table.attrs["category"] = _category_from_pairs(pairs, n_customers)
    table.attrs["window"] = {"category": category, "periods": periods}
    return table


def _category_from_pairs(pairs: pd.DataFrame, n_customers: int) -> dict:
    per_customer = pairs.drop_duplicates("customer")
    buyers = len(per_customer)
    purchases = int(per_customer["cat_purchases"].sum()) if buyers else 0
    units = float(per_customer["cat_units"].sum()) if buyers else 0.0
    revenue = float(per_customer["cat_revenue"].sum()) if buyers else 0.0
    nan = float("nan")
    return {
        "n_customers": n_customers,
        "buyers": buyers,
        "purchases": purchases,
        "units": units,
        "revenue": revenue,
        "penetration": buyers / n_customers,
        "purchase_frequency": purchases / buyers if buyers else nan,
        "units_per_buyer": units / buyers if buyers else nan,
        "mean_purchases": purchases / n_customers,
        "brands_per_buyer": float(per_customer["n_brands"].mean()) if buyers else nan,
        "sole_buyer_share": float((per_customer["n_brands"] == 1).mean()) if buyers else nan,
    }


def category_measures(transactions: pd.DataFrame, *, category=None, periods=None,
                      n_customers=None) -> pd.Series:
    """Category-level figures over a window (fields: :data:`CATEGORY_FIELDS`).

    Arguments as in :func:`brand_performance`. ``penetration`` is the category penetration B
    and ``purchase_frequency`` the category purchase frequency W per category buyer, the two
    numbers the Dirichlet's NBD is fitted to.
    """
    n_customers = _check_n_customers(n_customers)
    rows, brands = _window(transactions, category, periods)
    pairs = _pairs(rows, brands)
    if len(pairs) and pairs["customer"].nunique() > n_customers:
        raise ValueError(
            f"n_customers={n_customers} is smaller than the number of customers who bought in "
            "the window; allowed values: the population size")
    return pd.Series(_category_from_pairs(pairs, n_customers), name="category")


def duplication(transactions: pd.DataFrame, *, category=None, periods=None) -> pd.DataFrame:
    """Duplication of purchase: the share of brand A's buyers who also bought brand B.

    Rows are brand A, columns brand B (both every brand of the log); the diagonal is 1 for a
    brand with buyers. A row of a brand with no buyers in the window is NaN. Window and
    category arguments as in :func:`brand_performance`.
    """
    rows, brands = _window(transactions, category, periods)
    nb = len(brands)
    pairs = _pairs(rows, brands)
    counts = np.zeros((nb, nb), dtype=float)
    if len(pairs):
        from scipy import sparse

        n_cust = int(pairs["customer"].max()) + 1
        bought = sparse.csr_matrix(
            (np.ones(len(pairs)), (pairs["customer"].to_numpy(), pairs["brand"].to_numpy())),
            shape=(n_cust, nb))
        counts = (bought.T @ bought).toarray()
    buyers = np.diag(counts).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = counts / buyers[:, None]
    shares[buyers == 0, :] = np.nan
    index = pd.Index(brands, name="firm")
    return pd.DataFrame(shares, index=index, columns=pd.Index(brands, name="also_bought"))
