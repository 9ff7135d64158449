"""Every bad scenario file ends in one clear message (file, line where it can, field path, what
is allowed) and ``marketsim validate`` exits with status 2, never a traceback (issue #21; the
cases are those of the reliability audit that crashed, hung or were accepted with NaN)."""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import pytest
import tomli_w

from marketsim import ScenarioError, load_scenario
from marketsim.cli import EXIT_INVALID_FILES, main
from marketsim.errors import MAX_MESSAGE_CHARS, MarketsimError, cap_message
from marketsim.scenario.reading import MAX_FILE_BYTES, MAX_NESTING, nesting_problem
from marketsim.scenario.schema import parse_scenario
from tests.helpers import market_dict

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default.toml"


def write(tmp_path: Path, data: dict, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def problem(tmp_path: Path, change) -> str:
    """The message of loading a small market after ``change(data)``: it names the file."""
    data = copy.deepcopy(market_dict(customers=1000, periods=4))
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert len(message) <= MAX_MESSAGE_CHARS
    return message


def validate(args, capsys) -> tuple[int, str]:
    code = main(["validate", *map(str, args)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


# ----------------------------------------------------------------------------- reading the file
def test_non_utf8_bytes_name_the_line_and_column(tmp_path, capsys):
    bad = tmp_path / "bad_utf8.toml"
    bad.write_bytes(b"x = 1\n\xff\n")
    code, out = validate([bad, DEFAULT], capsys)
    assert code == EXIT_INVALID_FILES == 2
    assert f"FAIL  {bad}: line 2, column 1: not UTF-8 text (byte 0xff)" in out
    assert f"OK    {DEFAULT}" in out  # the next file is still checked


@pytest.mark.parametrize("value", ["[" * 500 + "1" + "]" * 500,
                                   "{a = " * 500 + "1" + "}" * 500])
def test_deep_nesting_is_refused_with_its_line(tmp_path, value):
    path = tmp_path / "deep.toml"
    path.write_text(f"# a comment [[[[\nzz = {value}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=f"line 2: arrays and inline tables nested more than "
                                            f"{MAX_NESTING} deep"):
        load_scenario(path)


def test_the_nesting_scan_skips_strings_comments_and_headers():
    text = ('[[firms]]\nname = "[[[[{{{{"\n# [[[[[[[[\nx = \'\'\'\n[[[[\n\'\'\'\n'
            'y = "a\\"[[["\nz = [[1, 2], [3, [4]]]\n[market]\n')
    assert nesting_problem(text, limit=3) is None
    assert nesting_problem("z = [[[[1]]]]\n", limit=3) == ("line 1: arrays and inline tables "
                                                          "nested more than 3 deep")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(ScenarioError, match="at most 1,048,576 bytes"):
        load_scenario(big)


@pytest.mark.parametrize("path, message", [
    ("/dev/zero", "not a regular file"), ("nul\x00byte.toml", "cannot read scenario file"),
])
def test_devices_and_impossible_paths(path, message):
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)
    assert time.perf_counter() - started < 5  # /dev/zero is not read


# ----------------------------------------------------------------------------- firms and strategies
def test_preset_must_be_a_name(tmp_path):
    message = problem(tmp_path, lambda d: d["firms"][0].update(preset=[1]))
    assert "firms[0].preset: unknown preset [1], allowed: mass_marketer" in message


def test_scheduled_changes_are_checked_at_load(tmp_path):
    changes = [{"price": 3.0}, {"period": 2, "pirce": 3.0},
               {"period": 2, "acquisition_budget": -1e9}, {"period": 3, "price": -5.0},
               {"period": 3, "price": {"cat9": 2.0}}, {"period": 4, "retention.reward_rat": 0.1},
               {"period": 4, "relationship_types.nobody": "community"}, {"period": 5},
               {"period": 0, "promise": 1.0}, {"period": 6, "service": "high"}]
    message = problem(tmp_path, lambda d: d["firms"][1].update(
        strategy="scheduled", strategy_params={"changes": changes}))
    where = "firms[1].strategy_params.changes"
    for expected in [
            f"{where}[0].period: required field is missing",
            f"{where}[1].pirce: unknown lever (did you mean 'price'?)",
            f"{where}[2].acquisition_budget: must be greater than or equal to 0 (got -1000000000.0)",
            f"{where}[3].price: must be greater than 0 (got -5.0)",
            f"{where}[4].price.cat9: the firm does not sell 'cat9'",
            f"{where}[5].retention.reward_rat: unknown lever (did you mean 'reward_rate'?)",
            f"{where}[6].relationship_types.nobody: no such segment",
            f"{where}[7]: a change must set at least one lever beside period",
            f"{where}[8].period: must be greater than or equal to 1",
            f"{where}[9].service: must be a valid number"]:
        assert expected in message, expected
    assert re.search(r"line \d+: firms\[1\]\.strategy_params", message)


def test_adaptive_parameters_are_checked_at_load(tmp_path):
    message = problem(tmp_path, lambda d: d["firms"][0].update(
        strategy="adaptive_price_budget",
        strategy_params={"step": "x", "floor": 2.0, "ceiling": 1.5, "budget_step": float("nan")}))
    assert "firms[0].strategy_params.step: must be a valid number" in message
    assert "firms[0].strategy_params.budget_step: must be a finite number" in message
    message = problem(tmp_path, lambda d: d["firms"][0].update(
        strategy="adaptive_price", strategy_params={"floor": 2.0, "ceiling": 1.5}))
    assert "firms[0].strategy_params.floor: must be at most ceiling (got 2 > 1.5)" in message


def test_a_registered_strategys_params_may_not_be_infinite(tmp_path):
    message = problem(tmp_path, lambda d: d["firms"][0].update(
        strategy="x.py:Mine", strategy_params={"target": [1.0, float("inf")]}))
    assert "firms[0].strategy_params.target[1]: must be a finite number (got inf)" in message


@pytest.mark.parametrize("name, expected", [
    ("no spaces allowed:Cls", "must be 'module:Class' (a dotted module name)"),
    ("x.py:1Class", "must end in a class name"),
    ("adaptiv_price", "unknown strategy 'adaptiv_price' (did you mean 'adaptive_price'?)"),
])
def test_strategy_names_are_checked_for_form(tmp_path, name, expected):
    assert expected in problem(tmp_path, lambda d: d["firms"][0].update(strategy=name))


# ----------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["firms"][0]["offers"]["cat0"].update(price=float("inf")),
     "firms[0].offers.cat0.price: must be a finite number"),
    (lambda d: d["firms"][0]["offers"]["cat0"].update(price="1e999"),
     "firms[0].offers.cat0.price: must be a finite number"),
    (lambda d: d["firms"][0]["offers"]["cat0"].update(unit_cost=float("inf")),
     "firms[0].offers.cat0.unit_cost: must be a finite number"),
    (lambda d: d["firms"][0].update(acquisition_budget=float("inf")),
     "firms[0].acquisition_budget: must be a finite number"),
    (lambda d: d["firms"][0].update(acquisition_budget=1e13),
     "firms[0].acquisition_budget: must be less than or equal to 1000000000000"),
    (lambda d: d["segments"][0]["price_sensitivity"].update(mean=float("nan")),
     "segments[0].price_sensitivity.mean: must be a finite number"),
    (lambda d: d["categories"][0].update(reference_price=1e300),
     "categories[0].reference_price: must be less than or equal to"),
    (lambda d: d["segments"][0].update(variables={"age": float("inf")}),
     "segments[0].variables.age"),
])
def test_every_number_is_finite_and_in_its_documented_range(tmp_path, edit, expected):
    assert expected in problem(tmp_path, edit)


def test_the_range_is_in_the_generated_field_reference():
    text = (ROOT / "docs" / "parameters.md").read_text()
    assert "| `price` | **required** | > 0.0, <= 1000000000000.0 |" in text


# ----------------------------------------------------------------------------- sizes and floods
def test_thousands_of_segments_are_refused_before_validating_each(tmp_path):
    data = market_dict(customers=1000, periods=4)
    data["segments"] = [dict(data["segments"][0], name=f"s{i}") for i in range(20_000)]
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match="segments: at most 255 items \\(got 20,000\\)"):
        parse_scenario(data)
    assert time.perf_counter() - started < 5


def test_a_huge_value_is_not_echoed_back_in_full(tmp_path):
    message = problem(tmp_path, lambda d: d["firms"][0].update(strategy="s" * 100_000))
    assert "unknown strategy 'sss" in message and len(message) < 1000


def test_many_problems_are_capped_with_a_count(tmp_path):
    def many(d):
        d["firms"] = [dict(d["firms"][0], name=f"f{i}", service=5.0, image=5.0, trust=5.0,
                           convenience=5.0, promise=9.0) for i in range(20)]
    message = problem(tmp_path, many)
    assert re.search(r"\.\.\. and \d+ more problems$", message)
    capped = cap_message("file: invalid\n" + "  - a problem\n" * 100, limit=100)
    assert capped.startswith("file: invalid\n  - a problem\n") and len(capped) <= 100
    assert capped.endswith("more problems")


def test_every_marketsim_error_is_capped():
    assert len(str(MarketsimError("x" * 100_000))) <= MAX_MESSAGE_CHARS


# ----------------------------------------------------------------------------- the good files
def test_every_shipped_scenario_still_validates(capsys):
    files = sorted((ROOT / "scenarios").glob("*.toml")) + sorted(
        (ROOT / "scenarios" / "null").glob("*.toml"))
    code, out = validate(files, capsys)
    assert code == 0, out
    assert out.count("OK    ") == len(files)


def test_set_lever_checks_values_during_a_run():
    from marketsim.market.model import MarketModel

    model = MarketModel(parse_scenario(market_dict(customers=200, periods=3)), seed=1)
    firm = model.firms[0]
    firm.set_lever("price", 9)
    assert firm.price == {"cat0": 9.0}
    for lever, value, expected in [("price", -5.0, "price: must be greater than 0"),
                                   ("acquisition_budget", -1e9, "must be greater than or equal"),
                                   ("promise", float("nan"), "must be a finite number"),
                                   ("price", {"nope": 1.0}, "does not sell 'nope'")]:
        with pytest.raises(ScenarioError, match=expected):
            firm.set_lever(lever, value)
    assert firm.price == {"cat0": 9.0} and firm.acquisition_budget == 1000.0
