"""The scenario library: every file validates and runs, and bad edits give clean errors.

Also ``marketsim new`` (a starter that validates and runs) and line numbers in errors.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest
import tomli_w

from marketsim import ScenarioError, load_scenario
from marketsim.cli import EXIT_INVALID_FILES, EXIT_OK, EXIT_USAGE, main
from tests.test_cli import run_command

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = sorted((ROOT / "scenarios").glob("*.toml"))
NAMES = [path.stem for path in LIBRARY]
EXPECTED = {"default", "classroom", "grocery_dirichlet", "retail_bank", "mobile_telecom",
            "b2b_software", "captive_utility", "new_entrant"}


def test_the_library_is_complete():
    assert EXPECTED <= set(NAMES)
    bases = set()
    kinds = set()
    for path in LIBRARY:
        scenario = load_scenario(path)
        bases |= {s.basis for s in scenario.segments if s.basis}
        kinds |= {s.kind for s in scenario.segments}
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#") and text.count("\n#") >= 5, f"{path.name}: comment it"
    assert bases == {"demographic", "geographic", "psychographic", "behavioural", "needs_based",
                     "firmographic", "technographic"}
    assert kinds == {"consumer", "business"}
    assert len(load_scenario(ROOT / "scenarios" / "retail_bank.toml").categories) == 4
    assert len(load_scenario(ROOT / "scenarios" / "grocery_dirichlet.toml").firms) == 6
    classroom = load_scenario(ROOT / "scenarios" / "classroom.toml")
    assert classroom.population.customers == 2000 and len(classroom.firms) <= 3


@pytest.mark.parametrize("path", LIBRARY, ids=NAMES)
def test_each_scenario_validates_and_runs(path, tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["run", str(path), "--customers", "1500", "--periods", "3", "--no-figures",
                   "--transactions", "--out", str(out)])
    printed = capsys.readouterr()
    assert status == EXIT_OK, printed.err
    assert (out / "metrics.parquet").is_file() and (out / "segments.parquet").is_file()
    assert main(["validate", str(out / "scenario.toml")]) == EXIT_OK  # the resolved file too


def test_the_entrant_enters_when_scheduled():
    from marketsim import run

    result = run(ROOT / "scenarios" / "new_entrant.toml", customers=4000, periods=20, seed=2)
    newcomer = result.metrics[result.metrics["firm"] == "Newcomer"].set_index("period")
    assert newcomer.loc[1:12, "units"].sum() == 0
    assert newcomer.loc[20, "customers"] > 50


def _mutations(data: dict) -> list[tuple[str, object, str]]:
    """(label, change, text the error must contain) for a scenario dictionary."""
    category = next(iter(data["firms"][0]["offers"]))
    first_segment = data["segments"][0]

    def set_(path, value):
        def change(d):
            target = d
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        return change

    def drop(path):
        def change(d):
            target = d
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]
        return change

    def rename(d):
        d["segments"][0]["price_sensitivty"] = d["segments"][0].pop("price_sensitivity",
                                                                      {"mean": 1.0})

    def bad_variable(d):
        d["segments"][0].update(basis="demographic", variables={"agee": 30})

    return [
        ("wrong type", set_(["population", "customers"], "many"),
         "population.customers: must be a valid integer"),
        ("out of range", set_(["firms", 0, "offers", category, "price"], -1.0),
         f"firms[0].offers.{category}.price: must be greater than 0"),
        ("unknown key", rename,
         "segments[0].price_sensitivty: unknown field (did you mean 'price_sensitivity'?)"),
        ("missing field", drop(["categories", 0, "reference_price"]),
         "categories[0].reference_price: required field is missing"),
        ("shares not summing", set_(["segments", 0, "share"], first_segment["share"] / 2),
         "segments: shares must sum to 1"),
        ("bad variable", bad_variable,
         "segments[0].variables.agee: not a demographic variable (did you mean 'age'?)"),
        ("unknown category", set_(["firms", 1, "offers", "caviar"],
                                  {"price": 1.0, "quality": 0.5}),
         "firms[1].offers.caviar: no such category"),
    ]


@pytest.mark.parametrize("path", LIBRARY, ids=NAMES)
def test_bad_edits_name_the_field(path, tmp_path):
    original = tomllib.loads(path.read_text(encoding="utf-8"))
    for label, change, expected in _mutations(original):
        data = copy.deepcopy(original)
        change(data)
        bad = tmp_path / f"{label.replace(' ', '_')}.toml"
        bad.write_text(tomli_w.dumps(data), encoding="utf-8")
        with pytest.raises(ScenarioError) as caught:
            load_scenario(bad)
        message = str(caught.value)
        assert message.startswith(f"{bad}: invalid scenario"), (label, message)
        assert expected in message, (label, message)
        assert re.search(r"^  - line \d+: ", message, re.MULTILINE), (label, message)


def test_business_segment_errors(tmp_path):
    data = tomllib.loads((ROOT / "scenarios" / "b2b_software.toml").read_text())
    centre = data["segments"][0]["buying_centre"]
    for role in ("user", "influencer", "decider", "buyer"):
        centre[role]["weight"] = 0.0
    centre["rule"] = "unanimity"
    del data["segments"][1]["buying_centre"]
    data["segments"].append({**copy.deepcopy(data["segments"][1]), "name": "shops",
                             "kind": "consumer", "basis": "firmographic",
                             "buying_centre": {"rule": "weighted_mean"}})
    bad = tmp_path / "b2b.toml"
    bad.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    message = str(caught.value)
    assert "segments[0].buying_centre.rule: must be 'weighted_mean' or 'decider_veto'" in message
    assert "segments[1].buying_centre: required when kind = \"business\"" in message
    assert "segments[2].basis: 'firmographic' describes organisations, so use it" in message
    assert "segments[2].buying_centre: only business segments have one" in message


def test_errors_give_the_line_of_the_field(tmp_path):
    text = (ROOT / "scenarios" / "classroom.toml").read_text(encoding="utf-8")
    lines = text.splitlines()
    target = next(n for n, line in enumerate(lines, 1) if line.startswith("price_sensitivity"))
    lines[target - 1] = "price_sensitivity = { mean = -1.0, spread = 0.3 }"
    firm_line = next(n for n, line in enumerate(lines, 1) if line.startswith("promise"))
    lines[firm_line - 1] = "promis = 1.2"
    bad = tmp_path / "classroom.toml"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    message = str(caught.value)
    assert f"line {target}: segments[0].price_sensitivity.mean: must be greater" in message
    assert f"line {firm_line}: firms[0].promis: unknown field (did you mean 'promise'?)" in message


def test_validate_several_files_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    data = tomllib.loads((ROOT / "scenarios" / "retail_bank.toml").read_text())
    data["segments"][0]["share"] = 0.9
    bad.write_text(tomli_w.dumps(data), encoding="utf-8")
    done = run_command(["validate", str(ROOT / "scenarios" / "classroom.toml"), str(bad),
                        str(tmp_path / "missing.toml")], cwd=tmp_path)
    assert done.returncode == EXIT_INVALID_FILES
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.count("OK ") == 1 and done.stdout.count("FAIL") == 2
    assert "segments: shares must sum to 1" in done.stdout


def test_new_writes_a_starter_that_validates_and_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "my_market"]) == EXIT_OK
    path = tmp_path / "my_market.toml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my market: a starter scenario")
    assert load_scenario(path).market.name == "my market"
    assert main(["run", str(path), "--customers", "1000", "--periods", "2", "--no-figures",
                 "--out", str(tmp_path / "out")]) == EXIT_OK
    capsys.readouterr()
    assert main(["new", "my_market.toml"]) == EXIT_USAGE  # never overwrites
    assert "already exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == text


def test_strategy_errors_are_caught_by_validation(tmp_path):
    data = tomllib.loads((ROOT / "scenarios" / "new_entrant.toml").read_text())
    data["firms"][0].update(strategy="adaptive_price", strategy_params={"stp": 0.1})
    data["firms"][1]["strategy"] = "adaptiv_price"
    bad = tmp_path / "strategies.toml"
    bad.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    message = str(caught.value)
    assert "firms[0].strategy_params.stp: unknown field (did you mean 'step'?)" in message
    assert "firms[1].strategy: unknown strategy 'adaptiv_price' (did you mean 'adaptive_price'?)" \
        in message


def test_the_cli_reports_every_bad_edit_without_traceback(tmp_path):
    """All the bad edits of every library file through one `marketsim validate` process."""
    files, expected = [], []
    for path in LIBRARY:
        original = tomllib.loads(path.read_text(encoding="utf-8"))
        for label, change, text in _mutations(original):
            data = copy.deepcopy(original)
            change(data)
            bad = tmp_path / f"{path.stem}-{label.replace(' ', '_')}.toml"
            bad.write_text(tomli_w.dumps(data), encoding="utf-8")
            files.append(str(bad))
            expected.append(text)
    done = run_command(["validate", *files], cwd=tmp_path)
    assert done.returncode == EXIT_INVALID_FILES
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.count("FAIL") == len(files)
    for text in expected:
        assert text in done.stdout, text


def test_grocery_spend_follows_the_gamma_gamma_it_names():
    """``grocery_dirichlet.toml`` sets spend per occasion to vary within and across customers
    (``behaviour.spend``, the CDNOW shapes): the leader's RFM export supports an independent
    Gamma-Gamma fit (``tests/classic_models.py``) that recovers the file's shapes, where with
    spend alike for everyone the fit runs off to its bounds (validity row 13)."""
    from marketsim import run
    from tests.classic_models import fit_gamma_gamma

    path = ROOT / "scenarios" / "grocery_dirichlet.toml"
    spend = load_scenario(path).behaviour.spend
    assert spend is not None
    table = run(path, customers=20_000, periods=52, seed=3, transactions=True).rfm(firm="Leader")
    repeat = (table["frequency"] >= 1) & (table["monetary_value"] > 0)
    mean_spend = table.loc[repeat, "monetary_value"].to_numpy(float)
    assert mean_spend.std() / mean_spend.mean() > 0.3  # customers' mean spend differs
    fit = fit_gamma_gamma(table.loc[repeat, "frequency"].to_numpy(float), mean_spend)
    assert fit.converged
    for name, value, se in zip(fit.names[:2], fit.params[:2], fit.se[:2]):
        expected = {"p": spend.shape, "q": spend.heterogeneity}[name]
        assert abs(value - expected) < 4 * se, (name, value, se)
