"""Checkpoints of one long run: the whole state written every K periods, resumable.

A checkpoint holds everything the rest of the run depends on: the population arrays, the
firms (Mesa agents) with their strategies' memory, the Mesa model's random generators, the
metrics and transaction log so far, and the run's options. The customers' random numbers are
counter-based (a hash of seed, period, customer and stream), so a run resumed from a
checkpoint is bit-identical to one that was never interrupted (``tests/test_checkpoint.py``
checks this with a real ``kill -9``).

File format (``checkpoint.marketsim`` in the run's output folder): a first line
``MARKETSIM-CHECKPOINT``, a second line of JSON (format, marketsim version, scenario, seed,
period, periods, the pickle's length and its HMAC-SHA256), then the pickle of the state. It is
written atomically (:func:`marketsim.outputs.atomic.write_atomic`): a kill while writing
leaves the previous checkpoint.

Safety: reading a pickle can run code, and a scenario file must never run code unasked
(``docs/reliability.md``). Each checkpoint is therefore signed with a key kept for this user
on this machine (``$XDG_CACHE_HOME/marketsim/checkpoint.key``, or ``MARKETSIM_CHECKPOINT_KEY``
naming the file, created with mode 0600). A checkpoint whose signature does not match, one
written elsewhere or altered, is refused before anything is unpickled unless the caller says
it trusts it (``marketsim resume --allow-code``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marketsim.errors import MarketsimError

#: The checkpoint's file name in a run's output folder.
CHECKPOINT_FILE = "checkpoint.marketsim"
MAGIC = b"MARKETSIM-CHECKPOINT\n"
#: Bumped when the state's layout changes; an older checkpoint is refused with a message.
FORMAT = 1
#: The longest header line read (a damaged file cannot make the reader allocate more).
MAX_HEADER = 64 * 1024


class CheckpointError(MarketsimError):
    """A checkpoint cannot be written or resumed (missing, damaged, foreign, incompatible)."""


@dataclass
class RunCheckpoint:
    """A run in flight: the model and what the caller needs to finish and save it."""

    model: Any  #: the :class:`~marketsim.market.model.MarketModel`, mid-run
    seed: int
    transactions: bool
    keep_state: bool
    allow_code: bool
    tracker: Any = None  #: the :class:`~marketsim.measures.segments.SegmentTracker`, if any
    #: seconds spent so far: ``setup_s`` and ``periods_s`` (a resumed run's timings add up)
    timings: dict[str, float] = field(default_factory=dict)
    #: how the command line saves the finished run: ``out``, ``figures``, ``report``
    save: dict[str, Any] = field(default_factory=dict)
    #: write a checkpoint every this many periods into ``folder`` (``None``: never)
    every: int | None = None
    folder: str | None = None
    threads: int = 1  #: Numba threads of the last session (results do not depend on it)

    @property
    def period(self) -> int:
        return int(self.model.period)


def _key_path() -> Path:
    named = os.environ.get("MARKETSIM_CHECKPOINT_KEY")
    if named:
        return Path(named)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "marketsim" / "checkpoint.key"


def _key(create: bool) -> bytes | None:
    """This user's signing key (created on first use when ``create``), or ``None``."""
    path = _key_path()
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        if not create:
            return None
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key.hex())
    except FileExistsError:  # another process created it first
        return _key(create=False)
    except OSError:
        return None  # unsigned: resuming it will need the caller's explicit trust
    return key


def _signature(key: bytes | None, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest() if key is not None else ""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("marketsim")
    except PackageNotFoundError:
        return "unknown"


def save_checkpoint(folder: str | Path, checkpoint: RunCheckpoint) -> Path:
    """Write ``checkpoint`` to ``folder/checkpoint.marketsim`` atomically; return its path."""
    from marketsim.outputs.atomic import write_atomic

    folder = Path(folder)
    body = pickle.dumps(checkpoint, protocol=pickle.HIGHEST_PROTOCOL)
    scenario = checkpoint.model.scenario
    header = {"format": FORMAT, "marketsim": _version(), "scenario": scenario.market.name,
              "seed": checkpoint.seed, "period": checkpoint.period,
              "periods": scenario.market.periods, "bytes": len(body),
              "sha256": hashlib.sha256(body).hexdigest(),
              "hmac_sha256": _signature(_key(create=True), body)}

    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(MAGIC)
            handle.write(json.dumps(header).encode() + b"\n")
            handle.write(body)

    folder.mkdir(parents=True, exist_ok=True)
    return write_atomic(folder / CHECKPOINT_FILE, write)


def _where(path: str | Path) -> Path:
    path = Path(path)
    return path / CHECKPOINT_FILE if path.is_dir() else path


def read_header(path: str | Path) -> dict[str, Any]:
    """The checkpoint's header (no unpickling): what it is and how far the run got."""
    header, _ = _read(_where(path))
    return header


def _read(path: Path) -> tuple[dict[str, Any], bytes]:
    if not path.is_file():
        raise CheckpointError(f"{path}: no checkpoint here (a run writes one with "
                              "`marketsim run ... --checkpoint-every K`)")
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                raise CheckpointError(f"{path}: not a marketsim checkpoint")
            line = handle.readline(MAX_HEADER)
            body = handle.read()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        header = json.loads(line)
        if not isinstance(header, dict):
            raise ValueError
    except ValueError:
        raise CheckpointError(f"{path}: damaged checkpoint (its header is not readable)") from None
    if header.get("format") != FORMAT:
        raise CheckpointError(
            f"{path}: checkpoint format {header.get('format')!r} written by marketsim "
            f"{header.get('marketsim', '?')}; this marketsim reads format {FORMAT}: finish the "
            "run with the version that started it, or start it again")
    if len(body) != header.get("bytes") or (
            hashlib.sha256(body).hexdigest() != header.get("sha256")):
        raise CheckpointError(f"{path}: damaged checkpoint (truncated or altered: its content "
                              "does not match its checksum)")
    return header, body


def load_checkpoint(path: str | Path, *, trust: bool = False) -> RunCheckpoint:
    """The :class:`RunCheckpoint` in ``path`` (a checkpoint file or the run folder holding it).

    Refuses (:class:`CheckpointError`) a missing, damaged or incompatible file, and, unless
    ``trust``, one not signed by this user's key on this machine, before unpickling anything.
    """
    path = _where(path)
    header, body = _read(path)
    key = _key(create=False)
    signed = bool(header.get("hmac_sha256")) and key is not None and hmac.compare_digest(
        _signature(key, body), str(header.get("hmac_sha256")))
    if not (signed or trust):
        raise CheckpointError(
            f"{path}: this checkpoint was not written by you on this machine (its signature "
            "does not match your key); resuming it unpickles Python objects, which can run "
            "code: pass --allow-code (allow_code=True) only if you trust where it came from")
    try:
        checkpoint = pickle.loads(body)
    except Exception as exc:  # an incompatible class layout, a missing user strategy module
        raise CheckpointError(f"{path}: cannot restore the run ({type(exc).__name__}: "
                              f"{exc})") from None
    if not isinstance(checkpoint, RunCheckpoint):
        raise CheckpointError(f"{path}: not a run checkpoint")
    return checkpoint


def remove_checkpoint(folder: str | Path) -> None:
    """Remove the checkpoint in ``folder`` (the finished run no longer needs it)."""
    (Path(folder) / CHECKPOINT_FILE).unlink(missing_ok=True)
