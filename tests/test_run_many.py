"""``marketsim.run_many``: a scenario over seeds, any measure (log measures included) with 95%
t-intervals, trajectories across runs, paired differences; the same bytes on every executor;
the paper style (vector files without dates, sans-serif, thousands separators, the period
unit on the time axis) and the fan chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import marketsim
from marketsim.errors import RunOptionError
from marketsim.experiments.many import paired_difference
from marketsim.experiments.replicate import interval
from marketsim.outputs.plot_style import PAPER_STYLE, period_label, save_paper, thousands
from tests.helpers import scenario

CUSTOMERS, PERIODS = 1_500, 8


def top_buyers(result) -> pd.Series:
    """A user's measure from the log: each firm's buyers (module level: it pickles)."""
    return result.transactions.groupby("firm", observed=True)["customer_id"].nunique().rename(
        "log_buyers")


def market_units(result) -> float:
    return float(result.metrics["units"].sum())


@pytest.fixture(scope="module")
def small():
    return scenario(customers=CUSTOMERS, n_firms=3, periods=PERIODS)


@pytest.fixture(scope="module")
def many(small):
    return marketsim.run_many(small, seeds=[3, 1, 2], measures=[
        "summary", "metrics", "brand_performance", "clv", "dirichlet", top_buyers,
        market_units])


def test_every_measure_has_its_interval_over_seeds(many, small):
    assert many.seeds == [3, 1, 2]
    firms = [f.name for f in small.firms]
    by_hand = [marketsim.run(small, seed=s, transactions=True) for s in many.seeds]
    values = [r.summary()["share_of_customer"][firms[0]] for r in by_hand]
    row = many.get("share_of_customer", firms[0], source="summary")
    half = stats.t.ppf(0.975, 2) * np.std(values, ddof=1) / np.sqrt(3)
    assert row["mean"] == pytest.approx(np.mean(values), rel=1e-12)
    assert (row["lo"], row["hi"]) == pytest.approx((np.mean(values) - half,
                                                    np.mean(values) + half), rel=1e-9)
    assert row["n"] == 3
    # log measures, computed in the worker: brand performance, CLV, the Dirichlet, a function
    penetration = [r.brand_performance()["penetration"][firms[1]] for r in by_hand]
    assert many.per_seed("penetration", firms[1], "brand_performance") == pytest.approx(
        penetration)
    assert set(many.get("customer_equity", source="clv")["firm"]) == set(firms)
    assert len(many.get("penetration_dirichlet", source="dirichlet")) == len(firms)
    assert many.per_seed("log_buyers", firms[0]) == pytest.approx(
        [top_buyers(r)[firms[0]] for r in by_hand])
    assert many.get("market_units", "all")["mean"] == pytest.approx(
        np.mean([market_units(r) for r in by_hand]))


def test_trajectories_are_tidy_with_intervals(many, small):
    t = many.trajectories
    assert list(t.columns[:6]) == ["period", "firm", "measure", "mean", "lo", "hi"]
    profit = many.trajectory("profit")
    assert len(profit) == PERIODS * len(small.firms)
    assert (profit["lo"] <= profit["mean"]).all() and (profit["mean"] <= profit["hi"]).all()
    paths = many.paths[(many.paths["measure"] == "profit") & (many.paths["period"] == PERIODS)]
    firm = small.firms[0].name
    assert profit[(profit["period"] == PERIODS) & (profit["firm"] == firm)]["mean"].item() == \
        pytest.approx(paths[paths["firm"] == firm]["value"].mean())


def test_paired_differences_use_common_random_numbers(many, small):
    a, b = small.firms[0].name, small.firms[1].name
    d = many.difference("share_of_customer", a, b, source="summary")
    assert d["mean"] == pytest.approx(
        np.mean(many.per_seed("share_of_customer", a, "summary")
                - many.per_seed("share_of_customer", b, "summary")))
    same = paired_difference(many, many, "share_of_customer", a, source="summary")
    assert same["mean"] == 0 and same["hi"] == 0
    other = marketsim.run_many(small, seeds=2, measures="summary")
    with pytest.raises(RunOptionError, match="same seeds"):
        paired_difference(many, other, "share_of_customer", a)


def test_the_same_bytes_on_every_executor(small):
    from marketsim.experiments.executors import ProcessExecutor

    measures = ["summary", "metrics", "brand_performance", top_buyers]
    serial = marketsim.run_many(small, seeds=3, measures=measures)
    processes = marketsim.run_many(small, seeds=3, measures=measures, workers=2)
    opened = ProcessExecutor(2)
    with opened:  # an executor opened once serves several calls
        again = marketsim.run_many(small, seeds=3, measures=measures, executor=opened)
        marketsim.run_many(small, seeds=2, measures="summary", executor=opened)
    for other in (processes, again):
        pd.testing.assert_frame_equal(serial.values, other.values)
        pd.testing.assert_frame_equal(serial.table, other.table)
        pd.testing.assert_frame_equal(serial.trajectories, other.trajectories)


def test_bad_input_is_refused(small):
    with pytest.raises(RunOptionError, match="did you mean 'summary'"):
        marketsim.run_many(small, seeds=2, measures=["sumary"])
    with pytest.raises(RunOptionError, match="seeds repeat"):
        marketsim.run_many(small, seeds=[1, 1])
    with pytest.raises(RunOptionError, match="at least 1"):
        marketsim.run_many(small, seeds=0)
    with pytest.raises(RunOptionError, match="seed must be"):
        marketsim.run_many(small, seeds=[-1, 2])
    with pytest.raises(RunOptionError, match="window"):
        marketsim.run_many(small, seeds=2, window=0)
    with pytest.raises(RunOptionError, match="a measure must return"):
        marketsim.run_many(small, seeds=2, measures={"bad": lambda r: "text"})


def test_interval_drops_undefined_values():
    q = interval([1.0, 2.0, float("nan"), 3.0])
    assert q["n"] == 3 and q["mean"] == 2.0
    assert q["hi"] - q["mean"] == pytest.approx(stats.t.ppf(0.975, 2) / np.sqrt(3))
    single = interval([5.0])
    assert single["mean"] == 5.0 and np.isnan(single["lo"])


def test_paper_style_and_fan_chart(many, tmp_path):
    assert PAPER_STYLE["font.family"] == "sans-serif"
    assert not any("serif" in f.lower() and "sans" not in f.lower()
                   for f in PAPER_STYLE["font.sans-serif"])
    assert thousands(1234567.0) == "1,234,567" and thousands(0.25) == "0.25"
    assert thousands(-1500) == "-1,500" and thousands(0) == "0"
    assert period_label("month") == "Month"
    ax = many.fan_chart("revenue")
    assert ax.get_xlabel() == "Week"
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any("," in label for label in labels), labels  # revenue in the thousands
    first = save_paper(ax.figure, tmp_path / "a" / "fan")
    second = save_paper(ax.figure, tmp_path / "b" / "fan")
    assert [p.suffix for p in first] == [".png", ".pdf", ".svg"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name  # no dates: reruns give the same files
    svg = first[2].read_text("utf-8")
    assert "DejaVu Sans" in svg or "sans-serif" in svg
