"""The random draws of :mod:`marketsim.rng`, in plain Python integers and floats.

Written separately from the Numba versions on purpose: the test-suite checks the two against
each other, so the reference implementation does not merely call the code it is checking.
"""

from __future__ import annotations

import math

from marketsim.rng import GOLDEN, INDEX_STEP, INV_2_32, INV_2_53, MASK64, TWO_PI, mix64_int


def customer_key(key: int, customer: int) -> int:
    return mix64_int((int(key) + customer * GOLDEN) & MASK64)


def draw_bits(ckey: int, index: int) -> int:
    return mix64_int(ckey ^ (((index + 1) * INDEX_STEP) & MASK64))


def uniform(bits: int) -> float:
    return (bits >> 11) * INV_2_53


def normal(bits: int) -> float:
    u1 = ((bits >> 32) + 0.5) * INV_2_32
    u2 = ((bits & 0xFFFFFFFF) + 0.5) * INV_2_32
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(TWO_PI * u2)


def poisson(bits: int, mean: float) -> int:
    if mean <= 0.0:
        return 0
    if mean > 30.0:
        k = math.floor(mean + math.sqrt(mean) * normal(bits) + 0.5)
        return int(k) if k > 0 else 0
    u = uniform(bits)
    p = math.exp(-mean)
    cdf = p
    k = 0
    while u > cdf and k < 1000:
        k += 1
        p *= mean / k
        cdf += p
    return k


def gamma(ckey: int, first_index: int, shape: float, scale: float) -> tuple[float, int]:
    index = first_index
    boost = 1.0
    a = shape
    if shape < 1.0:
        boost = uniform(draw_bits(ckey, index)) ** (1.0 / shape)
        index += 1
        a = shape + 1.0
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        z = normal(draw_bits(ckey, index))
        u = uniform(draw_bits(ckey, index + 1))
        index += 2
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        if math.log(u + 1e-300) < 0.5 * z * z + d - d * v + d * math.log(v):
            return d * v * boost * scale, index
