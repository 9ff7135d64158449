"""The scenario: what a market is made of, read from a TOML file and checked at the edge.

The first room of a run's data flow (``docs/architecture.md``). Everything a run needs is in
the :class:`~marketsim.scenario.schema.Scenario` this room returns; later rooms trust it.
"""
