"""Measures computed from a run: the per-period metrics table, segments, brand performance
and the NBD-Dirichlet, customer lifetime value, and relationship measures.

Plain functions over tables and arrays (pandas, numpy), defined in ``docs/metrics.md``; they
know nothing of the Mesa model (``docs/architecture.md``).
"""
