"""The results store of a sweep: one Parquet file per finished run, a manifest, tables.

Layout of an output folder::

    runs/<key>.parquet   the metrics table of one finished run; <key> is the content hash of
                         (resolved scenario, seed, code version), see design.run_key
    manifest.jsonl       one JSON line per event: a run done or failed (with its error),
                         a sweep started or ended
    experiment.toml      a copy of the experiment file
    design.csv           the design points and their factor values
    results.parquet      one row per run, firm and output (built at the end of a sweep)
    summary.csv          mean, std and 95% interval per design point, firm and output

A run file is written to a temporary name and moved into place with ``os.replace``, so a run
file that exists is complete: a sweep killed at any moment leaves no partial file that looks
finished. The run files are the truth about what is finished; the manifest is the log.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from marketsim.errors import RunOptionError

MANIFEST = "manifest.jsonl"


class ResultsStore:
    """An experiment's output folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"

    def create(self) -> None:
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunOptionError(f"{self.root}: cannot create output folder ({exc.strerror})") from None

    def remove_partial_files(self) -> None:
        """Drop temporary files of runs interrupted while being written (never finished)."""
        for partial in [*self.runs_dir.glob(".*.tmp"), *self.root.glob(".*.tmp")]:
            partial.unlink(missing_ok=True)

    def lock(self):
        """Hold ``.lock`` in the folder while a sweep runs in it (a second sweep into the same
        folder is refused). The operating system releases it when the process ends, even by
        ``kill -9``, so a killed sweep never leaves a stale lock."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock
            return None
        handle = open(self.root / ".lock", "w")  # noqa: SIM115 - held until release
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise RunOptionError(f"{self.root}: another sweep is running in this folder") from None
        return handle

    # ------------------------------------------------------------------ runs
    def run_path(self, key: str) -> Path:
        return self.runs_dir / f"{key}.parquet"

    def finished_keys(self) -> set[str]:
        if not self.runs_dir.is_dir():
            return set()
        return {p.stem for p in self.runs_dir.glob("*.parquet")}

    def write_run(self, key: str, metrics: pd.DataFrame, info: dict[str, Any]) -> Path:
        """Write a finished run's metrics atomically (temporary file, then ``os.replace``)."""
        final = self.run_path(key)
        partial = self.runs_dir / f".{key}.{os.getpid()}.tmp"
        table = metrics.copy()
        table.attrs = {}
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = pa.Table.from_pandas(table, preserve_index=False)
        meta = dict(arrow.schema.metadata or {})
        meta[b"marketsim.run"] = json.dumps(info, sort_keys=True).encode()
        pq.write_table(arrow.replace_schema_metadata(meta), partial)
        os.replace(partial, final)
        return final

    def read_run(self, key: str, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self.run_path(key), columns=columns)

    # ------------------------------------------------------------------ manifest
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def log(self, event: str, **fields: Any) -> None:
        """Append one event line to the manifest (one write call: a line is whole or absent
        but for a kill in the middle of it, which :meth:`manifest` skips)."""
        record = {"event": event, "time": round(time.time(), 3), **fields}
        line = json.dumps(record, sort_keys=True, default=str) + "\n"
        with open(self.manifest_path, "a", encoding="utf-8") as handle:
            handle.write(line)

    def manifest(self) -> list[dict[str, Any]]:
        """Every whole line of the manifest (a line cut by a kill is skipped)."""
        if not self.manifest_path.exists():
            return []
        records = []
        for line in self.manifest_path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records

    def failures(self) -> dict[str, dict[str, Any]]:
        """The last failure of each run that has no finished file."""
        finished = self.finished_keys()
        failed = {}
        for record in self.manifest():
            if record.get("event") == "failed" and record.get("key") not in finished:
                failed[record["key"]] = record
        return failed

    # ------------------------------------------------------------------ tables
    def write_table(self, frame: pd.DataFrame, name: str) -> Path:
        """Write a table (``.csv`` or ``.parquet`` by the name) atomically."""
        path = self.root / name
        partial = self.root / f".{name}.{os.getpid()}.tmp"
        if name.endswith(".csv"):
            frame.to_csv(partial, index=False)
        else:
            frame.to_parquet(partial, index=False)
        os.replace(partial, path)
        return path

    def write_text(self, text: str, name: str) -> Path:
        path = self.root / name
        partial = self.root / f".{name}.{os.getpid()}.tmp"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
        return path


def host() -> str:
    return socket.gethostname()


def count_events(records: Iterable[dict[str, Any]], event: str) -> dict[str, int]:
    """How many times each run key has an event (``done``, ``failed``) in the manifest."""
    counts: dict[str, int] = {}
    for record in records:
        if record.get("event") == event and "key" in record:
            counts[record["key"]] = counts.get(record["key"], 0) + 1
    return counts
