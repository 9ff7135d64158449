"""The customer population as a struct of arrays: one row per customer or customer-firm pair.

Nothing here is a Python object per customer. Per customer: segment, importance weights, price
sensitivity, switching threshold, word-of-mouth propensity, category purchase rates, the firm of
the last purchase per category, and this period's word-of-mouth report. Per customer-firm pair:
awareness (membership of the consideration set), status, expectation, satisfaction, the three
ties, tenure, this period's delivered performance, cumulative margin, the windowed spend
behind share of customer, the firm's knowledge of the customer's needs and the firm's
targeting mask. Per customer, category and firm: units bought this period.

``docs/model.md`` gives units and ranges; :func:`state_bytes` adds up what a population holds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from marketsim.kernels.initial import (
    draw_basket_sizes,
    draw_dropout,
    draw_service_intensity,
    draw_tastes,
    initialise_customers,
)
from marketsim.kernels.rng import (
    STREAM_BASKET,
    STREAM_DROPOUT_INIT,
    STREAM_INIT,
    STREAM_SERVICE,
    STREAM_TASTE,
    stream_key,
)
from marketsim.market.memory import bytes_per_customer  # noqa: F401 - its home before
from marketsim.scenario.schema import Scenario


@dataclass
class Population:
    """All customer state (arrays only). Shapes: N customers, F firms, C categories."""

    # per customer
    segment: np.ndarray              # (N,) uint8
    weights: np.ndarray              # (N, 8) float32: product, services, personal, image | monetary, time, energy, psychic
    price_sensitivity: np.ndarray    # (N,) float32
    switching_threshold: np.ndarray  # (N,) float32
    wom_propensity: np.ndarray       # (N,) float32
    purchase_rate: np.ndarray        # (N, C) float32, purchases per period
    last_firm: np.ndarray            # (N, C) int8, -1 = none
    wom_firm: np.ndarray             # (N,) int8: f = praise of f, F + f = complaint about f, -1 = silent; + 2 F b in reach band b
    wom_performance: np.ndarray      # (N,) float32: performance the report is about
    basket_size: np.ndarray          # (N,) float32: mean spend per occasion in prices (1 = none)
    dropout: np.ndarray              # (N,) float32: chance of dropping out after a repeat purchase
    service_intensity: np.ndarray    # (N,) float32: cost to serve relative to the standard
    # per customer-firm pair
    aware: np.ndarray                # (N, F) uint8
    status: np.ndarray               # (N, F) int8 (see marketsim.kernels.layout)
    expectation: np.ndarray          # (N, F) float32
    satisfaction: np.ndarray         # (N, F) float32
    tie_financial: np.ndarray        # (N, F) float32
    tie_social: np.ndarray           # (N, F) float32
    tie_structural: np.ndarray       # (N, F) float32
    tenure: np.ndarray               # (N, F) uint16, periods as a customer
    recency: np.ndarray              # (N, F) uint8, periods since the last purchase (saturating)
    performance: np.ndarray          # (N, F) float32, delivered this period
    cumulative_margin: np.ndarray    # (N, F) float32
    window_spend: np.ndarray         # (N, F) float32
    taste: np.ndarray                # (N, F) float32: lasting brand taste in value units (0 = none)
    promise_bias: np.ndarray         # (N, F) float32: learnt overstatement of the firm's promise
    knowledge: np.ndarray            # (N, F) uint8: the firm's knowledge of the customer's needs, k * 255
    targeting: np.ndarray            # (N, F) uint8: the firm's mask (value tier, terminated; kernels.relationship)
    # per customer-category-firm
    units: np.ndarray                # (N, C, F) uint16, bought this period

    @property
    def n_customers(self) -> int:
        return self.segment.shape[0]

    def nbytes(self) -> int:
        """Bytes held by all arrays."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def allocate(n_customers: int, n_firms: int, n_categories: int) -> Population:
    """Zeroed arrays for a population (no initial values drawn yet)."""
    n, f, c = n_customers, n_firms, n_categories
    z = np.zeros
    return Population(
        segment=z(n, np.uint8), weights=z((n, 8), np.float32),
        price_sensitivity=z(n, np.float32), switching_threshold=z(n, np.float32),
        wom_propensity=z(n, np.float32), purchase_rate=z((n, c), np.float32),
        last_firm=np.full((n, c), -1, np.int8), wom_firm=np.full(n, -1, np.int8),
        wom_performance=z(n, np.float32), basket_size=np.ones(n, np.float32),
        dropout=z(n, np.float32), service_intensity=np.ones(n, np.float32),
        aware=z((n, f), np.uint8), status=z((n, f), np.int8),
        expectation=z((n, f), np.float32), satisfaction=z((n, f), np.float32),
        tie_financial=z((n, f), np.float32), tie_social=z((n, f), np.float32),
        tie_structural=z((n, f), np.float32), tenure=z((n, f), np.uint16),
        recency=z((n, f), np.uint8),
        performance=z((n, f), np.float32), cumulative_margin=z((n, f), np.float32),
        window_spend=z((n, f), np.float32), taste=z((n, f), np.float32),
        promise_bias=z((n, f), np.float32),
        knowledge=z((n, f), np.uint8),
        targeting=z((n, f), np.uint8), units=z((n, c, f), np.uint16),
    )


def segment_arrays(scenario: Scenario) -> dict[str, np.ndarray]:
    """Per-segment inputs of :func:`initialise_customers` from a validated scenario."""
    categories = [c.name for c in scenario.categories]
    segments = scenario.segments
    shares = np.array([s.share for s in segments])
    cumulative = np.cumsum(shares) / shares.sum()
    from marketsim.market.buying_centre import (
        choice_weights,  # a business segment chooses by its buyer's
    )

    weights = np.array([[b.product, b.services, b.personal, b.image,
                         c.monetary, c.time, c.energy, c.psychic]
                        for b, c in map(choice_weights, segments)])
    rate_mean = np.zeros((len(segments), len(categories)))
    rate_shape = np.ones((len(segments), len(categories)))
    for s_index, s in enumerate(segments):
        for name, rate in s.purchase_rate.items():
            rate_mean[s_index, categories.index(name)] = rate.mean
            rate_shape[s_index, categories.index(name)] = rate.shape
    return {
        "segment_cumulative_share": cumulative,
        "segment_weights": weights,
        "weight_spread": np.array([s.weight_spread for s in segments]),
        "price_mean": np.array([s.price_sensitivity.mean for s in segments]),
        "price_spread": np.array([s.price_sensitivity.spread for s in segments]),
        "threshold_mean": np.array([s.switching_threshold.mean for s in segments]),
        "threshold_spread": np.array([s.switching_threshold.spread for s in segments]),
        "rate_mean": rate_mean,
        "rate_shape": rate_shape,
        "word_of_mouth": np.array([s.word_of_mouth for s in segments]),
        "initial_expectation": np.array([s.initial_expectation for s in segments]),
    }


def firm_initial_arrays(scenario: Scenario) -> dict[str, np.ndarray]:
    """Per-firm inputs of :func:`initialise_customers`."""
    categories = [c.name for c in scenario.categories]
    sells = np.zeros((scenario.n_firms, len(categories)), np.uint8)
    for f, firm in enumerate(scenario.firms):
        for name in firm.offers:
            sells[f, categories.index(name)] = 1
    return {
        "firm_cumulative_share": np.cumsum([f.initial_share for f in scenario.firms]),
        "firm_awareness": np.array([f.initial_awareness for f in scenario.firms]),
        "sells": sells,
    }


def create_population(scenario: Scenario, seed: int) -> Population:
    """Allocate and draw the initial population of a scenario (customers 0..N-1)."""
    population = allocate(scenario.population.customers, scenario.n_firms, scenario.n_categories)
    p = population
    initialise_customers(
        stream_key(seed, -1, STREAM_INIT), **segment_arrays(scenario), **firm_initial_arrays(scenario),
        segment=p.segment, weights=p.weights, price_sensitivity=p.price_sensitivity,
        switching_threshold=p.switching_threshold, purchase_rate=p.purchase_rate,
        wom_propensity=p.wom_propensity, last_firm=p.last_firm, aware=p.aware, status=p.status,
        expectation=p.expectation, tenure=p.tenure, recency=p.recency)
    concentration = scenario.behaviour.preference_concentration
    if concentration is not None:
        draw_tastes(stream_key(seed, -1, STREAM_TASTE), concentration, base_shares(scenario),
                    scenario.behaviour.choice_sensitivity, p.taste)
    spend = scenario.behaviour.spend
    if spend is not None:
        draw_basket_sizes(stream_key(seed, -1, STREAM_BASKET), spend.heterogeneity,
                          p.basket_size)
    means = np.array([s.service_intensity.mean for s in scenario.segments])
    spreads = np.array([s.service_intensity.spread for s in scenario.segments])
    if (means != 1.0).any() or (spreads != 0.0).any():
        draw_service_intensity(stream_key(seed, -1, STREAM_SERVICE), p.segment, means, spreads,
                               p.service_intensity)
    shapes = dropout_shapes(scenario)
    if shapes.any():
        draw_dropout(stream_key(seed, -1, STREAM_DROPOUT_INIT), p.segment, shapes, p.dropout)
    return population


def dropout_shapes(scenario: Scenario) -> np.ndarray:
    """(S, 2) Beta shapes (a, b) of each segment's dropout probability; zeros where none."""
    shapes = np.zeros((len(scenario.segments), 2))
    for s, segment in enumerate(scenario.segments):
        if segment.dropout is not None:
            shapes[s] = segment.dropout.a, segment.dropout.b
    return shapes


def base_shares(scenario: Scenario) -> np.ndarray:
    """The firms' ``base_preference`` normalised to sum to 1 (the Dirichlet's ``s_f``)."""
    weights = np.array([f.base_preference for f in scenario.firms], dtype=np.float64)
    return weights / weights.sum()
