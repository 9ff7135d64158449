"""No silent wrong numbers (issue #21): each period's per-firm totals and the firms' levers
are checked for NaN, infinity and impossible values, and the run stops naming the period, the
firm and the quantity; the summary never shows 0 (or an earlier period's value) for an
undefined one; a negative scheduled price is refused when the file is read; a share of
customer outside [0, 1] is never printed."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketsim import run
from marketsim.cli import main
from marketsim.errors import RunFolderError, ScenarioError, SimulationError
from marketsim.market.checks import check_period
from marketsim.market.model import MarketModel
from marketsim.measures.metrics import RAW, RAW_INDEX, summary_frame
from marketsim.outputs.summary_table import summary_table
from marketsim.scenario.schema import parse_scenario
from marketsim.scenario.strategy_registry import Strategy, register_strategy
from tests.helpers import market_dict, scenario

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default.toml"
FIRMS = ["firm0", "firm1", "firm2"]


@register_strategy("test_breaks_price")
class BreaksPrice(Strategy):
    """From period 3, writes ``value`` (``"nan"``, ``"-5"``, ...) straight into a lever, past
    set_lever's check (a strategy may assign attributes)."""

    def __init__(self, value: str = "nan", lever: str = "price"):
        self.value, self.lever = float(value), lever

    def decide(self, firm, model):
        if model.period >= 3:
            if self.lever == "price":
                firm.price["cat0"] = self.value
            else:
                setattr(firm, self.lever, self.value)


def _row() -> np.ndarray:
    row = np.zeros((3, len(RAW)))
    row[:, RAW_INDEX["revenue"]] = 100.0
    row[:, RAW_INDEX["soc_customers"]] = 10.0
    row[:, RAW_INDEX["share_of_customer_sum"]] = 4.0
    return row


# ---------------------------------------------------------------------------- the checks
def test_a_finite_period_passes():
    check_period(_row(), FIRMS, 4)


@pytest.mark.parametrize("quantity, value", [("revenue", np.nan), ("satisfaction_sum", np.inf),
                                             ("cost_of_goods", -np.inf)])
def test_undefined_totals_stop_the_run(quantity, value):
    row = _row()
    row[1, RAW_INDEX[quantity]] = value
    with pytest.raises(SimulationError) as caught:
        check_period(row, FIRMS, 7)
    error = caught.value
    assert (error.period, error.firm, error.quantity) == (7, "firm1", quantity)
    assert str(error).startswith(f"period 7, firm 'firm1': {quantity} is ")


def test_negative_revenue_and_shares_outside_0_1_stop_the_run():
    row = _row()
    row[2, RAW_INDEX["revenue"]] = -24230.0
    with pytest.raises(SimulationError, match="firm 'firm2': revenue is -24230, below 0"):
        check_period(row, FIRMS, 2)
    row = _row()
    row[0, RAW_INDEX["share_of_customer_sum"]] = -39.29  # the audit's -392.9%
    with pytest.raises(SimulationError, match=r"share of customer would be -3.93, outside \[0, 1\]"):
        check_period(row, FIRMS, 2)
    row = _row()
    row[0, RAW_INDEX["share_of_customer_sum"]] = 10.5
    with pytest.raises(SimulationError, match="outside"):
        check_period(row, FIRMS, 2)


# ---------------------------------------------------------------------------- in a run
def test_nan_in_the_customers_state_stops_at_the_period_with_firm_and_quantity():
    model = MarketModel(scenario(customers=2000, periods=5), seed=1)
    model.step()
    model.step()
    model.population.satisfaction[:, 1] = np.nan
    with pytest.raises(SimulationError) as caught:
        model.step()
    error = caught.value
    assert (error.period, error.firm) == (3, "firm1")
    assert error.quantity in RAW and "NaN (undefined)" in str(error)
    assert np.isfinite(model.raw[:2]).all()  # the periods before are whole


@pytest.mark.parametrize("params, quantity", [
    ({"value": "nan"}, "price"), ({"value": "-5"}, "price"),
    ({"value": "inf", "lever": "acquisition_budget"}, "acquisition_spend"),
    ({"value": "nan", "lever": "service"}, "service")])
def test_a_strategy_writing_undefined_levers_is_stopped(params, quantity):
    data = market_dict(customers=1500, periods=6)
    data["firms"][2].update(strategy="test_breaks_price", strategy_params=params)
    with pytest.raises(SimulationError) as caught:
        run(data, seed=2)
    error = caught.value
    assert (error.period, error.firm, error.quantity) == (3, "firm2", quantity)
    assert "period 3, firm 'firm2'" in str(error)


def test_set_lever_and_decisions_refuse_bad_prices():
    model = MarketModel(scenario(customers=500, periods=3), seed=1)
    for value in (-5.0, float("nan"), float("inf")):
        with pytest.raises(ScenarioError, match="price"):
            model.step({"firm0": {"price": value}})


def test_the_cli_stops_with_a_clear_message_and_writes_nothing(tmp_path, capsys):
    data = market_dict(customers=1500, periods=5)
    data["firms"][0].update(strategy="test_breaks_price")
    path = tmp_path / "nan.toml"
    path.write_text(parse_scenario(data).to_toml(), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--no-figures", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "period 3, firm 'firm0': price of 'cat0' is NaN (undefined)" in err
    assert "Traceback" not in err and not out.exists()


def test_a_negative_scheduled_price_is_refused_when_the_file_is_read(tmp_path, capsys):
    data = market_dict(customers=500, periods=4)
    data["firms"][1].update(strategy="scheduled",
                            strategy_params={"changes": [{"period": 2, "price": -5.0}]})
    path = tmp_path / "negative.toml"
    import tomli_w

    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "changes[0].price: must be greater than 0 (got -5.0)" in capsys.readouterr().out
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_valid_runs_pass_every_check():
    result = run(DEFAULT, customers=3000, periods=10, seed=11)
    metrics = result.metrics
    numeric = metrics.drop(columns="firm")
    assert not np.isinf(numeric.to_numpy(dtype=float)).any()
    assert metrics["share_of_customer"].dropna().between(0, 1).all()


# ---------------------------------------------------------------------------- the summary
@pytest.fixture(scope="module")
def metrics() -> pd.DataFrame:
    return run(DEFAULT, customers=1500, periods=6, seed=4).metrics


def _printed(table) -> str:
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(table)
    return console.export_text()


class _Result:
    """What ``summary_table`` reads of a run."""

    def __init__(self, metrics):
        self.metrics = metrics
        self.scenario = type("S", (), {"market": type("M", (), {
            "share_of_customer_window": 13})()})()

    def summary(self):
        return summary_frame(self.metrics, last=13)


def test_summary_shows_undefined_not_zero(metrics):
    broken = metrics.copy()
    firm = broken["firm"].iloc[0]
    mask = broken["firm"] == firm
    broken.loc[mask, "profit"] = np.nan  # the audit's NaN profit, shown as Profit 0
    broken.loc[mask & (broken["period"] == 3), "revenue"] = np.nan  # NaN in one period
    last = broken["period"].max()
    broken.loc[mask & (broken["period"] == last), ["mean_satisfaction", "share_of_customer"]] = np.nan
    summary = summary_frame(broken, last=13)
    row = summary.loc[firm]
    assert math.isnan(row["profit"]) and math.isnan(row["revenue"])
    assert math.isnan(row["mean_satisfaction"]) and math.isnan(row["share_of_customer"])
    other = summary.drop(index=firm)
    assert other[["profit", "revenue", "mean_satisfaction"]].notna().all().all()
    line = next(line for line in _printed(summary_table(_Result(broken))).splitlines()
                if line.strip().startswith(firm))
    cells = line.split()
    assert cells[-1] == "-" and cells[-2] == "-"  # satisfaction and profit
    assert " 0 " not in f" {line} "


def test_summary_of_a_valid_run_is_unchanged(metrics):
    """Totals and values at the end are what pandas' sum and last give when nothing is NaN."""
    recent = metrics[metrics["period"] > metrics["period"].max() - 13]
    grouped = recent.groupby("firm", sort=False)
    summary = summary_frame(metrics, last=13)
    pd.testing.assert_series_equal(summary["profit"], grouped["profit"].sum(), check_names=False)
    pd.testing.assert_series_equal(summary["share_of_customer"],
                                   grouped["share_of_customer"].last(), check_names=False)


def test_a_run_folder_with_shares_outside_0_1_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    run(DEFAULT, customers=600, periods=3, seed=1).save(out, figures=False)
    table = pd.read_parquet(out / "metrics.parquet")
    table.loc[0, "share_of_customer"] = -3.929
    table.to_parquet(out / "metrics.parquet", index=False)
    from marketsim.outputs.run_folder import load_run

    with pytest.raises(RunFolderError, match=r"share_of_customer holds values outside \[0, 1\]"):
        load_run(out)
    table.loc[0, "share_of_customer"] = 0.5
    table.loc[1, "profit"] = np.inf
    table.to_parquet(out / "metrics.parquet", index=False)
    assert main(["report", str(out)]) == 2
    assert "profit holds infinite values" in capsys.readouterr().err
