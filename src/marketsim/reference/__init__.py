"""The reference implementation: the same model, slow and plain, one Mesa agent per customer.

* :mod:`marketsim.reference.model`: :class:`~marketsim.reference.model.ReferenceMarket`, the
  period loop, one named method per step of MODEL.md section 2;
* :mod:`marketsim.reference.customer`: the customer agent, its relationship with each firm, and
  its behaviour in each step;
* :mod:`marketsim.reference.network`: the social network as neighbour lists;
* :mod:`marketsim.reference.rng` and :mod:`marketsim.reference.precision`: the engine's random
  draws and float32 storage, reproduced in plain Python.

``tests/test_reference.py`` checks that the fast engine gives exactly the same customers.
"""
