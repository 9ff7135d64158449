"""The dashboard's model: a :class:`~marketsim.market.model.MarketModel` that the page steers.

:class:`DashboardMarket` is the market of one browser session. It is built from
:class:`~marketsim.dashboard.settings.DashboardSettings` (Mesa's reset builds a new one from the
same settings), warms up under the scenario's levers, then applies the levers the user has
moved (:class:`~marketsim.dashboard.levers.LeverSettings`) every period from period 1. It times
its periods (:meth:`periods_per_second`) and gives the page what it shows as plain numbers:
:meth:`current_values` (the table the page and its tests read), :meth:`satisfaction_histograms`
and, for small populations, :meth:`network_view`. Every one of them reads aggregates or whole
arrays with NumPy, never a Python loop over customers.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from marketsim.dashboard.levers import LEVERS, LeverSettings
from marketsim.dashboard.settings import DashboardSettings, market_scenario
from marketsim.kernels import layout
from marketsim.market.model import MarketModel

#: The largest population whose word-of-mouth network the page draws.
NETWORK_LIMIT = 2_000

#: Columns of :meth:`DashboardMarket.current_values`, with their labels on the page.
VALUE_COLUMNS = {
    "customers": "Customers",
    "market_share_units": "Market share",
    "share_of_customer": "Share of customer",
    "mean_satisfaction": "Satisfaction",
    "churn": "Churn",
    "profit": "Profit",
    "price": "Price",
}

#: Seconds of recent periods over which periods per second are counted.
_RATE_WINDOW = 5.0


@dataclass
class NetworkView:
    """The word-of-mouth network of a small market: ``edges`` (pairs of customers), each
    customer's ``firm`` (the firm it spends most with among those it is a customer of, -1 for
    none) and its ``satisfaction`` with that firm (0 for none)."""

    edges: np.ndarray         # (E, 2) int
    firm: np.ndarray          # (N,) int
    satisfaction: np.ndarray  # (N,) float
    kind: str                 # the network's kind: small_world or scale_free


class DashboardMarket(MarketModel):
    """A market the page can steer: ``settings`` fix the market, ``levers`` are the firm
    levers moved on the page (shared with the page, so a moved lever applies from the next
    period).

    ``running`` turns False at the end of the horizon
    (:data:`marketsim.dashboard.settings.HORIZON` periods, or the scenario's if longer).
    """

    def __init__(self, settings: DashboardSettings, levers: LeverSettings | None = None):
        self.settings = settings
        self.levers = levers if levers is not None else LeverSettings()
        self._steering = False  # the warm-up runs under the scenario's levers
        self._finished: deque[float] = deque()
        self._durations: deque[float] = deque(maxlen=20)
        #: Held while a period runs; the page's drawing thread takes it to read a consistent
        #: snapshot (:func:`marketsim.dashboard.plots.snapshot`).
        self.lock = threading.RLock()
        started = time.perf_counter()
        super().__init__(market_scenario(settings), seed=settings.seed,
                         allow_code=settings.allow_code)
        self.build_seconds = time.perf_counter() - started
        self._steering = True
        self._layout: np.ndarray | None = None
        self.draw_seconds = 0.0  # how long the page took to draw its figures last time
        self.drawing = False  # whether the page is drawing them now

    # ------------------------------------------------------------------ the period
    def step(self, decisions=None) -> None:
        """One period, with the page's levers (and ``decisions``, applied after them)."""
        if not self._steering:
            super().step(decisions)
            return
        if self.period >= self.scenario.market.periods:
            self.running = False
            return
        moved = self.levers.decisions(self.scenario.firms)
        for firm, levers in (decisions or {}).items():
            moved.setdefault(firm, {}).update(levers)
        started = time.perf_counter()
        with self.lock:
            super().step(moved)
        finished = time.perf_counter()
        self._durations.append(finished - started)
        self._finished.append(finished)
        while self._finished and self._finished[0] < finished - _RATE_WINDOW:
            self._finished.popleft()
        if self.period >= self.scenario.market.periods:
            self.running = False

    def periods_per_second(self) -> float:
        """Periods run per second of wall time over the last few seconds (the pace the page
        sees, drawing included); NaN before two periods."""
        if len(self._finished) < 2:
            return float("nan")
        span = self._finished[-1] - self._finished[0]
        return (len(self._finished) - 1) / span if span > 0 else float("nan")

    def engine_seconds(self) -> float:
        """Mean seconds of simulation per period (the kernels and the firms, no drawing)."""
        return float(np.mean(self._durations)) if self._durations else float("nan")

    # ------------------------------------------------------------------ what the page shows
    def lever_value(self, firm: str, key: str):
        """The value of a firm's control on the page: as moved, or as its scenario entry."""
        return self.levers.value(self.scenario.firms[self._index(firm)], key)

    def set_lever(self, firm: str, key: str, value) -> None:
        """Move a firm's control as the page does (checked: a :class:`ValueError` names what
        is out of range); it applies from the next period."""
        self.levers.set(firm, key, value, self.scenario.firms[self._index(firm)])

    def _index(self, firm: str) -> int:
        for f, spec in enumerate(self.scenario.firms):
            if spec.name == firm:
                return f
        raise KeyError(f"no firm named {firm!r}")

    def current_values(self) -> list[dict]:
        """One dict per firm: ``firm`` and :data:`VALUE_COLUMNS` for the last period run
        (NaN before period 1), ``price`` the firm's mean price now."""
        rows = []
        for firm in self.firms:
            last = firm.last_results if self.period >= 1 else {}
            row = {"firm": firm.name}
            for column in VALUE_COLUMNS:
                row[column] = float(last.get(column, float("nan")))
            row["price"] = float(np.mean(list(firm.price.values())))
            rows.append(row)
        return rows

    def satisfaction_histograms(self, bins: np.ndarray) -> np.ndarray:
        """Counts of each firm's customers (first-time or regular) by satisfaction, shape
        (F, len(bins) - 1); values beyond the bins count in the end bins."""
        p = self.population
        held = (p.status == layout.FIRST_TIME) | (p.status == layout.REGULAR)
        clipped = np.clip(p.satisfaction, bins[0], bins[-1])
        counts = np.zeros((len(self.firms), len(bins) - 1), np.int64)
        for f in range(len(self.firms)):
            counts[f] = np.histogram(clipped[held[:, f], f], bins=bins)[0]
        return counts

    def network_view(self) -> NetworkView | None:
        """The word-of-mouth network and who is whose customer, or None above
        :data:`NETWORK_LIMIT` customers."""
        n = self.population.n_customers
        if n > NETWORK_LIMIT:
            return None
        p, net = self.population, self.network
        held = (p.status == layout.FIRST_TIME) | (p.status == layout.REGULAR)
        spend = np.where(held, p.window_spend + 1e-6, -1.0)
        firm = np.argmax(spend, axis=1)
        none = ~held.any(axis=1)
        firm[none] = -1
        satisfaction = np.where(none, 0.0, p.satisfaction[np.arange(n), np.maximum(firm, 0)])
        source = np.repeat(np.arange(n), np.diff(net.indptr))
        edges = np.column_stack([source, net.neighbours.astype(np.int64)])
        return NetworkView(edges, firm, satisfaction.astype(float),
                           self.scenario.network.kind)

    def network_layout(self) -> np.ndarray:
        """Positions (N, 2) of the customers for drawing the network, computed once and
        cheaply (a force-directed layout of 2,000 nodes takes seconds): a small world's
        customers are numbered along its ring, so they sit along a spiral that fills a disc,
        ring neighbours side by side; in a scale-free network the most connected customers sit
        in the middle, the least connected at the rim."""
        if self._layout is None:
            n = self.population.n_customers
            order = np.arange(n)
            if self.scenario.network.kind == "small_world":
                radius = np.sqrt((order + 0.5) / max(n, 1))
                angle = 2 * np.pi * np.sqrt(n / 4.0) * radius
            else:
                degree = np.maximum(self.network.degrees(), 1).astype(float)
                spread = np.log(degree.max()) or 1.0
                radius = 0.1 + 0.9 * (1.0 - np.log(degree) / spread)
                angle = order * np.pi * (3.0 - np.sqrt(5.0))  # the golden angle
            self._layout = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
        return self._layout


__all__ = ["DashboardMarket", "LEVERS", "NETWORK_LIMIT", "NetworkView", "VALUE_COLUMNS"]
