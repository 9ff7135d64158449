"""Writing outputs so that a failure never leaves a truncated file or a half-written run.

* :func:`check_writable`: before a run or a sweep starts, a small probe file is written and
  removed where the outputs will go, so an unwritable ``--out`` (read-only, a file in the way,
  a full disk) is reported at once instead of after the whole simulation.
* :func:`write_atomic`: one file written under a temporary name beside it (``.NAME.PID.tmp``),
  then moved into place with ``os.replace``: the file is the old one or the new one, whole.
* :func:`staged_folder`: a run folder written into a temporary sibling folder and put in place
  only once every file is written: a run folder that does not exist yet, or that holds only a
  run's files, is replaced as a whole (an atomic exchange where Linux offers it); a folder that
  holds other files too gets each file moved in with ``run.json`` last, after the old
  ``run.json`` was removed first, so that an interrupted update leaves a folder that
  ``marketsim report`` refuses (no ``run.json``), never a mixture that looks whole.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from marketsim.errors import RunOptionError

#: The files ``RunResult.save`` and ``build_report`` write into a run folder: a folder holding
#: only these is a run folder and is replaced as a whole; ``run.json`` is moved in last.
RUN_FILES = frozenset({
    "metrics.parquet", "transactions.parquet", "segments.parquet", "scenario.toml", "run.json",
    "state.npz", "levers.parquet", "report.html", "share_vs_share_of_customer.png",
    "market_share.png", "share_of_customer.png", "retention.png", "satisfaction.png",
    "dirichlet_table.png", "whale_curve.png", "clv_distribution.png",
    "satisfaction_loyalty.png", "tie_decomposition.png", "cost_to_serve.png",
    "checkpoint.marketsim"})  # a finished save removes the run's checkpoint
COMMIT_FILE = "run.json"
#: Bytes the writability probe writes (one page: a full disk refuses it).
PROBE_BYTES = 4096


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable(folder: str | Path) -> None:
    """A :class:`RunOptionError` unless files can be written in ``folder`` (created later if
    need be): a probe file of :data:`PROBE_BYTES` is written and removed there, or in the
    nearest folder above it that exists."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RunOptionError(f"{folder}: output path exists and is not a folder")
    where = _nearest_existing(folder)
    if not where.is_dir():
        raise RunOptionError(f"{folder}: cannot create output folder ({where} is not a folder)")
    try:
        handle, name = tempfile.mkstemp(prefix=".marketsim-probe-", suffix=".tmp", dir=where)
        try:
            os.write(handle, b"\0" * PROBE_BYTES)
        finally:
            os.close(handle)
            os.unlink(name)
    except OSError as exc:
        raise RunOptionError(f"{folder}: cannot write there ({exc.strerror or exc}); choose "
                             "another --out") from None


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)``, then move that file to ``path``; on any failure the
    temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    partial = _partial(path)
    try:
        write(partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); ``False`` where the
    system cannot."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _whole_folder(out: Path) -> bool:
    """Whether ``out`` may be replaced as a whole: absent, or a run folder holding only a run's
    files (never a link, the working folder or a mount point)."""
    if not out.exists() and not out.is_symlink():
        return True
    if out.is_symlink() or not out.is_dir() or os.path.ismount(out) or (
            out.resolve() == Path.cwd().resolve()):
        return False
    names = {entry.name for entry in out.iterdir()}
    return COMMIT_FILE in names and names <= RUN_FILES and all(
        (out / name).is_file() and not (out / name).is_symlink() for name in names)


def _replace_files(stage: Path, out: Path) -> None:
    """Move the staged files into ``out`` one by one: the old ``run.json`` first away, old run
    files the new run did not write removed, the new ``run.json`` last."""
    out.mkdir(parents=True, exist_ok=True)
    (out / COMMIT_FILE).unlink(missing_ok=True)
    new = {p.name for p in stage.iterdir()}
    for name in sorted(RUN_FILES - new):
        (out / name).unlink(missing_ok=True)
    for name in sorted(new - {COMMIT_FILE}) + sorted(new & {COMMIT_FILE}):
        os.replace(stage / name, out / name)


def _put_in_place(stage: Path, out: Path, whole: bool) -> None:
    if whole and not out.exists():
        os.rename(stage, out)
    elif whole and _exchange(stage, out):
        pass  # the old folder is now at the stage's name (removed by the caller)
    else:
        _replace_files(stage, out)


_STAGE = ".{name}.saving-{pid}-"


def _remove_abandoned(where: Path, name: str) -> None:
    """Remove staging folders of ``name`` left by a save that was killed (its process gone)."""
    prefix = f".{name}.saving-"
    with contextlib.suppress(OSError):
        for entry in where.iterdir():
            if not (entry.name.startswith(prefix) and entry.is_dir()):
                continue
            pid = entry.name[len(prefix):].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier save of this process, which would have removed it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _make_stage(parent: Path, name: str) -> Path:
    """A new, empty staging folder for ``name`` in ``parent`` (created if need be)."""
    stage = parent / (_STAGE.format(name=name, pid=os.getpid()) + secrets.token_hex(4))
    parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(parent, name)
    stage.mkdir()  # the umask's permissions, as a folder made by mkdir -p
    return stage


@contextlib.contextmanager
def staged_folder(out: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder to write a run into; on a clean exit put its files at
    ``out`` (as the module says), on an error remove it and leave ``out`` untouched. A write
    that fails with an ``OSError`` (a full disk) becomes a :class:`RunOptionError` naming the
    file and saying that ``out`` was not changed."""
    out = Path(out)
    check_writable(out)
    whole = _whole_folder(out)
    try:
        stage = _make_stage(out.absolute().parent if whole else out, out.name)
    except OSError as exc:
        if not (whole and out.is_dir()):
            raise RunOptionError(f"{out}: cannot create output folder ({exc.strerror})") from None
        whole = False  # the folder above is read-only, the run folder is not: file by file
        stage = _make_stage(out, out.name)
    try:
        yield stage
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        name = Path(exc.filename).name if exc.filename else ""
        cause = exc.strerror or (errno.errorcode.get(exc.errno, "") if exc.errno else "") or exc
        raise RunOptionError(f"{out}: writing the run failed{f' at {name}' if name else ''} "
                             f"({cause}); {out} was left as it was") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    try:
        _put_in_place(stage, out, whole)
    except OSError as exc:
        raise RunOptionError(f"{out}: moving the finished files into place failed "
                             f"({exc.strerror or exc})") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
