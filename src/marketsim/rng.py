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

from marketsim.jit import serial_kernel

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
_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
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
STREAM_COMPLAINT = 21     # complaint capture (marketsim.kernels.relationship)
STREAM_SUGGESTION = 22    # purchases from suggestions, cross-selling and up-selling

TWO_PI = 2.0 * math.pi
INV_2_53 = 1.0 / 9007199254740992.0
INV_2_32 = 1.0 / 4294967296.0


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
    """A standard normal deviate by Box-Muller (Box and Muller 1958) from one 64-bit draw.

    The high and low 32 bits give the two uniforms, each in (0, 1).
    """
    u1 = (float(bits >> _S32) + 0.5) * INV_2_32
    u2 = (float(bits & _LOW32) + 0.5) * INV_2_32
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(TWO_PI * u2)


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
