"""Experiments: sweeps over scenario fields, replicated over seeds, on any executor, resumable.

- :mod:`~marketsim.experiments.design`: experiment files and their design points and seeds;
- :mod:`~marketsim.experiments.paths`: scenario fields by dotted path;
- :mod:`~marketsim.experiments.executors`: serial, local processes, Dask;
- :mod:`~marketsim.experiments.store`: run files, manifest, tables of an output folder;
- :mod:`~marketsim.experiments.sweep`: running a sweep (``marketsim sweep``);
- :mod:`~marketsim.experiments.analysis`: summaries, comparisons, effects and figures.

See ``docs/experiments.md``.
"""

from marketsim.experiments.design import (
           Experiment,
           ExperimentError,
           load_experiment,
           parse_experiment,
)
from marketsim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from marketsim.experiments.sweep import SweepReport, run_sweep

__all__ = ["DaskExecutor", "Experiment", "ExperimentError", "ProcessExecutor", "SerialExecutor",
           "SweepReport", "load_experiment", "parse_experiment", "run_sweep"]
