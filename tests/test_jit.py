"""The on-disk kernel cache is keyed on every compiled module's source (inlined helpers)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numba
import pytest

from marketsim.kernels import jit


def _copy_compiled_sources(target: Path) -> None:
    for pattern in jit.COMPILED_SOURCES:
        for path in jit._PACKAGE.glob(pattern):
            destination = target / path.relative_to(jit._PACKAGE)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)


def test_a_changed_helper_changes_the_cache_key(tmp_path, monkeypatch):
    _copy_compiled_sources(tmp_path)
    monkeypatch.setattr(jit, "_PACKAGE", tmp_path)
    before = jit.kernel_source_digest()
    assert jit.kernel_source_digest() == before  # stable
    helper = tmp_path / "kernels" / "common.py"   # helpers inlined into every kernel
    helper.write_text(helper.read_text() + "\n# an edit\n")
    assert jit.kernel_source_digest() != before
    (tmp_path / "kernels" / "common.py").unlink()
    assert jit.kernel_source_digest() != before


@pytest.mark.skipif(os.environ.get("MARKETSIM_NO_CACHE") == "1", reason="cache switched off")
def test_numba_caches_in_the_folder_of_this_source():
    assert Path(numba.config.CACHE_DIR).name == f"marketsim-{jit.kernel_source_digest()}"
