"""The HTML report, the ``.plot`` accessor and the lifetime-value methods of a run's result."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from PIL import Image

from marketsim import run
from marketsim.cli import main
from marketsim.errors import RunOptionError
from marketsim.outputs.report import REPORT_NAME, report_images
from marketsim.outputs.run_folder import load_run
from tests.helpers import market_dict

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default.toml"

#: Figures the full report embeds (and writes beside the page).
REPORT_FIGURES = {"share_vs_share_of_customer.png", "market_share.png", "share_of_customer.png",
                  "dirichlet_table.png", "whale_curve.png", "clv_distribution.png",
                  "retention.png", "satisfaction.png", "satisfaction_loyalty.png",
                  "tie_decomposition.png", "cost_to_serve.png"}


def programme_market(customers=3000, periods=10) -> dict:
    data = market_dict(customers=customers, periods=periods)
    data["firms"][0]["retention"] = {"reward_rate": 0.05, "personal_service": 0.5,
                                     "personal_service_cost": 0.5, "structural_investment": 0.3,
                                     "structural_cost": 1.0}
    return data


@pytest.fixture(scope="module")
def result():
    return run(programme_market(), seed=3, transactions=True)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.tables, self.headings = [], 0, []
        self._heading = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "table":
            self.tables += 1
        elif tag in ("h1", "h2", "h3"):
            self._heading = ""

    def handle_data(self, data):
        if self._heading is not None:
            self._heading += data

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(self._heading)
            self._heading = None


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def check_report(folder: Path, figures=REPORT_FIGURES, min_tables=15) -> _Page:
    page = parse(folder / REPORT_NAME)
    assert len(page.images) == len(figures)
    for image in page.images:
        src = image["src"]
        assert src.startswith("data:image/png;base64,"), src[:40]
        assert image.get("alt")
    for data in report_images(folder / REPORT_NAME):
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        picture = Image.open(io.BytesIO(data))
        picture.verify()
        assert picture.size[0] >= 800
    for name in figures:
        assert (folder / name).read_bytes().startswith(b"\x89PNG")
    assert page.tables >= min_tables
    text = (folder / REPORT_NAME).read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)\b", text)  # self-contained: nothing fetched
    return page


def test_report_from_a_saved_run_folder(result, tmp_path, capsys):
    result.save(tmp_path / "run", figures=False)
    assert main(["report", str(tmp_path / "run")]) == 0
    assert "report.html" in capsys.readouterr().out
    page = check_report(tmp_path / "run")
    assert page.headings[0].startswith("marketsim report")
    for section in ("Market share and share of customer",
                    "Brand performance and the NBD-Dirichlet", "Customer lifetime value",
                    "Relationships", "Breakdowns"):
        assert section in page.headings


def test_run_with_report_writes_everything_in_one_go(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(DEFAULT), "--customers", "2000", "--periods", "6", "--report",
                 "--out", str(out)]) == 0
    for name in ("metrics.parquet", "transactions.parquet", "state.npz", "levers.parquet"):
        assert (out / name).is_file()
    check_report(out)


def test_report_without_transactions_says_what_is_missing(tmp_path):
    bare = run(market_dict(customers=1000, periods=4), seed=1)
    assert bare.state is None and bare.transactions is None
    written = bare.report(tmp_path)
    text = written[0].read_text(encoding="utf-8")
    assert "Needs the transaction log" in text and "need the state snapshot" in text
    check_report(tmp_path, figures={"share_vs_share_of_customer.png", "market_share.png",
                                    "share_of_customer.png", "retention.png",
                                    "satisfaction.png"}, min_tables=5)


def test_report_of_a_folder_that_is_not_a_run_is_a_clean_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nothing")]) == 2


def test_load_run_round_trip(result, tmp_path):
    result.save(tmp_path, figures=False)
    loaded = load_run(tmp_path)
    pd.testing.assert_frame_equal(loaded.metrics, result.metrics)
    assert loaded.scenario == result.scenario and loaded.seed == 3
    for name, values in result.state.items():
        np.testing.assert_array_equal(loaded.state[name], values)
    pd.testing.assert_frame_equal(loaded.clv(), result.clv())
    pd.testing.assert_frame_equal(loaded.net_promoters(), result.net_promoters())


def test_plot_accessor_draws_every_figure(result):
    for name in ("share_vs_share_of_customer", "market_share", "share_of_customer",
                 "retention", "satisfaction", "satisfaction_loyalty", "whale_curve",
                 "tie_decomposition", "dirichlet_table", "clv_distribution"):
        ax = getattr(result.plot, name)()
        assert isinstance(ax, Axes), name
        assert ax.get_title(loc="left"), name
    assert isinstance(result.plot.trajectory("profit"), Axes)


def test_lifetime_value_of_a_run_adds_up(result):
    clv = result.clv()
    m = result.metrics
    # undiscounted margins reconcile with the engine's accounting exactly
    contribution = (m["revenue"] - m["cost_of_goods"] - m["reward_cost"]).sum()
    assert clv["margin"].sum() == pytest.approx(contribution, rel=1e-9)
    d = result.scenario.market.discount_rate
    serve = ((m["cost_to_serve"] - m["fees"]) * (1 + d) ** -(m["period"] - 1)).sum()
    assert clv["serve_cost"].sum() == pytest.approx(serve, rel=1e-9)
    equity = result.customer_equity()
    assert equity["customer_equity"].sum() == pytest.approx(clv["clv"].sum())
    whale = result.whale_curve()
    assert whale.groupby("firm")["profit_share"].last().to_numpy() == pytest.approx(1.0)
    predicted = result.predicted_clv()
    assert (predicted["clv"] > 0).all() and list(predicted.index) == result.firm_names
    rfm = result.rfm(firm="firm0")
    assert (rfm["recency"] <= rfm["T"]).all() and (rfm["frequency"] >= 0).all()
    # repeat purchase occasions (several may share a period): a later purchase period needs one
    assert ((rfm["frequency"] > 0) | (rfm["recency"] == 0)).all()
    assert (rfm["frequency"] > rfm["recency"]).any()  # occasions, not purchase periods
    assert (rfm["T"] <= result.periods - 1).all()


def test_relationship_methods_of_a_run(result):
    promoters = result.net_promoters()
    assert promoters["customers"].sum() == len(result.customer_pairs())
    held = result.metrics[result.metrics["period"] == result.periods].set_index("firm")
    assert promoters["customers"].to_dict() == held["customers"].to_dict()
    ties = result.tie_decomposition()
    assert ties.loc["firm0", "switching_cost"] > 0 and ties.loc["firm1", "switching_cost"] == 0
    costs = result.programme_costs().set_index(["firm", "programme"])["cost"]
    assert costs.loc[("firm0", "reward points")] == pytest.approx(result.metrics.query(
        "firm == 'firm0'")["reward_cost"].sum())
    assert costs.loc["firm1"].sum() == 0
    by_type = result.cost_to_serve()
    assert set(by_type["relationship_type"]) == {"self_service"}
    assert by_type["cost_to_serve"].tolist() == pytest.approx(
        result.metrics.groupby("firm", sort=False)["cost_to_serve"].sum().tolist())
    assert result.breakdown(["segment", "firm"])["customers"].sum() == promoters["customers"].sum()
    assert result.breakdown("category")["units"].sum() == result.transactions["units"].sum()
    assert len(result.breakdown("period")) == len(result.metrics)
    summary = result.relationship_summary()
    assert summary["reactivations"].sum() == result.metrics["reactivations"].sum()


def test_relationship_methods_need_the_state():
    bare = run(market_dict(customers=500, periods=2), seed=1)
    with pytest.raises(RunOptionError, match="state=True"):
        bare.net_promoters()
    kept = run(market_dict(customers=500, periods=2), seed=1, state=True)
    assert len(kept.net_promoters()) == 3


def test_programme_returns_from_paired_runs():
    from marketsim.experiments.programmes import programme_returns

    data = programme_market(customers=2000, periods=8)
    table = programme_returns(data, "firm0", seed=2)
    assert list(table.index) == ["reward points", "personal service", "structural investment"]
    baseline = run(data, seed=2).metrics.query("firm == 'firm0'")
    assert table["profit_with"].tolist() == pytest.approx([baseline["profit"].sum()] * 3)
    # switching reward points off removes exactly their booked cost
    assert table.loc["reward points", "cost"] > 0
    assert table.loc["reward points", "incremental_profit"] == pytest.approx(
        table.loc["reward points", "profit_with"] - table.loc["reward points", "profit_without"])
    assert programme_returns(data, "firm1", seed=2).empty  # no programme, nothing to measure
    with pytest.raises(KeyError, match="no firm named"):
        programme_returns(data, "nobody")
