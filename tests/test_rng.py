"""The Numba random numbers (:mod:`marketsim.kernels.rng`) and their pure-Python copies
(:mod:`marketsim.reference.rng`) agree bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from marketsim.kernels import rng as fast
from marketsim.reference import rng as slow

SPECIAL_KEYS = [0, 1, 2, 0xFFFFFFFF, 1 << 32, 1 << 63, (1 << 64) - 1, fast.GOLDEN, fast.INDEX_STEP]


def keys(count: int, seed: int = 0) -> list[int]:
    """``count`` 64-bit keys: a few special ones, then stream keys and uniform random words."""
    generator = np.random.default_rng(seed)
    words = generator.integers(0, 1 << 64, count, dtype=np.uint64, endpoint=False)
    streams = [int(fast.stream_key(s, p, k)) for s in (0, 1, 12345) for p in (-1, 0, 1, 999)
               for k in range(1, 8)]
    return (SPECIAL_KEYS + streams + [int(w) for w in words])[:count]


def test_stream_key_is_a_uint64():
    key = fast.stream_key(7, 3, fast.STREAM_PURCHASE_CHOICE)
    assert isinstance(key, np.uint64)
    assert key != fast.stream_key(7, 3, fast.STREAM_PURCHASE_COUNT)
    assert key != fast.stream_key(7, 4, fast.STREAM_PURCHASE_CHOICE)
    assert key != fast.stream_key(8, 3, fast.STREAM_PURCHASE_CHOICE)


def test_mix64():
    for key in keys(3000):
        assert int(fast.mix64(np.uint64(key))) == fast.mix64_int(key)


def test_customer_key_and_draw_bits():
    customers = [0, 1, 2, 999, 10**6, 2**31 - 1, 10**8]
    indices = [0, 1, 7, 64, 65535, 65535 * 3 + 17]
    for key in keys(400, seed=1):
        for customer in customers:
            ckey = slow.customer_key(key, customer)
            assert int(fast.customer_key(np.uint64(key), np.int64(customer))) == ckey
            for index in indices:
                assert int(fast.draw_bits(np.uint64(ckey), np.int64(index))) == \
                    slow.draw_bits(ckey, index)


def test_uniform_and_normal():
    for bits in keys(5000, seed=2):
        assert fast.uniform(np.uint64(bits)) == slow.uniform(bits)
        assert fast.normal(np.uint64(bits)) == slow.normal(bits)


@pytest.mark.parametrize("mean", [0.0, 1e-6, 0.05, 0.5, 1.0, 3.3, 12.0, 29.999, 30.0, 30.5,
                                  75.0, 1000.0])
def test_poisson(mean):
    for bits in keys(1500, seed=3):
        assert fast.poisson(np.uint64(bits), mean) == slow.poisson(bits, mean)



@pytest.mark.parametrize("shape, scale", [(0.2, 1.0), (0.5, 2.0), (0.999, 1.0), (1.0, 1.0),
                                          (1.5, 0.7), (4.0, 0.25), (50.0, 0.02)])
def test_gamma(shape, scale):
    for key in keys(1000, seed=6):
        for first in (0, 64):
            value, index = fast.gamma(np.uint64(key), first, shape, scale)
            assert (value, index) == slow.gamma(key, first, shape, scale)
