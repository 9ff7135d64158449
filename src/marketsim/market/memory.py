"""The memory a run needs, estimated from its scenario before anything is allocated, and the
memory there is: a run that cannot fit stops at once with both figures
(:class:`~marketsim.errors.MemoryLimitError`), not after minutes of allocating.

The estimate adds the customer population (:func:`bytes_per_customer`, exact: the arrays of
:mod:`marketsim.market.population`), the social network at its largest (while it is built),
the buying centres of business customers, the per-period metrics, and, when kept, the
transaction log (an upper bound: a row per customer, category and firm bought from, at most
the mean purchases of the category, :data:`LOG_COPIES` copies while it is built and saved)
and the final state snapshot. The limit is the smallest of the memory available on the
machine, a container's memory limit (cgroup) and ``ulimit -v``, or ``MARKETSIM_MEMORY_LIMIT``
(``8G``, ``512M`` or bytes) when set. Not counted: the engine's own code and libraries
(Numba's kernels, pandas, Arrow: about 250 MB a process). This module imports no Numba, so
the check costs milliseconds.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from marketsim.errors import MemoryLimitError, RunOptionError
from marketsim.scenario.schema import Scenario

#: Bytes of one transaction-log row: period int32, customer int64, firm and category int16,
#: units int32, revenue float64 (:meth:`marketsim.market.model.MarketModel.transactions`).
LOG_ROW_BYTES = 28
#: Copies of the log's bytes held at once at the end of a run: the per-period pieces, the
#: joined table, pandas' copy, the segment tables made from it, the Arrow table Parquet
#: writes from (measured: default.toml, 300,000 customers x 20 periods with the log peaked at
#: about 6 times the log's 28 bytes a row above the same run without it).
LOG_COPIES = 6
#: Raw per-period sums per firm (len(marketsim.measures.metrics.RAW); a test checks) and the
#: columns of the metrics table built from them (twice: the columns, then the table).
RAW_SUMS, METRIC_COLUMNS = 34, 2 * 40
#: Members of a business customer's buying centre (marketsim.kernels.buying_centre.N_ROLES).
N_ROLES = 4
#: Bytes per customer-firm pair of the final state snapshot (status, satisfaction, three
#: ties, tenure, recency, window spend, cumulative margin), plus the segment per customer.
SNAPSHOT_PAIR_BYTES, SNAPSHOT_CUSTOMER_BYTES = 28, 1
#: The environment variable that sets the memory limit (bytes, or with K, M, G, T).
LIMIT_VARIABLE = "MARKETSIM_MEMORY_LIMIT"
_UNLIMITED = 2**60


def bytes_per_customer(n_firms: int, n_categories: int, degree: int) -> int:
    """Model-state bytes per customer, network included (estimate before allocating)."""
    per_customer = 1 + 32 + 4 + 4 + 4 + 4 * n_categories + n_categories + 1 + 4 + 4 + 4 + 4
    # aware, status, 10 float32, tenure, recency, knowledge, targeting
    per_pair = 1 + 1 + 4 * 10 + 2 + 1 + 2
    per_category_pair = 2
    network = 4 * degree + 8
    return per_customer + n_firms * per_pair + n_categories * n_firms * per_category_pair + network


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run needs, by part."""

    customers: int
    population: int
    network: int
    buying_centres: int
    metrics: int
    transactions: int = 0
    snapshot: int = 0

    @property
    def total(self) -> int:
        return (self.population + self.network + self.buying_centres + self.metrics
                + self.transactions + self.snapshot)

    def parts(self) -> str:
        """``population 55.9 GB, network 8.0 GB, ...`` (the parts that are not zero)."""
        named = (("population", self.population), ("network", self.network),
                 ("buying centres", self.buying_centres), ("metrics", self.metrics),
                 ("transaction log", self.transactions), ("final state", self.snapshot))
        return ", ".join(f"{name} {size_text(size)}" for name, size in named if size)


def size_text(size: float) -> str:
    """``57.0 GiB``, ``512 MiB``, ``3.0 KiB`` (binary units, as ``MARKETSIM_MEMORY_LIMIT``)."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(size) >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{int(size)} bytes"


def network_bytes(scenario: Scenario) -> int:
    """The social network's largest size while it is built (bytes)."""
    n, spec = scenario.population.customers, scenario.network
    if n < 2 or spec.degree == 0:
        return 8 * (n + 1)
    if spec.kind == "small_world":
        return n * (4 * spec.degree + 8) + 8
    links = max(1, spec.degree // 2)  # scale-free: edge list, counts, offsets, neighbours
    return n * (16 * links + 24) + 16


def log_rows(scenario: Scenario) -> int:
    """An upper bound of the transaction log's rows: per customer and period, each category
    adds at most its mean purchases and at most the firms that sell it."""
    sellers = {c.name: sum(c.name in f.offers for f in scenario.firms)
               for c in scenario.categories}
    total_share = sum(s.share for s in scenario.segments) or 1.0
    per_customer = sum(s.share / total_share * sum(min(rate.mean, sellers.get(name, 0))
                                                   for name, rate in s.purchase_rate.items())
                       for s in scenario.segments)
    return int(per_customer * scenario.population.customers * scenario.market.periods) + 1


def estimate_memory(scenario: Scenario, *, transactions: bool = False,
                    state: bool = False) -> MemoryEstimate:
    """What a run of ``scenario`` needs (:class:`MemoryEstimate`), from its sizes alone."""
    n, n_firms, n_categories = (scenario.population.customers, scenario.n_firms,
                                scenario.n_categories)
    population = n * (bytes_per_customer(n_firms, n_categories, 0) - 8)
    total_share = sum(s.share for s in scenario.segments) or 1.0
    business = sum(s.share for s in scenario.segments if s.kind == "business") / total_share
    centres = int(business * n) * (8 + 4 * n_firms * N_ROLES)
    metrics = 8 * scenario.market.periods * n_firms * (RAW_SUMS + METRIC_COLUMNS)
    log = LOG_ROW_BYTES * LOG_COPIES * log_rows(scenario) if transactions else 0
    snapshot = (n * (SNAPSHOT_CUSTOMER_BYTES + SNAPSHOT_PAIR_BYTES * n_firms)
                + (centres if business else 0)) if state else 0
    return MemoryEstimate(customers=n, population=population, network=network_bytes(scenario),
                          buying_centres=centres, metrics=metrics, transactions=log,
                          snapshot=snapshot)


def parse_size(text: str) -> int:
    """Bytes from ``8G``, ``512M``, ``1.5 GB``, ``2GiB`` or a plain number of bytes."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", str(text))
    if not match:
        raise RunOptionError(f"{LIMIT_VARIABLE}={text!r}: give bytes, or a number with K, M, "
                             "G or T (e.g. 8G)")
    scale = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return _UNLIMITED if text == "max" else int(text) if text.isdigit() else None


def _machine_available() -> int | None:
    try:
        import psutil  # a dependency of distributed; optional here
    except ImportError:
        psutil = None
    if psutil is not None:
        return int(psutil.virtual_memory().available)
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_headroom() -> int | None:
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        limit = _read_int(limit_file)
        if limit is not None and limit < _UNLIMITED:
            return max(limit - (_read_int(usage_file) or 0), 0)
    return None


def _address_space_headroom() -> int | None:
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, ValueError, OSError):
        return None
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    used = 0
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return max(soft - used, 0)


def available_memory() -> tuple[int | None, str]:
    """The memory a run may use (bytes, or ``None`` when unknown) and where that figure comes
    from: ``MARKETSIM_MEMORY_LIMIT`` when set, else the smallest of the machine's available
    memory, a container's limit and ``ulimit -v``."""
    setting = os.environ.get(LIMIT_VARIABLE, "").strip()
    if setting:
        return parse_size(setting), f"the limit set by {LIMIT_VARIABLE}={setting}"
    limits = [(size, source) for size, source in (
        (_machine_available(), "available on this machine"),
        (_cgroup_headroom(), "left under the container's memory limit (cgroup)"),
        (_address_space_headroom(), "left under the address-space limit (ulimit -v)"))
        if size is not None]
    return min(limits) if limits else (None, "unknown")


def check_memory(scenario: Scenario, *, transactions: bool = False, state: bool = False,
                 runs_at_once: int = 1) -> MemoryEstimate:
    """The run's :class:`MemoryEstimate`; a :class:`MemoryLimitError` with the estimate and the
    limit when ``runs_at_once`` such runs would not fit."""
    estimate = estimate_memory(scenario, transactions=transactions, state=state)
    available, source = available_memory()
    needed = estimate.total * runs_at_once
    if available is None or needed <= available:
        return estimate
    n = scenario.population.customers
    each = f"{runs_at_once} runs at once, each" if runs_at_once > 1 else "this run"
    hint = ("fewer workers (--workers), fewer customers" if runs_at_once > 1 else
            "fewer customers (--customers)" + (" or no transaction log" if transactions else ""))
    raise MemoryLimitError(
        f"not enough memory: {each} of {n:,} customers x {scenario.n_firms} firms x "
        f"{scenario.market.periods} periods needs about {size_text(needed)} "
        f"({estimate.parts()}{' per run' if runs_at_once > 1 else ''}), but "
        f"{size_text(available)} is {source}; use {hint}, or set {LIMIT_VARIABLE} if the "
        "limit is wrong", needed=needed, available=available)
