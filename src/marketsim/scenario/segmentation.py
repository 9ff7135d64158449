"""Segmentation bases: the seven ways a scenario can say who a segment's customers are.

A segment names its *basis* and its *variables* (``basis = "demographic"``, ``variables =
{ age_band = "25-34", income = "high" }``). The basis and variables describe the segment: they
are carried into results (segment breakdowns, :mod:`marketsim.measures.segments`) and checked
against the vocabulary below, so that a typo is an error rather than a silently wrong label. What the engine
simulates is fixed by the segment's parameters (importance weights, price sensitivity, purchase
rates, thresholds, word of mouth, tie response): the scenario author maps the variables to
parameters, and says in a comment why.

The bases and their variables follow the seven approaches to defining customers in seed 003
("Redefining the customer", section on segmentation): demographics, geographics,
psychographics, behavioural, needs-based, firmographics (organisations) and technographics
(technology used); see also Kotler and Keller, *Marketing Management*, ch. 8 (bases for
segmenting consumer and business markets). Values are free labels or numbers.
"""

from __future__ import annotations

from marketsim.errors import did_you_mean

#: Allowed variable names per segmentation basis.
BASES: dict[str, tuple[str, ...]] = {
    "demographic": ("age", "age_band", "gender", "income", "education", "occupation",
                    "family_life_cycle", "marital_status", "household_size", "ethnicity"),
    "geographic": ("region", "country", "climate", "population_density", "city_size",
                   "urbanity"),
    "psychographic": ("personality", "values", "attitudes", "interests", "lifestyle",
                      "social_class"),
    "behavioural": ("purchasing_behaviour", "usage_rate", "user_status", "loyalty", "occasions",
                    "benefits_sought", "readiness"),
    "needs_based": ("functional_needs", "emotional_needs", "social_needs",
                    "psychological_needs"),
    "firmographic": ("industry", "size", "employees", "revenue", "locations", "location",
                     "structure", "performance", "technologies_used"),
    "technographic": ("devices", "software", "internet_usage", "adoption", "tech_skills",
                      "technology_stack"),
}

#: Bases that describe organisations, so only business segments may use them.
BUSINESS_BASES = ("firmographic",)


def variable_problems(basis: str | None, variables: dict, kind: str) -> list[str]:
    """What is wrong with a segment's basis and variables (an empty list if nothing)."""
    problems = []
    if variables and basis is None:
        problems.append("variables: name the segmentation basis first (basis = one of "
                        f"{', '.join(BASES)})")
        return problems
    if basis in BUSINESS_BASES and kind != "business":
        problems.append(f"basis: '{basis}' describes organisations, so use it with "
                        "kind = \"business\"")
    allowed = BASES.get(basis, ())
    for name in variables:
        if name not in allowed:
            hint = did_you_mean(name, allowed)
            problems.append(f"variables.{name}: not a {basis} variable{hint} (allowed: "
                            f"{', '.join(allowed)})")
    return problems


def describe(segment) -> str:
    """One-line description of a segment's basis and variables, e.g.
    ``demographic: age_band=25-34, income=high`` (empty when it names none)."""
    if segment.basis is None:
        return ""
    pairs = ", ".join(f"{k}={v}" for k, v in segment.variables.items())
    return f"{segment.basis}: {pairs}" if pairs else segment.basis
