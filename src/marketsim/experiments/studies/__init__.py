"""The classic studies: one command each (``marketsim study NAME``), a figure, a table with
95% intervals over seeds and an honest verdict against the literature (``docs/studies.md``).

Each study is a module of this package: its ``STUDY`` (a
:class:`~marketsim.experiments.studies.base.Study`: the claim, its source, the scenario files
and the quick and full sizes) is the experiment's description; ``measure``, ``holds``,
``figure`` and ``report`` turn the runs into ``results/<name>/figure.png`` (``.pdf``,
``.svg``), ``table.csv``, ``report.md`` and ``verdict.json``
(:func:`~marketsim.experiments.studies.base.write_study`). Studies read the shipped scenario
files, so they run from a source checkout.
"""

from __future__ import annotations

import importlib

from marketsim.errors import RunOptionError, did_you_mean

#: The studies, in the order of issue #19's list (module names).
STUDIES = ("mass_vs_centric", "retention_economics", "satisfaction_loyalty", "which_tie",
           "promise_sweep",
           "relationship_levels",
           "double_jeopardy", "new_entrant", "customer_base", "satisfaction_chain",
           "classic_nulls")


def get_study(name: str):
    """The module of the study ``name``; a :class:`RunOptionError` naming the studies if none."""
    if name not in STUDIES:
        raise RunOptionError(f"no study named {name!r}{did_you_mean(name, STUDIES)}; the studies "
                             f"are {', '.join(STUDIES)} (marketsim study --list)")
    return importlib.import_module(f"marketsim.experiments.studies.{name}")


def run_study(name: str, *, quick: bool = False, out="results", seeds=None, workers: int = 1,
              root=None, progress=None, executor=None):
    """Run the study ``name`` and write its files into ``out/<name>``: returns its
    :class:`~marketsim.experiments.studies.base.Findings` and the paths written.

    >>> from marketsim.experiments.studies import run_study
    >>> findings, files = run_study("mass_vs_centric", quick=True, workers=2)
    >>> findings.holds, findings.table
    """
    from marketsim.experiments.studies.base import make_config, write_study

    module = get_study(name)
    config = make_config(module.STUDY, quick=quick, seeds=seeds, workers=workers, root=root,
                         progress=progress)
    return write_study(module, config, out, executor)


__all__ = ["STUDIES", "get_study", "run_study"]
