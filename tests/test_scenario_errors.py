"""Bad scenario files give one clear message: the file, the field path, the value, what is allowed."""

from __future__ import annotations

import copy
import re

import pytest
import tomli_w

from marketsim import ScenarioError, load_scenario
from marketsim.scenario.schema import parse_scenario
from tests.helpers import market_dict


def write(tmp_path, data: dict, name: str = "scenario.toml"):
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def error_for(tmp_path, data: dict) -> tuple[str, ScenarioError]:
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message  # the file comes first
    assert "Traceback" not in message
    return message, caught.value


def without_line_numbers(lines: list[str]) -> list[str]:
    """The problem lines without their ``line N:`` prefix (tested in test_scenario_library)."""
    return [re.sub(r"^  - line \d+: ", "  - ", line) for line in lines]


def modified(change) -> dict:
    data = copy.deepcopy(market_dict(customers=2000, periods=5))
    change(data)
    return data


def test_a_valid_file_loads(tmp_path):
    scenario = load_scenario(write(tmp_path, market_dict(customers=2000, periods=5)))
    assert scenario.population.customers == 2000
    assert [f.name for f in scenario.firms] == ["firm0", "firm1", "firm2"]


def test_wrong_type(tmp_path):
    message, error = error_for(tmp_path, modified(
        lambda d: d["population"].update(customers="many")))
    assert "population.customers: must be a valid integer" in message
    assert "(got 'many')" in message
    assert error.problems == [p.removeprefix("  - ") for p in message.splitlines()[1:]]


def test_a_table_where_a_number_is_expected(tmp_path):
    message, _ = error_for(tmp_path, modified(lambda d: d.update(network=3)))
    assert "network: must be a table" in message
    assert "(got 3)" in message


def test_out_of_range(tmp_path):
    def change(d):
        d["segments"][1]["share"] = 1.5
        d["segments"][0]["share"] = 0.2
    message, _ = error_for(tmp_path, modified(change))
    assert "segments[1].share: must be less than or equal to 1 (got 1.5)" in message


def test_negative_budget(tmp_path):
    message, _ = error_for(tmp_path, modified(
        lambda d: d["firms"][2].update(acquisition_budget=-5.0)))
    assert "firms[2].acquisition_budget: must be greater than or equal to 0 (got -5.0)" in message


def test_choice_outside_the_allowed_values(tmp_path):
    message, _ = error_for(tmp_path, modified(
        lambda d: d["market"].update(period_unit="fortnight")))
    assert "market.period_unit:" in message
    assert "'week'" in message and "'month'" in message  # what is allowed
    assert "(got 'fortnight')" in message


def test_unknown_key_suggests_the_right_one(tmp_path):
    message, _ = error_for(tmp_path, modified(lambda d: d.update(network={"rewirng": 0.1})))
    assert "network.rewirng: unknown field (did you mean 'rewiring'?)" in message
    assert "allowed here: kind, degree, rewiring" in message
    assert len(message.splitlines()) == 2  # one problem, one line


def test_unknown_top_level_section(tmp_path):
    message, _ = error_for(tmp_path, modified(lambda d: d.update(markt={"periods": 5})))
    assert "markt: unknown field (did you mean 'market'?)" in message
    assert "allowed here: market, population" in message


def test_unknown_key_inside_an_offer(tmp_path):
    def change(d):
        offer = d["firms"][0]["offers"]["cat0"]
        offer["prize"] = offer.pop("price")
    message, _ = error_for(tmp_path, modified(change))
    assert "firms[0].offers.cat0.prize: unknown field (did you mean 'price'?)" in message
    assert "allowed here: price, quality, unit_cost" in message
    assert "firms[0].offers.cat0.price: required field is missing" in message


def test_missing_required_field(tmp_path):
    message, _ = error_for(tmp_path, modified(
        lambda d: d["categories"][0].pop("reference_price")))
    assert "categories[0].reference_price: required field is missing" in message
    assert "Typical price of one purchase" in message  # what the field is


def test_segment_shares_must_sum_to_one(tmp_path):
    def change(d):
        d["segments"][0]["share"] = 0.5
        d["segments"][1]["share"] = 0.4
    message, _ = error_for(tmp_path, modified(change))
    assert "segments: shares must sum to 1 (got 0.9)" in message


def test_firm_selling_an_unknown_category(tmp_path):
    def change(d):
        d["firms"][1]["offers"]["cat9"] = {"price": 10.0, "quality": 0.5}
    message, _ = error_for(tmp_path, modified(change))
    assert "firms[1].offers.cat9: no such category" in message
    assert "(categories: cat0)" in message


def test_misspelt_category_suggests_the_right_one(tmp_path):
    def change(d):
        d["segments"][0]["purchase_rate"] = {"cat_0": {"mean": 1.0}}
    message, _ = error_for(tmp_path, modified(change))
    assert "segments[0].purchase_rate.cat_0: no such category (did you mean 'cat0'?)" in message


def test_several_problems_one_line_each(tmp_path):
    def change(d):
        d["population"]["customers"] = 0
        d["firms"][0]["trust"] = 2.0
    message, error = error_for(tmp_path, modified(change))
    lines = without_line_numbers(message.splitlines())
    assert lines[0] == f"{tmp_path / 'scenario.toml'}: invalid scenario"
    assert lines[1:] == ["  - population.customers: must be greater than or equal to 1 (got 0)",
                         "  - firms[0].trust: must be less than or equal to 1 (got 2.0)"]
    assert len(error.problems) == 2


def test_several_cross_field_problems_one_line_each(tmp_path):
    def change(d):
        d["segments"][0]["share"] = 0.1
        d["firms"][2]["offers"]["cat1"] = {"price": 10.0, "quality": 0.5}
    message, error = error_for(tmp_path, modified(change))
    lines = without_line_numbers(message.splitlines())
    assert len(lines) == 3 and len(error.problems) == 2
    assert lines[1] == "  - segments: shares must sum to 1 (got 0.6)"
    assert lines[2].startswith("  - firms[2].offers.cat1: no such category")


def test_invalid_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[market\nperiods = 5\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not valid TOML")
    assert "line 1" in message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == f"{path}: no such scenario file"


def test_a_folder_is_not_a_scenario_file(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}: cannot read scenario file")


def test_dictionary_and_override_errors_name_their_source():
    data = market_dict(customers=2000, periods=5)
    data["population"]["customers"] = -1
    with pytest.raises(ScenarioError, match=r"^<dict>: invalid scenario\n  - population.customers"):
        parse_scenario(data)
    good = parse_scenario(market_dict(customers=2000, periods=5))
    with pytest.raises(ScenarioError, match=r"command line.*\n  - market.periods: must be greater"):
        good.with_overrides(periods=0)
