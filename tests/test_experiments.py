"""Experiment files: factor paths, designs, seeds and their error messages (no simulation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketsim.experiments import ExperimentError, load_experiment
from marketsim.experiments.design import run_seeds
from marketsim.experiments.paths import PathError, get_path, set_path
from marketsim.scenario.schema import parse_scenario
from tests.helpers import market_dict, scenario


def write_experiment(tmp_path, body: str, *, customers=1500, periods=8, name="exp.toml"):
    """A base scenario (tests.helpers market, 3 firms) and an experiment file beside it."""
    base = tmp_path / "base.toml"
    base.write_text(scenario(customers=customers, periods=periods).to_toml(), encoding="utf-8")
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


HEADER = """
[experiment]
name = "test"
scenario = "base.toml"
replications = 2
seed = 11
"""


# ---------------------------------------------------------------------------- paths
def test_paths_address_list_items_by_name_or_index_and_dict_keys():
    data = scenario().model_dump()
    set_path(data, "firms.firm1.retention.reward_rate", 0.04)
    set_path(data, "firms[2].service", 0.9)
    set_path(data, "segments.price driven.purchase_rate.cat0.mean", 1.7)
    set_path(data, "firms.firm0.offers.cat0.price", 12.5)
    set_path(data, "firms.firm0.strategy", "adaptive_price")
    set_path(data, "firms.firm0.strategy_params.step", 0.05)  # free keys
    resolved = parse_scenario(data)
    assert resolved.firms[1].retention.reward_rate == 0.04
    assert resolved.firms[2].service == 0.9
    assert resolved.segments[0].purchase_rate["cat0"].mean == 1.7
    assert resolved.firms[0].offers["cat0"].price == 12.5
    assert resolved.firms[0].strategy_params == {"step": 0.05}
    assert get_path(data, "population.customers") == 5000


def test_names_holding_dots_are_matched_whole():
    data = market_dict()
    data["firms"][0]["name"] = "Acme.com"
    data = parse_scenario(data).model_dump()
    set_path(data, "firms.Acme.com.image", 0.7)
    assert data["firms"][0]["image"] == 0.7


@pytest.mark.parametrize("path, expected", [
    ("firms.firm1.retention.reward_rte",
     ["no field 'reward_rte'", "did you mean 'firms.firm1.retention.reward_rate'",
      "allowed here: reward_rate"]),
    ("firms.frim1.service", ["no item named 'frim1'", "did you mean 'firm1'",
                             "names: firm0, firm1, firm2"]),
    ("market.period", ["no field 'period'", "did you mean 'market.periods'"]),
    ("firms.firm1.service.level", ["is a value", "no field 'level'"]),
    ("firms[7].service", ["has 3 items, no [7]"]),
])
def test_a_path_that_does_not_exist_is_named_with_the_nearest_valid_one(path, expected):
    data = scenario().model_dump()
    with pytest.raises(PathError) as info:
        set_path(data, path, 1.0)
    message = str(info.value)
    assert f"'{path}'" in message
    for fragment in expected:
        assert fragment in message, message


# ---------------------------------------------------------------------------- files
def test_invalid_factor_path_names_file_factor_path_and_suggestion(tmp_path):
    path = write_experiment(tmp_path, HEADER + """
[[factors]]
path = "firms.firm0.retention.reward_rte"
values = [0.0, 0.05]
""")
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "factors[0].path" in message
    assert "'firms.firm0.retention.reward_rte'" in message
    assert "did you mean 'firms.firm0.retention.reward_rate'" in message


def test_invalid_paired_firm_is_named(tmp_path):
    path = write_experiment(tmp_path, HEADER + """
[[paired]]
firms = ["firm0", "firm9"]
path = "offers.cat0.price"
values = [9.0, 11.0]
""")
    with pytest.raises(ExperimentError, match=r"paired\[0\].*'firms\.firm9\.offers\.cat0\.price'.*"
                                              r"no item named 'firm9'"):
        load_experiment(path)


def test_unknown_keys_and_bad_values_are_reported_with_their_field(tmp_path):
    path = write_experiment(tmp_path, HEADER.replace("replications", "replication") + """
[design]
kind = "grid"

[[factors]]
path = "firms.firm0.service"
values = [0.3]

[[outputs]]
metric = "market_share_revnue"
""")
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert "experiment.replication: unknown field (did you mean 'replications'?)" in message
    assert "unknown metric 'market_share_revnue' (did you mean 'market_share_revenue'?)" in message


def test_a_factor_value_out_of_range_names_the_design_point_and_field(tmp_path):
    path = write_experiment(tmp_path, HEADER + """
[[factors]]
path = "firms.firm0.retention.reward_rate"
values = [0.0, 2.0]
""")
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert "design point 1: firms.firm0.retention.reward_rate = 2.0" in message
    assert "firms[0].retention.reward_rate: must be less than or equal to 1" in message


def test_missing_base_scenario_is_reported(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(HEADER.replace("base.toml", "nowhere.toml") + """
[[factors]]
path = "firms.firm0.service"
values = [0.3]
""")
    with pytest.raises(ExperimentError, match=r"experiment\.scenario: .*nowhere\.toml: no such scenario file"):
        load_experiment(path)


# ---------------------------------------------------------------------------- designs
def test_grid_paired_and_fixed_expand_into_every_combination(tmp_path):
    path = write_experiment(tmp_path, HEADER + """
[fixed]
"behaviour.habit_weight" = 0.5

[[factors]]
path = "firms.firm2.retention.reward_rate"
range = [0.0, 0.1]
levels = 3

[[paired]]
firms = ["firm0", "firm1"]
path = "offers.cat0.price"
values = [9.0, 11.0]
""")
    experiment = load_experiment(path)
    assert experiment.factor_labels == ["firms.firm2.retention.reward_rate",
                                        "firms.firm0.offers.cat0.price",
                                        "firms.firm1.offers.cat0.price"]
    assert len(experiment.points) == 3 * 2 * 2
    assert len(experiment.runs) == 12 * 2
    point = experiment.points[5]
    resolved = experiment.scenarios[5]
    assert resolved.firms[2].retention.reward_rate == point["firms.firm2.retention.reward_rate"]
    assert resolved.firms[0].offers["cat0"].price == point["firms.firm0.offers.cat0.price"]
    assert resolved.firms[1].offers["cat0"].price == point["firms.firm1.offers.cat0.price"]
    assert all(s.behaviour.habit_weight == 0.5 for s in experiment.scenarios)
    assert sorted({p["firms.firm2.retention.reward_rate"] for p in experiment.points}) == [0.0, 0.05, 0.1]
    assert experiment.focus_firm == "firm2"


def test_latin_hypercube_stratifies_each_factor_and_rounds_integer_fields(tmp_path):
    path = write_experiment(tmp_path, HEADER + """
[design]
kind = "latin_hypercube"
samples = 10

[[factors]]
path = "firms.firm0.retention.reward_rate"
range = [0.0, 0.1]

[[factors]]
path = "network.degree"
values = [4, 6, 8, 10, 12]

[[factors]]
path = "market.lapse_periods"
range = [10, 30]
""")
    experiment = load_experiment(path)
    rates = np.array([p["firms.firm0.retention.reward_rate"] for p in experiment.points])
    # One sample in each tenth of the range.
    assert sorted(np.floor(rates / 0.01).astype(int)) == list(range(10))
    degrees = [p["network.degree"] for p in experiment.points]
    assert sorted(degrees) == [4, 4, 6, 6, 8, 8, 10, 10, 12, 12]
    assert all(isinstance(p["market.lapse_periods"], int) for p in experiment.points)
    # Sampling is reproducible from the master seed.
    again = load_experiment(path)
    assert again.points == experiment.points


def test_list_design_zips_values_and_labels_points(tmp_path):
    path = write_experiment(tmp_path, HEADER + """
[design]
kind = "list"
labels = ["mass marketing", "retention"]

[[factors]]
path = "firms.firm0.acquisition_budget"
values = [5000.0, 500.0]

[[factors]]
path = "firms.firm0.retention.reward_rate"
values = [0.0, 0.05]
""")
    experiment = load_experiment(path)
    assert experiment.points == [
        {"firms.firm0.acquisition_budget": 5000.0, "firms.firm0.retention.reward_rate": 0.0},
        {"firms.firm0.acquisition_budget": 500.0, "firms.firm0.retention.reward_rate": 0.05}]
    assert experiment.point_labels == ["mass marketing", "retention"]


def test_seeds_are_independent_streams_shared_across_points(tmp_path):
    path = write_experiment(tmp_path, HEADER.replace("replications = 2", "replications = 4") + """
[[factors]]
path = "firms.firm0.service"
values = [0.3, 0.6]
""")
    experiment = load_experiment(path)
    by_point = {}
    for spec in experiment.runs:
        by_point.setdefault(spec.point, []).append(spec.seed)
    assert by_point[0] == by_point[1] == run_seeds(11, 4)  # common random numbers
    assert len(set(by_point[0])) == 4
    assert run_seeds(11, 4) == [int(np.random.SeedSequence(11).spawn(4)[r].generate_state(1, np.uint64)[0])
                                & (2**63 - 1) for r in range(4)]
    # Without common random numbers every run has its own seed, fixed by (point, replication).
    path.write_text(path.read_text().replace("seed = 11", "seed = 11\ncommon_random_numbers = false"))
    independent = load_experiment(path)
    seeds = [spec.seed for spec in independent.runs]
    assert len(set(seeds)) == len(seeds)
    assert [s.seed for s in independent.runs if s.point == 1] == run_seeds(11, 4, point=1)
    # Run keys hash the resolved scenario and seed: distinct runs, distinct files.
    assert len({spec.key for spec in experiment.runs}) == len(experiment.runs)


# ---------------------------------------------------------------------------- the library
LIBRARY = sorted((Path(__file__).resolve().parents[1] / "experiments").glob("*.toml"))


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_every_experiment_in_the_library_validates(path):
    experiment = load_experiment(path)  # every design point's scenario is validated
    assert experiment.scenarios and len(experiment.runs) == (
        len(experiment.scenarios) * experiment.replications)


def test_the_relationship_levels_experiment_sets_each_level():
    experiment = load_experiment(Path(__file__).resolve().parents[1] / "experiments"
                                 / "relationship_levels.toml")
    levels = [next(f for f in s.firms if f.name == "PartnerBank").relationship_level
              for s in experiment.scenarios]
    assert levels == ["basic", "reactive", "accountable", "proactive", "partnership"]


def test_text_factor_levels_keep_the_design_order():
    from marketsim.experiments.analysis import main_effects, sensitivity

    levels = ["basic", "reactive", "partnership"]  # not alphabetical
    results = pd.DataFrame({
        "point": [0, 0, 1, 1, 2, 2], "point_label": "", "replication": [0, 1] * 3,
        "seed": 1, "key": "", "firm": "A", "output": "profit",
        "value": [1.0, 3.0, 5.0, 7.0, 9.0, 11.0],
        "firms.A.relationship_level": [lv for lv in levels for _ in range(2)]})
    effects = main_effects(results, "profit", "A")
    assert effects["level"].tolist() == levels
    assert effects["mean"].tolist() == [2.0, 6.0, 10.0]
    swing = sensitivity(results, "profit", "A").iloc[0]
    assert (swing["low_level"], swing["high_level"]) == ("basic", "partnership")
    assert swing["swing"] == 8.0
