"""Whether a customer hears a neighbour's report: shared by awareness and expectations."""

from __future__ import annotations

from marketsim.jit import inline_helper
from marketsim.rng import draw_bits, uniform


@inline_helper
def heard(hear_key, slot, code, n_firms, propensity, complaint_reach):
    """True when the listener hears the report ``code`` of its neighbour in position ``slot``.

    Praise (``code < F``) reaches each neighbour with the talker's word-of-mouth propensity;
    a complaint (``code >= F``) with ``complaint_reach`` times that (capped at 1): unhappy
    customers tell about twice as many people as happy ones (TARP 1986, for the White House
    Office of Consumer Affairs; Anderson 1998, "Customer satisfaction and word of mouth", JSR
    1(1)). The draw is keyed on (period, listener, slot), so awareness and expectation
    updates of one period agree on who heard what.
    """
    chance = propensity if code < n_firms else min(1.0, propensity * complaint_reach)
    if chance <= 0.0:
        return False
    return uniform(draw_bits(hear_key, slot)) < chance
