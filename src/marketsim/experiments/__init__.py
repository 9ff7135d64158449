"""Experiments: sweeps over scenario fields, replicated over seeds, on any executor, resumable.

- :mod:`~marketsim.experiments.experiment_file`: the schema of experiment files;
- :mod:`~marketsim.experiments.design`: their design points, runs and seeds;
- :mod:`~marketsim.experiments.paths`: scenario fields by dotted path;
- :mod:`~marketsim.experiments.executors`: serial, local processes, Dask;
- :mod:`~marketsim.experiments.store`: run files, manifest, tables of an output folder;
- :mod:`~marketsim.experiments.sweep`: running a sweep (``marketsim sweep``);
- :mod:`~marketsim.experiments.analysis`: summaries, comparisons, effects and figures;
- :mod:`~marketsim.experiments.programmes`: the return on each retention programme from
  paired runs with and without it;
- :mod:`~marketsim.experiments.many`: ``run_many``, one scenario over seeds with any
  measure (log measures included) and trajectories with 95% intervals;
- :mod:`~marketsim.experiments.replicate`: any function of a seed over seeds, on any
  executor, and the 95% interval over seeds;
- :mod:`~marketsim.experiments.studies`: the classic studies (``marketsim study``).

See ``docs/experiments.md``.
"""

__all__ = ["DaskExecutor", "Experiment", "ExperimentError", "ManyResult", "ProcessExecutor",
           "SerialExecutor", "SweepReport", "load_experiment", "parse_experiment", "run_many",
           "run_sweep"]

#: Where each public name lives: loaded on first use, so that ``marketsim --help`` and
#: ``marketsim run`` do not import the sweep machinery (pandas, the kernels) up front.
_HOMES = {"Experiment": "design", "load_experiment": "design", "parse_experiment": "design",
          "DaskExecutor": "executors", "ProcessExecutor": "executors",
          "SerialExecutor": "executors", "ExperimentError": "experiment_file",
          "SweepReport": "sweep", "run_sweep": "sweep", "run_many": "many",
          "ManyResult": "many"}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home == "design":
        from marketsim.experiments import design as module
    elif home == "executors":
        from marketsim.experiments import executors as module
    elif home == "experiment_file":
        from marketsim.experiments import experiment_file as module
    elif home == "sweep":
        from marketsim.experiments import sweep as module
    elif home == "many":
        from marketsim.experiments import many as module
    else:
        raise AttributeError(f"module 'marketsim.experiments' has no attribute {name!r}")
    return getattr(module, name)
