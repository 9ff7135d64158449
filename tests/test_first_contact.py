"""What a first-time user is told while nothing seems to happen (issue #21, first contact): the
one-off compilation of the kernels and the unrecorded warm-up."""

from __future__ import annotations

from pathlib import Path

import numba

from marketsim.cli import main
from marketsim.kernels.jit import cache_is_warm

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"


def test_cache_is_warm_only_with_the_period_kernel_compiled(tmp_path, monkeypatch):
    monkeypatch.delenv("MARKETSIM_NO_CACHE", raising=False)
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    assert not cache_is_warm()                       # an empty cache: the first run compiles
    other = tmp_path / "kernels_x" / "awareness.become_aware_all-3.py311.nbi"
    other.parent.mkdir()
    other.write_bytes(b"")
    assert not cache_is_warm()                       # some kernels, not the period
    (other.parent / "period.customer_period-68.py311.nbi").write_bytes(b"")
    assert cache_is_warm()
    monkeypatch.setenv("MARKETSIM_NO_CACHE", "1")    # no cache: every run compiles
    assert not cache_is_warm()


def test_run_says_it_warms_up(tmp_path, capsys):
    assert main(["run", str(CLASSROOM), "--customers", "300", "--periods", "2",
                 "--set", "market.warmup_periods=3", "--no-figures",
                 "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "Warm-up: 3 unrecorded weeks first" in out
