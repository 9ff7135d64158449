"""The market: the Mesa model, its firms and their strategies, and the customer population
the kernels work on.

:class:`~marketsim.market.model.MarketModel` runs one period in the order of MODEL.md
section 2: firms decide in Python, then the kernels of :mod:`marketsim.kernels` move the
customers (``docs/architecture.md``).
"""
