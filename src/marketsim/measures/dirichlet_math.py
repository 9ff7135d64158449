"""The distributions behind the NBD-Dirichlet (Goodhardt, Ehrenberg and Chatfield 1984):
the NBD of category purchases and the beta-binomial of a brand's share of them.

Plain functions of the model's parameters, used by
:class:`marketsim.measures.dirichlet.DirichletFit` (whose docstring states the model), and the
checks of its inputs. Probabilities are exponentials of log-gamma sums.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats


def positive_number(name: str, value, *, upper: float | None = None, allow_equal=False):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {value!r}") from None
    if not math.isfinite(value) or value <= 0 or (
            upper is not None and (value > upper or (value == upper and not allow_equal))):
        bound = "" if upper is None else f" and {'<=' if allow_equal else '<'} {upper}"
        raise ValueError(f"{name} must be > 0{bound}; got {value!r}")
    return value


def fivenum(x: np.ndarray) -> np.ndarray:
    """Tukey's five-number summary, as R's ``fivenum``."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    n4 = math.floor((n + 3) / 2) / 2
    d = np.array([1, n4, (n + 1) / 2, n + 1 - n4, n]) - 1
    return 0.5 * (x[np.floor(d).astype(int)] + x[np.ceil(d).astype(int)])


def nbd_support(M: float, K: float, tail: float):
    """Category purchase counts n = 0..N and their NBD probabilities P(n) (mean ``M``, shape
    ``K``, Poisson when ``K`` is infinite), up to where the tail left out is below ``tail``."""
    if math.isinf(K):
        top = int(stats.poisson.isf(tail, M)) + 2
        n = np.arange(top + 1)
        return n, stats.poisson.pmf(n, M)
    p = K / (K + M)
    top = int(stats.nbinom.isf(tail, K, p)) + 2
    n = np.arange(top + 1)
    return n, stats.nbinom.pmf(n, K, p)


def p_none(n, a, S):
    """P(no purchase of a brand (group) with Dirichlet weight a | n category purchases)."""
    b = S - a
    if a <= 0:
        return np.ones(len(n))
    if b <= 1e-14 * S:
        return (n == 0).astype(float)
    return np.exp(special.gammaln(b + n) - special.gammaln(b)
                  + special.gammaln(S) - special.gammaln(S + n))

def p_all(n, a, S):
    """P(all n category purchases are of the brand)."""
    b = S - a
    if a <= 0:
        return (n == 0).astype(float)
    if b <= 1e-14 * S:
        return np.ones(len(n))
    return np.exp(special.gammaln(a + n) - special.gammaln(a)
                  + special.gammaln(S) - special.gammaln(S + n))

def p_one(n, a, S):
    """P(exactly one of the n category purchases is of the brand)."""
    b = S - a
    if a <= 0:
        return np.zeros(len(n))
    if b <= 1e-14 * S:
        return (n == 1).astype(float)
    out = np.zeros(len(n))
    k = n >= 1
    nk = n[k]
    out[k] = np.exp(np.log(nk) + special.gammaln(a + 1) - special.gammaln(a)
                    + special.gammaln(b + nk - 1) - special.gammaln(b)
                    + special.gammaln(S) - special.gammaln(S + nk))
    return out


def brand_shares_of(brand_shares, brand_names):
    """Brand names and shares from a mapping or Series, or a sequence (with ``brand_names``),
    checked: finite, >= 0, summing to more than 0 and at most 1."""
    if isinstance(brand_shares, (Mapping, pd.Series)):
        items = dict(brand_shares)
        names = [str(k) for k in items]
        values = np.array([float(v) for v in items.values()])
    elif isinstance(brand_shares, (Sequence, np.ndarray)) and not isinstance(brand_shares, str):
        values = np.asarray(brand_shares, dtype=float).ravel()
        names = ([str(n) for n in brand_names] if brand_names is not None
                 else [f"B{j + 1}" for j in range(len(values))])
    else:
        raise ValueError(  # noqa: TRY004  (argument errors are ValueErrors throughout)
            "brand_shares must be a mapping or Series (brand -> share) or a sequence of "
            f"shares; got {type(brand_shares).__name__}")
    if brand_names is not None and len(brand_names) != len(values):
        raise ValueError(f"brand_names has {len(brand_names)} names for {len(values)} "
                         "brand_shares; allowed values: one name per share")
    if len(values) < 1 or not np.all(np.isfinite(values)) or np.any(values < 0) \
            or values.sum() <= 0 or values.sum() > 1 + 1e-9:
        raise ValueError("brand_shares must be one or more finite shares >= 0 with a "
                         f"positive sum of at most 1; got {values.tolist()}")
    return names, np.minimum(values, 1.0)

def align_to_brands(label, values, names) -> np.ndarray:
    """``values`` (a mapping by brand name, or a sequence in the shares' order) as an array in
    the order of ``names``."""
    if isinstance(values, (Mapping, pd.Series)):
        values = dict(values)
        missing = [n for n in names if n not in {str(k) for k in values}]
        if missing:
            raise ValueError(f"{label} lacks the brand(s) {missing}; allowed values: one "
                             f"value for each of {names}")
        lookup = {str(k): v for k, v in values.items()}
        out = np.array([float(lookup[n]) for n in names])
    else:
        out = np.asarray(values, dtype=float).ravel()
        if len(out) != len(names):
            raise ValueError(f"{label} has {len(out)} values for {len(names)} brands; "
                             "allowed values: one value per brand, in the shares' order")
    return out
