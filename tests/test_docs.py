"""Documentation generated from code stays current."""

from pathlib import Path

from marketsim.market.model import MarketModel
from marketsim.market.population import bytes_per_customer
from marketsim.scenario import field_docs
from tests.helpers import scenario

ROOT = Path(__file__).resolve().parents[1]


def test_parameter_reference_is_current():
    text = (ROOT / "docs" / "parameters.md").read_text()
    assert text.strip() == field_docs.markdown().strip(), (
        "docs/parameters.md is stale: "
        "run python -m marketsim.scenario.field_docs > docs/parameters.md")


def test_state_size_estimate_matches_allocation():
    sc = scenario(customers=1000, n_firms=5, categories=1)
    model = MarketModel(sc, seed=1)
    assert model.state_bytes() == 1000 * bytes_per_customer(5, 1, 8) + 8  # indptr has N + 1 entries


def test_scenario_guide_reference_is_current():
    text = (ROOT / "docs" / "scenarios.md").read_text()
    assert field_docs.scenarios_reference() in text, (
        "docs/scenarios.md is stale: run python -m marketsim.scenario.field_docs --scenarios "
        "docs/scenarios.md")
    assert text.index("# Writing scenarios") < text.index(field_docs.BEGIN)  # the guide stays


def _dotted_paths(text: str) -> set[str]:
    import re

    return {m.rstrip(".") for m in re.findall(r"\bmarketsim(?:\.[A-Za-z_][A-Za-z0-9_]*)+", text)}


def test_every_dotted_path_in_the_docs_exists():
    """``marketsim.x.y`` names in README.md and docs/ are modules, or names in them."""
    import importlib

    missing = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for dotted in sorted(_dotted_paths(path.read_text(encoding="utf-8"))):
            parts = dotted.split(".")
            for cut in range(len(parts), 0, -1):
                try:
                    target = importlib.import_module(".".join(parts[:cut]))
                except ModuleNotFoundError:
                    continue
                try:
                    for name in parts[cut:]:
                        target = getattr(target, name)
                except AttributeError:
                    missing.append(f"{path.name}: {dotted}")
                break
            else:
                missing.append(f"{path.name}: {dotted}")
    assert missing == []


def test_every_source_file_the_docs_name_exists():
    """Backticked ``room/module.py`` paths in README.md and docs/ name files that exist (in the
    package, or from the repository root: ``tests/...``, ``benchmarks/...``)."""
    import re

    package = ROOT / "src" / "marketsim"
    missing = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for name in sorted(set(re.findall(r"`([\w./]+/[\w]+\.py)`", path.read_text("utf-8")))):
            if not ((package / name).is_file() or (ROOT / name).is_file()):
                missing.append(f"{path.name}: {name}")
    assert missing == []


def test_every_link_and_cited_file_in_the_docs_can_be_opened():
    """Relative links of README.md and docs/ resolve to files in the repository, and the files
    cited by name (MODEL.md, PERFORMANCE.md) ship in docs/: a user can open everything the
    docs point at (issue #21, first contact)."""
    import re

    missing = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text("utf-8")
        for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (path.parent / target).exists():
                missing.append(f"{path.name}: {target}")
        for cited in set(re.findall(r"\b([A-Z]+\.md)\b", text)) - {"README.md"}:
            if not (ROOT / "docs" / cited).is_file() and not (ROOT / cited).is_file():
                missing.append(f"{path.name}: cites {cited}")
        if "shared folder" in text or "../shared" in text:
            missing.append(f"{path.name}: cites the project's shared folder")
    assert missing == []
