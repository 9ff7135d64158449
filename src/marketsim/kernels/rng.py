"""Counter-based random numbers: every draw is a hash of (seed, period, stream, customer, index).

No generator state is carried between draws, so a kernel gives the same numbers whatever the
order in which threads visit customers, and the reference implementation
(:mod:`marketsim.reference.rng`) reproduces every draw in plain Python.

The mixing function is the finaliser of SplitMix64 (Steele, Lea and Flood 2014, "Fast
splittable pseudorandom number generators", OOPSLA), the same one used by Java's
``SplittableRandom``; counter-based generation in this style follows Salmon et al. 2011
("Parallel random numbers: as easy as 1, 2, 3", SC'11).

A draw is made in two steps: ``customer_key(stream_key, customer)`` once per customer, then
``draw_bits(customer_key, index)`` per draw, each one 64-bit mix.
"""

from __future__ import annotations

import math

import numpy as np

from marketsim.kernels.jit import serial_kernel

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
INDEX_STEP = 0xD6E8FEB86659FD93

_GOLDEN = np.uint64(GOLDEN)
_MIX1 = np.uint64(MIX1)
_MIX2 = np.uint64(MIX2)
_INDEX_STEP = np.uint64(INDEX_STEP)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S12 = np.uint64(12)
_ONE = np.uint64(1)

# Streams: one per kind of random event, so that adding draws to one mechanism never shifts
# the numbers another mechanism sees.
STREAM_INIT = 1
STREAM_NETWORK = 2
STREAM_ADVERTISING = 3
STREAM_HEARING = 4
STREAM_PURCHASE_COUNT = 5
STREAM_PURCHASE_CHOICE = 6
STREAM_EXPERIENCE = 7
STREAM_TASTE = 8          # brand tastes, drawn once (marketsim.kernels.initial.draw_tastes)
STREAM_DEFECTION = 9      # the logistic defection hazard (marketsim.kernels.defection)
STREAM_FORGETTING = 10    # forgetting of firms (marketsim.kernels.awareness)
STREAM_SPEND = 11         # spend per purchase occasion (marketsim.kernels.basket)
STREAM_BASKET = 12        # customers' basket sizes, drawn once (marketsim.kernels.initial)
STREAM_DROPOUT_INIT = 13  # customers' dropout probabilities, drawn once
STREAM_DROPOUT = 14       # dropping out after a repeat purchase (marketsim.kernels.purchase)
STREAM_SERVICE = 15       # customers' service intensity, drawn once (marketsim.kernels.initial)
STREAM_COMPLAINT = 21     # complaint capture (marketsim.kernels.relationship)
STREAM_SUGGESTION = 22    # purchases from suggestions, cross-selling and up-selling

INV_2_52 = 1.0 / 4503599627370496.0

# Coefficients of Acklam's rational approximation of the inverse normal distribution function
# (P. J. Acklam 2003, "An algorithm for computing the inverse normal cumulative distribution
# function"; relative error below 1.15e-9): the central region (a / b) and the tails (c / d).
ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01)
ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
            3.754408661907416e+00)
#: Half-width of the central region around p = 0.5 (Acklam's p_low = 0.02425).
ACKLAM_CENTRAL = 0.5 - 0.02425
INV_2_53 = 1.0 / 9007199254740992.0


def mix64_int(z: int) -> int:
    """SplitMix64 finaliser on a Python int (wrapping at 2**64)."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * MIX1) & MASK64
    z = ((z ^ (z >> 27)) * MIX2) & MASK64
    return z ^ (z >> 31)


def stream_key(seed: int, period: int, stream: int) -> np.uint64:
    """Key of one stream in one period of one run (computed once per kernel call)."""
    key = mix64_int(seed * GOLDEN + 0x632BE59BD9B4E019)
    key = mix64_int(key ^ ((period + 1) * INDEX_STEP))
    key = mix64_int(key + stream * GOLDEN)
    return np.uint64(key)


@serial_kernel
def mix64(z):
    """SplitMix64 finaliser on a uint64 (Numba)."""
    z = np.uint64(z)
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@serial_kernel
def customer_key(key, customer):
    """Key of one customer (or firm, or edge) within a stream."""
    return mix64(np.uint64(key) + np.uint64(customer) * _GOLDEN)


@serial_kernel
def draw_bits(ckey, index):
    """64 random bits: draw number ``index`` for the customer whose key is ``ckey``."""
    return mix64(np.uint64(ckey) ^ ((np.uint64(index) + _ONE) * _INDEX_STEP))


@serial_kernel
def uniform(bits):
    """A uniform number in [0, 1) from 64 random bits (53-bit resolution)."""
    return float(bits >> _S11) * INV_2_53


@serial_kernel
def normal(bits):
    """A standard normal deviate from one 64-bit draw, by inversion of the distribution function.

    ``p = (k + 0.5) / 2**52`` from the top 52 bits ``k`` (so ``0 < p < 1``, exactly), then
    Acklam's rational approximation of the inverse normal distribution function (see
    :data:`ACKLAM_A`; relative error below 1.15e-9): a ratio of two polynomials in
    ``(p - 0.5)**2`` for the 95% of draws with ``|p - 0.5| <= 0.47575``, and in
    ``sqrt(-2 log(tail))`` beyond. The central region needs no ``log``, ``sqrt`` or ``cos``:
    about 4x cheaper than Box-Muller (docs/performance.md). Polynomials in Horner form, terms
    in a fixed order, so that :mod:`marketsim.reference.rng` reproduces every value.
    """
    p = (float(bits >> _S12) + 0.5) * INV_2_52
    q = p - 0.5
    if abs(q) <= ACKLAM_CENTRAL:
        r = q * q
        a0, a1, a2, a3, a4, a5 = ACKLAM_A
        b0, b1, b2, b3, b4 = ACKLAM_B
        top = (((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q
        return top / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1.0)
    tail = p if q < 0.0 else 1.0 - p
    t = math.sqrt(-2.0 * math.log(tail))
    c0, c1, c2, c3, c4, c5 = ACKLAM_C
    d0, d1, d2, d3 = ACKLAM_D
    z = (((((c0 * t + c1) * t + c2) * t + c3) * t + c4) * t + c5) / (
        (((d0 * t + d1) * t + d2) * t + d3) * t + 1.0)
    return z if q < 0.0 else -z


@serial_kernel
def poisson(bits, mean):
    """A Poisson count with the given mean from one 64-bit draw.

    Inversion of the cumulative distribution (Devroye 1986, ch. X.3) for means up to 30; above,
    the normal approximation ``round(mean + sqrt(mean) z)`` (truncated at 0), which is accurate
    to a few per cent of a count there and keeps one draw per count.
    """
    if mean <= 0.0:
        return 0
    if mean > 30.0:
        k = math.floor(mean + math.sqrt(mean) * normal(bits) + 0.5)
        return int(k) if k > 0.0 else 0
    u = uniform(bits)
    p = math.exp(-mean)
    cdf = p
    k = 0
    while u > cdf and k < 1000:
        k += 1
        p *= mean / k
        cdf += p
    return k


@serial_kernel
def gamma(ckey, first_index, shape, scale):
    """A Gamma(shape, scale) deviate; returns (value, next free draw index).

    Marsaglia and Tsang (2000), "A simple method for generating gamma variables", ACM TOMS 26,
    with the boost ``G(a) = G(a + 1) U^(1/a)`` for shape < 1. Each attempt uses one normal and
    one uniform draw, so the number of draws used varies; the caller continues from the index
    returned.
    """
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
