"""The social network in plain Python: one list of neighbours per customer, who hears whom on
it (:func:`hears`) and what each customer tells (:func:`form_report`, step 9).

The same two constructions as :mod:`marketsim.market.network`, drawing the same random numbers from
the network stream, so that ``neighbours[i]`` lists exactly the customers (in the same order) as the
engine's ``neighbours[indptr[i]:indptr[i + 1]]``. The order matters: a listener's chance of hearing
the neighbour in position ``slot`` is drawn with index ``slot``.

* small world: a ring on which every customer listens to its ``degree`` nearest customers, each
  tie replaced with probability ``rewiring`` by a tie to a random customer (Watts and Strogatz
  1998, Nature 393; directed fixed-degree form of Newman and Watts 1999);
* scale free: preferential attachment, each newcomer tied to ``degree / 2`` earlier customers
  chosen with probability proportional to their degree, ties mutual (Barabasi and Albert 1999,
  Science 286).
"""

from __future__ import annotations

import mesa

from marketsim.kernels.relationship import WOM_REACH_BANDS
from marketsim.kernels.rng import STREAM_NETWORK, stream_key
from marketsim.reference.context import PeriodContext
from marketsim.reference.rng import customer_key, draw_bits, uniform
from marketsim.scenario.schema import Network


def build_neighbour_lists(spec: Network, n_customers: int, seed: int) -> list[list[int]]:
    """The scenario's network: for each customer, the customers whose reports it hears."""
    key = int(stream_key(seed, -1, STREAM_NETWORK))
    if n_customers < 2:
        return [[] for _ in range(n_customers)]
    if spec.kind == "small_world":
        degree = min(spec.degree, 2 * ((n_customers - 1) // 2))
        return small_world(key, n_customers, degree, spec.rewiring)
    links = max(1, min(spec.degree // 2, n_customers - 1))
    return scale_free(key, n_customers, links)


def small_world(key: int, n_customers: int, degree: int, rewiring: float) -> list[list[int]]:
    """Ring lattice with random shortcuts.

    Customer ``i`` listens to ``i - 1, i + 1, i - 2, i + 2, ...`` (``degree / 2`` on each side).
    For the tie in position ``slot`` draw ``2 slot`` decides whether it is rewired and draw
    ``2 slot + 1`` picks the new neighbour uniformly among everyone but ``i``.
    """
    neighbours = []
    for i in range(n_customers):
        ckey = customer_key(key, i)
        mine = []
        for offset in range(1, degree // 2 + 1):
            for side in (-1, 1):
                slot = len(mine)
                j = (i + side * offset) % n_customers
                if rewiring > 0.0 and uniform(draw_bits(ckey, 2 * slot)) < rewiring:
                    j = int(uniform(draw_bits(ckey, 2 * slot + 1)) * (n_customers - 1))
                    if j >= i:
                        j += 1  # anyone but i
                mine.append(j)
        neighbours.append(mine)
    return neighbours


def scale_free(key: int, n_customers: int, links: int) -> list[list[int]]:
    """Preferential attachment, then each tie recorded at both ends in the order it was made.

    The first ``links + 1`` customers form a complete graph. Each later customer ``t`` ties to
    ``links`` distinct earlier customers; a candidate is an end of a uniformly drawn existing
    tie (the first end for an even pick, the second for an odd one), which picks customers in
    proportion to their degree. A duplicate candidate is redrawn with the next draw index.
    """
    ties: list[tuple[int, int]] = []
    for a in range(links + 1):
        for b in range(a + 1, links + 1):
            ties.append((a, b))
    for t in range(links + 1, n_customers):
        ckey = customer_key(key, t)
        draw = 0
        chosen: list[int] = []
        while len(chosen) < links:
            pick = int(uniform(draw_bits(ckey, draw)) * (2 * len(ties)))
            draw += 1
            candidate = ties[pick // 2][pick % 2]
            if candidate not in chosen:
                chosen.append(candidate)
        ties.extend((t, other) for other in chosen)
    neighbours: list[list[int]] = [[] for _ in range(n_customers)]
    for a, b in ties:
        neighbours[a].append(b)
        neighbours[b].append(a)
    return neighbours


def hears(hear_key: int, slot: int, talker, n_firms: int, complaint_reach: float) -> bool:
    """Whether a listener hears the report of ``talker``, its neighbour in position ``slot``
    (``hear_key``: the listener's key in the period's hearing stream).

    Praise reaches each neighbour with the talker's word-of-mouth propensity, a complaint
    with ``complaint_reach`` times that (at most 1): unhappy customers tell about twice as
    many people (TARP 1986; Anderson 1998, JSR 1(1)). Keyed on (period, listener, slot), so
    awareness and expectations agree on who heard what (:mod:`marketsim.kernels.hearing`).
    """
    band, code = divmod(talker.report, 2 * n_firms)  # reach band of communities, co-creation
    propensity = talker.word_of_mouth
    if band > 0:
        propensity = propensity * WOM_REACH_BANDS[band]
    praise = code < n_firms
    chance = propensity if praise else min(1.0, propensity * complaint_reach)
    if chance <= 0.0:
        return False
    return uniform(draw_bits(hear_key, slot)) < chance


def form_report(customer: mesa.Agent, period: PeriodContext) -> None:
    """Decide what to tell neighbours next period (:mod:`marketsim.kernels.word_of_mouth`).

    The customer talks about the firm it spent most with this period (lowest index on
    ties): praise at satisfaction >= ``praise_threshold``, a complaint at <=
    ``-complaint_threshold``, silence otherwise or if it bought nothing (Anderson 1998;
    Brown, Barry, Dacin and Gunst 2005). The report carries the performance experienced.
    """
    behaviour = customer.model.scenario.behaviour
    favourite, top_spend = -1, 0.0
    for firm, rel in zip(period.firms, customer.relationships):
        spend = 0.0
        for c, price in firm.price.items():
            spend += rel.units[c] * price
        if spend > top_spend:
            favourite, top_spend = firm.index, spend
    customer.report = -1
    if favourite >= 0:
        feeling = customer.relationships[favourite].satisfaction
        if feeling >= behaviour.praise_threshold:
            customer.report = favourite
        elif feeling <= -behaviour.complaint_threshold:
            customer.report = len(customer.relationships) + favourite
    if customer.report >= 0:
        customer.report_performance = customer.relationships[favourite].performance
