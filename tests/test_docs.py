"""Documentation generated from code stays current."""

from pathlib import Path

from marketsim.market.model import MarketModel
from marketsim.market.population import bytes_per_customer
from marketsim.scenario import field_docs
from tests.helpers import scenario

ROOT = Path(__file__).resolve().parents[1]


def test_parameter_reference_is_current():
    text = (ROOT / "docs" / "parameters.md").read_text()
    assert text.strip() == field_docs.markdown().strip(), (
        "docs/parameters.md is stale: run python -m marketsim.scenario.field_docs > docs/parameters.md")


def test_state_size_estimate_matches_allocation():
    sc = scenario(customers=1000, n_firms=5, categories=1)
    model = MarketModel(sc, seed=1)
    assert model.state_bytes() == 1000 * bytes_per_customer(5, 1, 8) + 8  # indptr has N + 1 entries


def test_scenario_guide_reference_is_current():
    text = (ROOT / "docs" / "scenarios.md").read_text()
    assert field_docs.scenarios_reference() in text, (
        "docs/scenarios.md is stale: run python -m marketsim.scenario.field_docs --scenarios "
        "docs/scenarios.md")
    assert text.index("# Writing scenarios") < text.index(field_docs.BEGIN)  # the guide stays
