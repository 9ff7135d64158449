"""Strategies (#5), segments and buying centres (#4) seen through the measures and report (#6)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from marketsim import run
from marketsim.market.relationship import TYPE_EFFECTS
from marketsim.outputs.report import BUSINESS_HEADING, SEGMENT_HEADING, STRATEGY_HEADING
from marketsim.outputs.run_folder import write_report
from tests.test_report import check_report, parse

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = ROOT / "scenarios" / "relationship_strategies.toml"
B2B = ROOT / "scenarios" / "b2b_software.toml"


@pytest.fixture(scope="module")
def strategies():
    return run(STRATEGIES, customers=1500, periods=12, seed=2, transactions=True, threads=1)


@pytest.fixture(scope="module")
def business():
    return run(B2B, customers=1000, periods=8, seed=1, transactions=True, threads=1)


def test_segment_counts_hold_the_customers_the_engine_charged(strategies):
    held = strategies.segment_retention.groupby(["period", "firm"])["customers_end"].sum()
    booked = strategies.metrics.set_index(["period", "firm"])["customers"]
    assert held.to_dict() == booked.reindex(held.index).to_dict()


def test_cost_to_serve_by_relationship_type_adds_up_to_the_metrics(strategies):
    table = strategies.cost_to_serve()
    firm = table[table["firm"] == "OneToOneBank"].set_index("relationship_type")
    # personal assistance for the mass market, dedicated assistance for the affluent
    assert set(firm.index) == {"personal_assistance", "dedicated_personal_assistance"}
    assert (firm.loc["dedicated_personal_assistance", "per_customer_period"]
            > firm.loc["personal_assistance", "per_customer_period"])
    # type cost per customer-period is the scenario's (Osterwalder and Pigneur table)
    assert firm["type_cost"].to_numpy() / firm["customer_periods"].to_numpy() == pytest.approx(
        [TYPE_EFFECTS[kind]["cost"] for kind in firm.index])
    # PartnerBank has no value tiers: the level and type costs from the segment counts must be
    # exactly what the engine booked, leaving nothing for tiers
    partner = table[table["firm"] == "PartnerBank"].set_index("relationship_type")
    assert set(partner.index) == {"self_service", "co_creation"}
    assert partner["level_cost"].sum() > 0 and partner.loc["co_creation", "type_cost"] > 0
    assert partner["tier_cost"].abs().max() < 1e-6
    sums = table.groupby("firm", sort=False)[["cost_to_serve", "fees", "customer_periods"]].sum()
    m = strategies.metrics.groupby("firm", sort=False)[["cost_to_serve", "fees", "customers"]].sum()
    assert sums["cost_to_serve"].to_numpy() == pytest.approx(m["cost_to_serve"].to_numpy())
    assert sums["fees"].to_numpy() == pytest.approx(m["fees"].to_numpy())
    assert sums["customer_periods"].to_numpy() == pytest.approx(m["customers"].to_numpy())


def test_realised_clv_reconciles_with_strategies_on(strategies):
    clv, m = strategies.clv(), strategies.metrics
    assert m["relationship_cost"].sum() > 0 and m["fees"].sum() > 0
    contribution = (m["revenue"] - m["cost_of_goods"] - m["reward_cost"]).sum()
    assert clv["margin"].sum() == pytest.approx(contribution, rel=1e-9)
    d = strategies.scenario.market.discount_rate
    net = ((m["cost_to_serve"] - m["fees"]) * (1 + d) ** -(m["period"] - 1)).sum()
    assert clv["serve_cost"].sum() == pytest.approx(net, rel=1e-9)
    # predicted CLV nets the same costs: its margin is below the one without them
    predicted = strategies.predicted_clv().loc["OneToOneBank", "margin_per_customer"]
    recent = m[(m["firm"] == "OneToOneBank")
               & (m["period"] > m["period"].max() - round(strategies.scenario.market
                                                          .share_of_customer_window))]
    gross = (recent["revenue"] - recent["cost_of_goods"] - recent["reward_cost"]
             - recent["service_cost"]).sum() / recent["customers"].sum()
    assert predicted < gross


def test_summary_shows_the_strategy_measures_a_firm_uses(strategies):
    summary = strategies.summary()
    for column in ("cost_to_serve", "relationship_cost", "fees", "terminations",
                   "complaints_captured", "mean_knowledge"):
        assert column in summary.columns, column
    assert summary.loc["PlainBank", "relationship_cost"] == 0
    assert summary.loc["OneToOneBank", "mean_knowledge"] > 0
    plain = run(ROOT / "scenarios" / "classroom.toml", customers=500, periods=3, threads=1)
    assert "terminations" not in plain.summary().columns  # nobody uses it: not shown


def test_report_of_the_strategies_scenario(strategies, tmp_path):
    strategies.save(tmp_path, figures=False)
    write_report(tmp_path)  # through the saved folder, as `marketsim report` does
    page = check_report(tmp_path, figures=_figures(tmp_path))
    assert STRATEGY_HEADING in page.headings and SEGMENT_HEADING in page.headings
    assert BUSINESS_HEADING not in page.headings
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    for needle in ("dedicated_personal_assistance", "mean_knowledge", "terminations",
                   "customers_end", "affluent"):
        assert needle in text, needle
    assert (tmp_path / "cost_to_serve.png").is_file()


def test_report_of_the_b2b_scenario_has_the_buying_centres(business, tmp_path):
    members = business.member_satisfaction()
    assert list(members.columns) == ["firm", "segment", "customers", "user", "influencer",
                                     "decider", "buyer"]
    held = business.metrics[business.metrics["period"] == business.periods]["customers"].sum()
    assert members["customers"].sum() == held  # every customer is a business here
    assert members[["user", "buyer"]].notna().all().all()
    business.report(tmp_path)
    page = check_report(tmp_path, figures=_figures(tmp_path))
    assert BUSINESS_HEADING in page.headings and SEGMENT_HEADING in page.headings
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "influencer" in text and "firmographic" in text


def test_consumer_scenarios_skip_the_business_section(strategies):
    assert strategies.member_satisfaction() is None
    assert isinstance(strategies.segment_summary(), pd.DataFrame)


def _figures(folder: Path) -> set[str]:
    """The figures the page embeds must be exactly the PNGs written beside it."""
    page = parse(folder / "report.html")
    names = {p.name for p in folder.glob("*.png")}
    assert len(page.images) == len(names)
    return names
