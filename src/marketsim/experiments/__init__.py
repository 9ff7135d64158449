"""Experiments: sweeps over scenario fields, replicated over seeds, on any executor, resumable.

- :mod:`~marketsim.experiments.experiment_file`: the schema of experiment files;
- :mod:`~marketsim.experiments.design`: their design points, runs and seeds;
- :mod:`~marketsim.experiments.paths`: scenario fields by dotted path;
- :mod:`~marketsim.experiments.executors`: serial, local processes, Dask;
- :mod:`~marketsim.experiments.store`: run files, manifest, tables of an output folder;
- :mod:`~marketsim.experiments.sweep`: running a sweep (``marketsim sweep``);
- :mod:`~marketsim.experiments.analysis`: summaries, comparisons, effects and figures;
- :mod:`~marketsim.experiments.programmes`: the return on each retention programme from
  paired runs with and without it.

See ``docs/experiments.md``.
"""

from marketsim.experiments.design import Experiment, load_experiment, parse_experiment
from marketsim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from marketsim.experiments.experiment_file import ExperimentError
from marketsim.experiments.sweep import SweepReport, run_sweep

__all__ = ["DaskExecutor", "Experiment", "ExperimentError", "ProcessExecutor", "SerialExecutor",
           "SweepReport", "load_experiment", "parse_experiment", "run_sweep"]
