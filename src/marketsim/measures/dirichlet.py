"""The NBD-Dirichlet model of purchase incidence and brand choice.

Goodhardt, G.J., Ehrenberg, A.S.C. and Chatfield, C. (1984), "The Dirichlet: a comprehensive
model of buying behaviour", Journal of the Royal Statistical Society A 147(5), 621-655.

The model
---------
Each household buys the category at a rate that is Gamma distributed across households; its
number of category purchases ``n`` in the analysis period is Poisson given the rate, so ``n``
follows a negative binomial distribution (NBD) with mean ``M`` and shape ``K``:
``P(n) = Gamma(K+n) / (Gamma(K) n!) (1 + M/K)^(-K) (M/(M+K))^n``. Each household has brand
choice probabilities drawn from a Dirichlet distribution with parameters
``alpha_j = S * s_j`` (``s_j`` the brand's market share, ``S`` the single "choice"
parameter); given ``n`` category purchases, its purchases of brand ``j`` are then
beta-binomial: ``p(r | n) = C(n, r) B(alpha_j + r, S - alpha_j + n - r) / B(alpha_j, S - alpha_j)``.

Fitting (the usual method of moments)
-------------------------------------
* ``M = B * W``: category purchases per household (B the category penetration, W the
  category purchase frequency per category buyer).
* ``K`` by "mean and zeros": ``P(0) = (1 + M/K)^(-K) = 1 - B``, solved with Brent's method.
  When the data are not over-dispersed (``B >= 1 - exp(-M)``) there is no finite root and
  ``K = inf`` (Poisson purchasing). Alternatively ``K = M^2 / (V - M)`` from the variance ``V``
  of category purchases per household (``category_variance=``).
* ``S`` from the brands' shares and one observed brand-level quantity; ``s_method``:

  ``"penetration"`` (default)
      one S such that the share-weighted mean of the theoretical brand penetrations equals the
      share-weighted mean of the observed ones (``sum_j s_j b_j(S) = sum_j s_j b_j^obs``).
  ``"frequency"``
      one S such that the share-weighted mean theoretical purchase frequency per buyer equals
      the observed one (``sum_j s_j w_j(S) = sum_j s_j w_j^obs``).
  ``"nbddirichlet"``
      the rule of the R package NBDdirichlet (F. Chen): an S for each brand that reproduces
      its own penetration, drop the boxplot outliers and the values above the upper notch
      (``median + 1.58 IQR / sqrt(n)``, with Tukey's hinges), and take the share-weighted
      mean of the rest. It reproduces that package's published example (see the tests).

  Theoretical penetrations increase and purchase frequencies decrease with S, from
  ``S -> 0`` (every household loyal to one brand) to ``S -> inf`` (identical households,
  multinomial choice), so each equation has one root; Brent's method finds it on
  ``log S``. A target outside the attainable range clips S to ``[s_bounds]`` with a warning.

Theoretical measures (per brand j, ``b`` penetration)
-----------------------------------------------------
``b = 1 - sum_n P(n) p(0|n)``; ``w = M s_j / b`` (purchases per buyer); ``w_P = sum_n n P(n)
(1 - p(0|n)) / b`` (category purchases per brand buyer); ``scr = w / w_P``; sole buyers
``sum_{n>=1} P(n) p(n|n) / b``; repeat rate (buyers buying twice or more)
``1 - sum_n P(n) p(1|n) / b``; duplication ``b_jk / b_j`` with
``b_jk = b_j + b_k - b_{j or k}`` (brands j and k merged: ``alpha_j + alpha_k``). The sums
run over the NBD's support up to the point where the remaining tail probability is below
``tail`` (1e-12 by default); terms are computed as exponentials of log-gamma sums
(:mod:`~marketsim.measures.dirichlet_math`). A run's brands beside the fitted model:
:mod:`~marketsim.measures.dirichlet_comparison`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

from marketsim.measures.dirichlet_math import (
    align_to_brands,
    brand_shares_of,
    fivenum,
    p_all,
    p_none,
    p_one,
    positive_number,
)

__all__ = ["MEASURES", "S_METHODS", "DirichletFit"]

S_METHODS = ("penetration", "frequency", "nbddirichlet")

#: Columns of :meth:`DirichletFit.brand_table`, also the measures compared by
#: :func:`dirichlet_comparison`.
MEASURES = ("market_share", "penetration", "purchase_frequency", "category_frequency", "scr",
            "sole_buyer_share", "repeat_rate")


class DirichletFit:
    """An NBD-Dirichlet model: fit it with :meth:`fit`, then read :meth:`brand_table`.

    ``tail`` is the NBD tail probability left out of the sums over category purchase counts;
    ``s_bounds`` the interval searched for S.
    """

    def __init__(self, *, tail: float = 1e-12, s_bounds: tuple[float, float] = (1e-4, 1e4)):
        self.tail = positive_number("tail", tail, upper=0.01, allow_equal=True)
        lo, hi = s_bounds
        if not (0 < lo < hi):
            raise ValueError(f"s_bounds must be (low, high) with 0 < low < high; got {s_bounds!r}")
        self.s_bounds = (float(lo), float(hi))
        self.M = self.K = self.S = None
        self.brands: list[str] = []
        self.shares = np.zeros(0)
        self.category_penetration = self.category_frequency = None
        self.s_method = None
        self.s_by_brand = None
        self.s_excluded: list[str] = []
        self.observed: dict[str, np.ndarray] = {}

    # ---------------------------------------------------------------------------- fitting
    def fit(self, category_penetration, category_frequency, brand_shares, *,
            brand_penetrations=None, brand_frequencies=None, s_method: str = "penetration",
            S=None, K=None, category_variance=None, brand_names=None) -> DirichletFit:
        """Fit M, K and S; returns ``self``.

        Parameters
        ----------
        category_penetration:
            B, the share of households buying the category in the period (0 < B < 1).
        category_frequency:
            W, the category purchases per category buyer (>= 1).
        brand_shares:
            The brands' market shares (of purchases): a mapping or Series name -> share, or a
            sequence (with ``brand_names``). Shares of the whole category: they sum to 1,
            or to less when brands are left out (the rest, ``S (1 - sum)``, is then the
            weight of the brands not listed, as in the published examples).
        brand_penetrations, brand_frequencies:
            Observed brand penetrations b (share of all households) or purchase frequencies w
            (per brand buyer), same order/keys as the shares: the quantity S is fitted to,
            as chosen by ``s_method`` (``"penetration"`` and ``"nbddirichlet"`` use the
            penetrations, ``"frequency"`` the frequencies).
        s_method:
            One of :data:`S_METHODS` (see the module docstring).
        S, K:
            Give a value to fix the parameter instead of fitting it.
        category_variance:
            Variance of category purchases per household: K by moments, ``M^2 / (V - M)``.
        """
        B = positive_number("category_penetration", category_penetration, upper=1.0)
        W = float(category_frequency)
        if not (math.isfinite(W) and W >= 1.0):
            raise ValueError(
                f"category_frequency must be >= 1 (purchases per category buyer); got "
                f"{category_frequency!r}")
        names, shares = brand_shares_of(brand_shares, brand_names)
        self.brands, self.shares = names, shares
        self.category_penetration, self.category_frequency = B, W
        self.M = B * W
        self.K = self._fit_k(K, category_variance)
        self.observed = {}
        if brand_penetrations is not None:
            self.observed["penetration"] = align_to_brands("brand_penetrations",
                                                       brand_penetrations, names)
        if brand_frequencies is not None:
            self.observed["purchase_frequency"] = align_to_brands("brand_frequencies",
                                                              brand_frequencies, names)
        self.s_by_brand, self.s_excluded = None, []
        if S is not None:
            self.S = positive_number("S", S)
            self.s_method = "given"
        else:
            if s_method not in S_METHODS:
                raise ValueError(f"s_method={s_method!r} is not known; allowed values: "
                                 f"{', '.join(S_METHODS)}")
            self.s_method = s_method
            self.S = self._fit_s(s_method)
        return self

    def _fit_k(self, K, category_variance) -> float:
        if K is not None:
            return positive_number("K", K) if not (isinstance(K, float) and math.isinf(K)) \
                else math.inf
        M = self.M
        if category_variance is not None:
            V = float(category_variance)
            return M * M / (V - M) if V > M else math.inf
        target = -math.log1p(-self.category_penetration)  # K log(1 + M/K) = -log(1 - B)
        if target >= M * (1 - 1e-12):
            return math.inf                               # no over-dispersion: Poisson

        def g(log_k):
            k = math.exp(log_k)
            return k * math.log1p(M / k) - target

        lo, hi = math.log(1e-8), math.log(1e8)
        if g(hi) < 0:
            return math.inf
        if g(lo) > 0:
            return math.exp(lo)
        return math.exp(optimize.brentq(g, lo, hi, xtol=1e-14, rtol=1e-13))

    # ---------------------------------------------------------------- NBD and beta-binomial
    def _support(self, M=None):
        """Category purchase counts n = 0..N and their NBD probabilities P(n)."""
        M = self.M if M is None else M
        if math.isinf(self.K):
            top = int(stats.poisson.isf(self.tail, M)) + 2
            n = np.arange(top + 1)
            return n, stats.poisson.pmf(n, M)
        p = self.K / (self.K + M)
        top = int(stats.nbinom.isf(self.tail, self.K, p)) + 2
        n = np.arange(top + 1)
        return n, stats.nbinom.pmf(n, self.K, p)

    def _penetrations(self, S, n=None, pn=None):
        if n is None:
            n, pn = self._support()
        return np.array([np.sum(pn * (1.0 - p_none(n, S * s, S))) for s in self.shares])

    def _frequencies(self, S, n=None, pn=None):
        if n is None:
            n, pn = self._support()
        b = self._penetrations(S, n, pn)
        mean = np.sum(n * pn)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(b > 0, mean * self.shares / b, np.nan)

    def _solve_s(self, f, label):
        """Root of f(S) (monotone in S) on log S within s_bounds, clipped to them."""
        lo, hi = (math.log(v) for v in self.s_bounds)
        flo, fhi = f(math.exp(lo)), f(math.exp(hi))
        if flo * fhi > 0:
            at = self.s_bounds[0] if abs(flo) < abs(fhi) else self.s_bounds[1]
            warnings.warn(f"no S in {self.s_bounds} reproduces the observed {label}; S is "
                          f"set to the bound {at}", RuntimeWarning, stacklevel=3)
            return at
        return math.exp(optimize.brentq(lambda x: f(math.exp(x)), lo, hi,
                                        xtol=1e-12, rtol=1e-12))

    def _fit_s(self, method) -> float:
        n, pn = self._support()
        s = self.shares
        if method in ("penetration", "nbddirichlet"):
            if "penetration" not in self.observed:
                raise ValueError(f"s_method={method!r} needs brand_penetrations (the observed "
                                 "brand penetrations); give them, or use s_method='frequency' "
                                 "with brand_frequencies")
            obs = self.observed["penetration"]
        else:
            if "purchase_frequency" not in self.observed:
                raise ValueError("s_method='frequency' needs brand_frequencies (the observed "
                                 "purchase frequencies per brand buyer); give them, or use "
                                 "s_method='penetration' with brand_penetrations")
            obs = self.observed["purchase_frequency"]
        use = (s > 0) & np.isfinite(obs)
        if not use.any():
            raise ValueError("no brand with a positive share and an observed value to fit S to")
        if method == "penetration":
            target = np.sum(s[use] * obs[use])
            return self._solve_s(
                lambda S: np.sum(s[use] * self._penetrations(S, n, pn)[use]) - target,
                "share-weighted mean brand penetration")
        if method == "frequency":
            target = np.sum(s[use] * obs[use])
            return self._solve_s(
                lambda S: np.sum(s[use] * self._frequencies(S, n, pn)[use]) - target,
                "share-weighted mean purchase frequency")
        # NBDdirichlet (R): S per brand, drop outliers, share-weighted mean.
        s_all = np.full(len(s), np.nan)
        for j in np.flatnonzero(use):
            def f(S, j=j):
                return np.sum(pn * (1.0 - p_none(n, S * s[j], S))) - obs[j]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                s_all[j] = self._solve_s(f, f"penetration of {self.brands[j]}")
        vals = s_all[use]
        stats5 = fivenum(vals)
        iqr = stats5[3] - stats5[1]
        out = (vals < stats5[1] - 1.5 * iqr) | (vals > stats5[3] + 1.5 * iqr)
        out |= vals > stats5[2] + 1.58 * iqr / math.sqrt(len(vals))
        keep_idx = np.flatnonzero(use)[~out]
        self.s_by_brand = pd.Series(s_all, index=pd.Index(self.brands, name="firm"), name="S")
        self.s_excluded = [self.brands[j] for j in np.flatnonzero(use)[out]]
        return float(np.average(s_all[keep_idx], weights=s[keep_idx]))

    # ---------------------------------------------------------------------------- results
    def _check_fitted(self):
        if self.S is None:
            raise ValueError("the model is not fitted: call DirichletFit().fit(...) first")

    def brand_table(self, t: float = 1.0) -> pd.DataFrame:
        """Theoretical brand measures (columns :data:`MEASURES`), one row per brand.

        ``t`` scales the period: ``M`` becomes ``t * M`` (t=4 on quarterly data: a year).
        """
        self._check_fitted()
        M = self.M * positive_number("t", t)
        n, pn = self._support(M)
        S = self.S
        rows = []
        for s in self.shares:
            a = S * s
            b = np.sum(pn * (1.0 - p_none(n, a, S)))
            if b <= 0:
                rows.append((s, 0.0) + (np.nan,) * 5)
                continue
            w = np.sum(n * pn) * s / b
            wp = np.sum(n * pn * (1.0 - p_none(n, a, S))) / b
            sole = np.sum((pn * p_all(n, a, S))[n >= 1]) / b
            once = np.sum(pn * p_one(n, a, S)) / b
            rows.append((s, b, w, wp, w / wp, sole, 1.0 - once))
        return pd.DataFrame(rows, columns=list(MEASURES),
                            index=pd.Index(self.brands, name="firm"))

    def category_summary(self, t: float = 1.0) -> pd.Series:
        """Parameters and category-level theoretical figures.

        ``penetration`` (B) and ``purchase_frequency`` (W) of the category, ``sole_buyer_share``
        (share of category buyers buying a single brand), ``brands_per_buyer``.
        """
        self._check_fitted()
        M = self.M * positive_number("t", t)
        n, pn = self._support(M)
        B = np.sum(pn[1:])
        table = self.brand_table(t)
        sole = np.nansum(table["sole_buyer_share"] * table["penetration"]) / B
        return pd.Series({
            "M": M, "K": self.K, "S": self.S, "s_method": self.s_method,
            "penetration": B, "purchase_frequency": np.sum(n * pn) / B,
            "sole_buyer_share": sole,
            "brands_per_buyer": table["penetration"].sum() / B,
        }, name="category")

    def frequency_distribution(self, max_count: int = 5, t: float = 1.0) -> pd.DataFrame:
        """P(r purchases of the brand) for r = 0..max_count and ``f"{max_count + 1}+"``."""
        self._check_fitted()
        if not isinstance(max_count, (int, np.integer)) or max_count < 0:
            raise ValueError(f"max_count must be an int >= 0; got {max_count!r}")
        M = self.M * positive_number("t", t)
        n, pn = self._support(M)
        S = self.S
        cols = {}
        r = np.arange(max_count + 1)
        probs = np.zeros((len(self.shares), max_count + 1))
        for j, s in enumerate(self.shares):
            a, b = S * s, S - S * s
            if a <= 0:
                probs[j, 0] = 1.0
                continue
            if b <= 1e-14 * S:
                probs[j] = pn[: max_count + 1] if len(pn) > max_count else np.pad(
                    pn, (0, max_count + 1 - len(pn)))
                continue
            pmf = stats.betabinom.pmf(r[None, :], n[:, None], a, b)   # (n, r)
            probs[j] = pn @ pmf
        for k in r:
            cols[str(k)] = probs[:, k]
        cols[f"{max_count + 1}+"] = np.clip(1.0 - probs.sum(axis=1), 0.0, None)
        return pd.DataFrame(cols, index=pd.Index(self.brands, name="firm"))

    def duplication(self, t: float = 1.0) -> pd.DataFrame:
        """Theoretical duplication: share of brand A's buyers (rows) who also buy B (columns)."""
        self._check_fitted()
        M = self.M * positive_number("t", t)
        n, pn = self._support(M)
        S = self.S
        alphas = S * self.shares
        pen = np.array([np.sum(pn * (1.0 - p_none(n, a, S))) for a in alphas])
        nb = len(alphas)
        out = np.full((nb, nb), np.nan)
        for i in range(nb):
            if pen[i] <= 0:
                continue
            for k in range(nb):
                if k == i:
                    out[i, k] = 1.0
                    continue
                either = np.sum(pn * (1.0 - p_none(n, alphas[i] + alphas[k], S)))
                out[i, k] = max(pen[i] + pen[k] - either, 0.0) / pen[i]
        return pd.DataFrame(out, index=pd.Index(self.brands, name="firm"),
                            columns=pd.Index(self.brands, name="also_bought"))

    def __repr__(self) -> str:
        if self.S is None:
            return "DirichletFit(not fitted)"
        return (f"DirichletFit(M={self.M:.4g}, K={self.K:.4g}, S={self.S:.4g}, "
                f"brands={len(self.brands)}, s_method={self.s_method!r})")
