"""``marketsim dashboard``: a live market in the browser, on Mesa's visualisation stack (Solara).

The page runs one :class:`~marketsim.dashboard.market.DashboardMarket` per browser session: play,
pause, step and reset it, steer each firm's levers while it runs, switch the market between
competitive and captive, and watch market share against share of customer, satisfaction,
churn and profit move. The modules, in the order a period flows through them:

* :mod:`~marketsim.dashboard.settings`: the market-level choices (scenario, customers,
  competitive or captive, seed); changing one builds a new market;
* :mod:`~marketsim.dashboard.levers`: the firm levers the page offers and what each sets on
  the firm (:meth:`marketsim.market.firms.Firm.set_lever`);
* :mod:`~marketsim.dashboard.market`: the model wrapper: a :class:`MarketModel` that applies the
  levers every period, times its periods and reports the values the page shows;
* :mod:`~marketsim.dashboard.plots`: the figures, from aggregates only (never a Python loop over
  customers), so the page keeps up at 100,000 customers;
* :mod:`~marketsim.dashboard.controls` and :mod:`~marketsim.dashboard.app`: the Solara page;
* :mod:`~marketsim.dashboard.server`: ``marketsim dashboard``: checks, then serves the page.

Nothing here is imported by ``marketsim --help`` or by a run: Solara loads only for the page.
"""
