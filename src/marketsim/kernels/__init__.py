"""The kernels: one module per step of a period, each a Numba-compiled function over the
customers' arrays, with the counter-based RNG (:mod:`~marketsim.kernels.rng`), the column
layout of the parameter arrays (:mod:`~marketsim.kernels.layout`) and the compilation options
(:mod:`~marketsim.kernels.jit`) they share.

Kernels import nothing else of marketsim: they take arrays and write into preallocated
outputs; :mod:`marketsim.market.model` calls them in order (``docs/architecture.md``).
"""
