"""Fuzz tests: mutated scenario and experiment files through the command line (issue #21).

Every case is a mutant of a shipped file (:mod:`tests.fuzzing`, seed 0, so the same files on
every machine) put through ``marketsim validate`` and, when valid, a short ``marketsim run``;
experiments through ``marketsim sweep --dry-run`` and, when small, a serial sweep. A case
passes when it ends in a clear message (exit status 2, the file named) or runs with sound
numbers: no traceback, no hang (each case has a time limit), no NaN or infinity where the
numbers are defined. ``benchmarks/fuzz.py`` runs the same checks over ten thousand cases.
"""

from __future__ import annotations

import math
import re
import sys

import pytest
import tomli_w

from tests import fuzzing

pytestmark = pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"),
                                reason="the per-case time limit needs SIGALRM")

#: Cases in the normal suite (the script runs 10,000 and 2,000).
SCENARIO_CASES = 240
EXPERIMENT_CASES = 80
#: Seconds a case may take once the kernels are compiled (they take about 0.1 s).
LIMIT_S = 20.0


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    fuzzing.warm_kernels()  # compile before anything is timed
    return tmp_path_factory.mktemp("fuzz")


def _explain(mutant: fuzzing.Mutant, outcome: fuzzing.Outcome) -> str:
    return f"{mutant.label}: {outcome.kind} at {outcome.stage}\n{outcome.detail}"


@pytest.mark.parametrize("index", range(SCENARIO_CASES))
def test_scenario_mutant(index, workdir):
    mutant = fuzzing.scenario_mutant(index)
    outcome = fuzzing.check_scenario(mutant, workdir, run=True, limit=LIMIT_S)
    assert not outcome.failed, _explain(mutant, outcome)


@pytest.mark.parametrize("index", range(EXPERIMENT_CASES))
def test_experiment_mutant(index, workdir):
    mutant = fuzzing.experiment_mutant(index)
    outcome = fuzzing.check_experiment(mutant, workdir, sweep=True, limit=LIMIT_S * 1.5)
    assert not outcome.failed, _explain(mutant, outcome)


def test_mutants_are_deterministic():
    """Case i is the same file every time (the suite and the script agree on it)."""
    for index in (0, 7, 123):
        assert fuzzing.scenario_mutant(index).data == fuzzing.scenario_mutant(index).data
        assert fuzzing.experiment_mutant(index).data == fuzzing.experiment_mutant(index).data
    assert fuzzing.scenario_mutant(1).data != fuzzing.scenario_mutant(2).data
    assert fuzzing.scenario_mutant(1, seed=1).data != fuzzing.scenario_mutant(1, seed=0).data


def test_the_mix_exercises_every_outcome(workdir):
    """The mutants are not all refused: some are valid and run, so the run stage is tested."""
    kinds = {fuzzing.check_scenario(fuzzing.scenario_mutant(i), workdir, limit=LIMIT_S).kind
             for i in range(40)}
    assert {"clear_error", "ran"} <= kinds


def test_the_checks_can_fail(workdir, monkeypatch):
    """The harness notices a traceback, a hang and a NaN (each made on purpose here)."""
    from marketsim.scenario import schema

    mutant = fuzzing.Mutant("scenario", 0, "scenarios/classroom.toml", ("none",),
                            (fuzzing.ROOT / "scenarios" / "classroom.toml").read_bytes())

    def crash(path):
        raise RuntimeError("boom")

    monkeypatch.setattr(schema, "load_scenario", crash)
    assert fuzzing.check_scenario(mutant, workdir, run=False).kind == "traceback"

    def slow(path):
        import time

        time.sleep(5)

    monkeypatch.setattr(schema, "load_scenario", slow)
    assert fuzzing.check_scenario(mutant, workdir, run=False, limit=0.5).kind == "hang"
    monkeypatch.undo()
    assert fuzzing.check_scenario(mutant, workdir, run=True).kind == "ran"


def test_metrics_problems_find_nan_inf_and_bad_shares():
    import marketsim

    result = marketsim.run(fuzzing.ROOT / "scenarios" / "classroom.toml", customers=300,
                           periods=3, seed=1, threads=1)
    metrics = result.metrics
    assert fuzzing.metrics_problems(metrics) == []
    for column, value, expected in (("revenue", math.nan, "revenue is NaN"),
                                    ("profit", math.inf, "infinite"),
                                    ("market_share_units", 1.5, "outside [0, 1]"),
                                    ("units", -1, "units negative")):
        broken = metrics.copy()
        broken.loc[0, column] = value
        problems = "; ".join(fuzzing.metrics_problems(broken))
        assert expected in problems, (column, problems)
    broken = metrics.copy()
    broken.loc[broken["customers"] > 0, "mean_satisfaction"] = math.nan
    assert "mean_satisfaction is NaN where customers > 0" in "; ".join(
        fuzzing.metrics_problems(broken))


# ----------------------------------------------------------------------------- regressions
def _experiment(tmp_path, change) -> str:
    """``sweep --dry-run`` of the small price experiment after ``change(data)``: the output."""
    import tomllib

    data = fuzzing._small_experiment(tomllib.loads(
        (fuzzing.ROOT / "experiments" / "price_head_to_head.toml").read_text("utf-8")))
    change(data)
    path = tmp_path / "experiment.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    code, output, crash = fuzzing.call_cli(["sweep", str(path), "--dry-run", "--executor",
                                            "serial", "--out", str(tmp_path / "sweep")])
    assert crash is None, crash
    assert code == 2, output
    assert str(path) in output
    return output


def test_a_window_too_long_is_refused_when_the_file_is_read(tmp_path):
    """Found by the fuzzer (experiment mutant 64): ``window = 99999999999999999999`` passed
    ``--dry-run`` and the sweep crashed with an OverflowError after every run was computed."""
    def huge_window(data):
        data["outputs"][0]["window"] = 99999999999999999999

    output = _experiment(tmp_path, huge_window)
    assert "outputs.0.window" in output or "outputs[0].window" in output
    assert "100,000" in output


if __name__ == "__main__":  # a quick look at one case: python tests/test_fuzz.py scenario 12
    kind, index = sys.argv[1], int(sys.argv[2])
    make = fuzzing.scenario_mutant if kind == "scenario" else fuzzing.experiment_mutant
    sys.stdout.buffer.write(make(index).data)


def test_a_firm_called_nan_is_not_a_nan_in_the_summary():
    """Found by benchmarks/fuzz.py (seed 1, scenario mutant 5231): a firm renamed "nan" was
    taken for an undefined number in the printed summary; a real "nan" cell still counts."""
    output = ("marketsim 0.1.0  nan: 200 customers\n"
              "  Firm  Customers  Profit\n  nan   25   86\n  Other  0  0\nWrote 9 files\n")
    assert not re.search(r"\bnan\b", fuzzing._summary_block(output, ["nan", "Other"]))
    broken = output.replace("86", "nan")
    assert re.search(r"\bnan\b", fuzzing._summary_block(broken, ["nan", "Other"]))
