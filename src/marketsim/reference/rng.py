"""The random draws of :mod:`marketsim.kernels.rng`, in plain Python integers and floats.

Written separately from the Numba versions on purpose: the test-suite checks the two against
each other, so the reference implementation does not merely call the code it is checking.
"""

from __future__ import annotations

import math

from marketsim.kernels.rng import (
    ACKLAM_A,
    ACKLAM_B,
    ACKLAM_C,
    ACKLAM_CENTRAL,
    ACKLAM_D,
    GOLDEN,
    INDEX_STEP,
    INV_2_52,
    INV_2_53,
    MASK64,
    mix64_int,
)


def customer_key(key: int, customer: int) -> int:
    return mix64_int((int(key) + customer * GOLDEN) & MASK64)


def draw_bits(ckey: int, index: int) -> int:
    return mix64_int(ckey ^ (((index + 1) * INDEX_STEP) & MASK64))


def uniform(bits: int) -> float:
    return (bits >> 11) * INV_2_53


def _horner(coefficients, x: float) -> float:
    """``c0 x**n + c1 x**(n-1) + ... + cn`` in Horner form, the order the kernels compute it in
    (the first step ``0.0 * x + c0`` is exactly ``c0`` for the ``x >= 0`` used here)."""
    value = 0.0
    for coefficient in coefficients:
        value = value * x + coefficient
    return value


def normal(bits: int) -> float:
    """Inverse normal distribution function of ``p = (k + 0.5) / 2**52`` (Acklam 2003)."""
    p = ((bits >> 12) + 0.5) * INV_2_52
    q = p - 0.5
    if abs(q) <= ACKLAM_CENTRAL:  # central region: a ratio of polynomials in q**2
        r = q * q
        return _horner(ACKLAM_A, r) * q / _horner((*ACKLAM_B, 1.0), r)
    t = math.sqrt(-2.0 * math.log(p if q < 0.0 else 1.0 - p))  # tails
    z = _horner(ACKLAM_C, t) / _horner((*ACKLAM_D, 1.0), t)
    return z if q < 0.0 else -z


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
