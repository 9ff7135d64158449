"""The browser-side files of Solara's page, fetched once for machines that cannot reach a CDN.

Solara's page loads its JavaScript and styles (the Vuetify app, RequireJS, Font Awesome) from a
CDN through the server, which keeps a copy in its asset cache. On a machine that reaches the
npm registry but not the CDN (a classroom behind a proxy, this project's CI) the page would
never load. :func:`ensure_assets` fills the cache from the npm registry instead, with the
machine's own ``npm pack`` (the same packages, by name and version), once; where npm is missing
it leaves the CDN to Solara. The packages are read from Solara's own page template, so they
follow Solara's version.

The cache is ``SOLARA_ASSETS_PROXY_CACHE_DIR`` when set, else ``marketsim/solara-cdn`` in the
user's cache folder (``XDG_CACHE_HOME`` or ``~/.cache``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from importlib.util import find_spec
from pathlib import Path

#: The environment variable Solara reads its asset cache folder from.
CACHE_VARIABLE = "SOLARA_ASSETS_PROXY_CACHE_DIR"

_PACKAGE = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/")


def cache_dir() -> Path:
    """The asset cache folder the dashboard's server uses."""
    named = os.environ.get(CACHE_VARIABLE)
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "marketsim" / "solara-cdn"


def required_packages() -> list[str]:
    """The npm packages (``name@version``) Solara's page loads, from its template."""
    spec = find_spec("solara")
    template = Path(spec.origin).parent / "server" / "templates" / "solara.html.j2"
    found = set(_PACKAGE.findall(template.read_text(encoding="utf-8")))
    found.add("font-awesome@4.5.0")  # solara.server.settings.assets.fontawesome_path
    return sorted(found)


def missing_packages(folder: Path | None = None) -> list[str]:
    """The required packages not in the cache yet."""
    folder = cache_dir() if folder is None else folder
    return [name for name in required_packages() if not (folder / name).is_dir()]


def ensure_assets(folder: Path | None = None, timeout: float = 180.0) -> str | None:
    """Fetch the missing packages into the cache with ``npm pack``; None when the cache is
    complete, else one line saying why it is not (no npm, the registry refused)."""
    folder = cache_dir() if folder is None else folder
    missing = missing_packages(folder)
    if not missing:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return ("npm is not installed, so the page's scripts come from Solara's CDN (install "
                "Node.js and npm where the CDN cannot be reached)")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="marketsim-assets-") as work:
        try:
            done = subprocess.run([npm, "pack", *missing, "--silent"], cwd=work, timeout=timeout,
                                  capture_output=True, text=True)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"npm pack of the page's scripts failed ({exc})"
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            return f"npm pack of the page's scripts failed: {reason}"
        for name, archive in zip(missing, done.stdout.split()):
            _unpack(Path(work) / archive, folder / name)
    return None


def _unpack(archive: Path, target: Path) -> None:
    """Unpack an npm tarball's ``package/`` into ``target`` (whole, or not at all)."""
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent if target.parent.exists()
                                    else None))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / "package", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
