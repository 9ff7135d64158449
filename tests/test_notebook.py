"""A run in a notebook: ``_repr_html_`` and the Mesa DataCollector view."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import marketsim
from marketsim import MarketModel, load_scenario
from marketsim.experiments.overrides import with_sets

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"


@pytest.fixture(scope="module")
def scenario():
    return with_sets(load_scenario(CLASSROOM),
                     ["market.warmup_periods=0", 'firms[0].name="<b>Bean & Co</b>"',
                      'market.name="class <script>alert(1)</script>"'],
                     customers=300, periods=4)


@pytest.fixture(scope="module")
def result(scenario):
    return marketsim.run(scenario, seed=5)


def test_repr_html_is_a_short_escaped_summary(result):
    page = result._repr_html_()
    assert "<script>" not in page and "<b>Bean" not in page
    assert "class &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bean &amp; Co&lt;/b&gt;" in page
    assert "300 customers" in page and "4 weeks" in page and "seed 5" in page
    for firm in ("Fast Cup", "Slow Roast"):
        assert firm in page
    assert "Share of customer" in page and "Profit" in page

    class Cells(HTMLParser):
        rows = 0

        def handle_starttag(self, tag, attrs):
            self.rows += tag == "tr"

    parser = Cells()
    parser.feed(page)
    assert parser.rows == 1 + len(result.scenario.firms)


def test_agent_vars_has_mesas_shape(result, scenario):
    table = result.agent_vars()
    assert list(table.index.names) == ["Step", "AgentID"]
    model = MarketModel(scenario, seed=5)
    ids = {f.unique_id for f in model.firms}
    assert set(table.index.get_level_values("AgentID")) == ids
    assert sorted(set(table.index.get_level_values("Step"))) == [1, 2, 3, 4]
    assert len(table) == 4 * len(scenario.firms)
    assert table["firm"].iloc[0] == "<b>Bean & Co</b>"
    metrics = result.metrics
    row = metrics[(metrics["period"] == 2) & (metrics["firm"] == "Fast Cup")].iloc[0]
    assert table.loc[(2, 2), "share_of_customer"] == pytest.approx(row["share_of_customer"])
    # a Mesa user's idioms work: one agent's series, one step's cross-section
    assert len(table.xs(2, level="AgentID")) == 4
    assert len(table.loc[3]) == len(scenario.firms)


def test_model_vars_is_one_row_per_step(result):
    table = result.model_vars()
    assert table.index.name == "Step" and list(table.index) == [1, 2, 3, 4]
    metrics = result.metrics
    totals = metrics.groupby("period")[["units", "revenue"]].sum()
    assert np.allclose(table["units"], totals["units"])
    assert np.allclose(table["revenue"], totals["revenue"])
    hhi = (metrics["market_share_units"] ** 2).groupby(metrics["period"]).sum()
    assert np.allclose(table["hhi_units"], hhi) and (table["hhi_units"] <= 1).all()
    assert {"profit", "customers_held", "mean_satisfaction"} <= set(table.columns)
    assert isinstance(table, pd.DataFrame)


def test_a_loaded_run_has_the_same_views(result, tmp_path):
    result.save(tmp_path / "run", figures=False)
    loaded = marketsim.load_run(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.agent_vars(), result.agent_vars())
    pd.testing.assert_frame_equal(loaded.model_vars(), result.model_vars())
    assert loaded._repr_html_() == result._repr_html_()
