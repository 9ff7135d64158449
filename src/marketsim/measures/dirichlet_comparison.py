"""A run's observed brand measures beside the NBD-Dirichlet fitted to them (the Double Jeopardy
check): :func:`dirichlet_comparison` and :func:`fit_from_transactions`.
"""

from __future__ import annotations

import pandas as pd

from marketsim.measures.brand_performance import brand_performance
from marketsim.measures.dirichlet import MEASURES, DirichletFit

__all__ = ["dirichlet_comparison", "fit_from_transactions"]


def fit_from_transactions(transactions: pd.DataFrame, n_customers, *, category=None,
                          periods=None, s_method: str = "penetration",
                          **fit_options) -> DirichletFit:
    """Fit the Dirichlet to a run's window with :func:`marketsim.measures.brand_performance`
    numbers.

    Purchases are purchase occasions (rows of the log): the inputs are the category
    penetration B and purchase frequency W, the brands' shares of purchases, and the brands'
    observed penetrations and purchase frequencies (S fitted as ``s_method`` says). Brands
    with no purchases in the window get a zero share (penetration 0, other measures NaN).
    Extra keyword arguments go to :class:`DirichletFit` (``tail``, ``s_bounds``) or
    :meth:`DirichletFit.fit` (``S``, ``K``, ``category_variance``).
    """
    observed = brand_performance(transactions, category=category, periods=periods,
                                 n_customers=n_customers)
    return _fit_observed(observed, s_method, fit_options)


def _fit_observed(observed: pd.DataFrame, s_method, fit_options) -> DirichletFit:
    cat = observed.attrs["category"]
    if cat["buyers"] == 0:
        raise ValueError("the window has no purchases: the Dirichlet cannot be fitted; choose "
                         "other periods or another category")
    if cat["buyers"] >= cat["n_customers"]:
        raise ValueError("every customer bought in the window (category penetration 1): the "
                         "NBD cannot be fitted by mean and zeros; use a shorter window")
    init = {k: fit_options.pop(k) for k in ("tail", "s_bounds") if k in fit_options}
    model = DirichletFit(**init)
    return model.fit(
        cat["penetration"], cat["purchase_frequency"],
        observed["market_share_purchases"].fillna(0.0),
        brand_penetrations=observed["penetration"],
        brand_frequencies=observed["purchase_frequency"],
        s_method=s_method, **fit_options)


def dirichlet_comparison(transactions: pd.DataFrame, n_customers, *, category=None,
                         periods=None, s_method: str = "penetration",
                         **fit_options) -> pd.DataFrame:
    """The observed brand measures beside the Dirichlet's, one row per brand.

    Columns ``<measure>_observed`` and ``<measure>_dirichlet`` for each measure of
    :data:`MEASURES` (market share and SCR on purchases: ``scr = w / w_P``). The fitted model
    is in ``.attrs["fit"]`` and the category figures (observed and theoretical) in
    ``.attrs["category"]``.
    """
    observed = brand_performance(transactions, category=category, periods=periods,
                                 n_customers=n_customers)
    model = _fit_observed(observed, s_method, dict(fit_options))
    theory = model.brand_table()
    obs = pd.DataFrame({
        "market_share": observed["market_share_purchases"],
        "penetration": observed["penetration"],
        "purchase_frequency": observed["purchase_frequency"],
        "category_frequency": observed["category_frequency"],
        "scr": observed["scr_purchases"],
        "sole_buyer_share": observed["sole_buyer_share"],
        "repeat_rate": observed["repeat_rate"],
    })
    columns = {}
    for m in MEASURES:
        columns[f"{m}_observed"] = obs[m].to_numpy()
        columns[f"{m}_dirichlet"] = theory[m].to_numpy()
    table = pd.DataFrame(columns, index=observed.index)
    table.attrs["fit"] = model
    table.attrs["category"] = {"observed": dict(observed.attrs["category"]),
                               "dirichlet": model.category_summary().to_dict()}
    return table
