"""Scenario files: the TOML schema, validated with pydantic, and its loader.

The top of the schema is here (market, categories, network, behaviour, population and the
cross-field rules); segments are in :mod:`~marketsim.scenario.customer_schema`, firms in
:mod:`~marketsim.scenario.firm_schema`.

A scenario is everything that fixes a run apart from the seed: the market (categories, period
length, discount rate), the customer population and its segments, the social network, the
behavioural constants, and the firms with their offers, promises, budgets, retention
programmes and strategies. ``docs/model.md`` explains each mechanism the fields drive.

Every model forbids unknown keys, so a typo is an error (with a "did you mean" suggestion), not
a silently ignored setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import tomli_w
from pydantic import Field, ValidationError, model_validator

from marketsim.errors import ScenarioError, did_you_mean, shorten
from marketsim.scenario.customer_schema import Segment
from marketsim.scenario.firm_schema import Firm
from marketsim.scenario.lines import LEADING_PATH, with_line
from marketsim.scenario.problems import describe_error
from marketsim.scenario.reading import read_toml
from marketsim.scenario.relationship_levers import check_segments
from marketsim.scenario.strict import MAX_MONEY, Strict

MAX_FIRMS = 20
MIN_FIRMS = 2


#: Periods in a year for each ``market.period_unit`` (a year's window for brand measures).
PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4, "year": 1}


class Market(Strict):
    """The market as a whole."""

    name: str = Field("market", description="A label for the market, used in reports.")
    periods: int = Field(52, ge=1, le=100_000, description="Number of periods simulated.")
    period_unit: Literal["day", "week", "month", "quarter", "year"] = Field(
        "week", description="What one period (one purchase cycle) stands for.")
    discount_rate: float = Field(
        0.002, ge=0.0, lt=1.0,
        description="Discount rate per period for lifetime values (0.002/week is about 11%/year).")
    warmup_periods: int = Field(
        0, ge=0, le=1000,
        description="Periods run before period 1 and not recorded (strategies not consulted), so "
                    "that a mature market starts settled rather than from its random initial "
                    "allocation of customers to firms.")
    lapse_periods: int = Field(
        26, ge=1, le=254,
        description="A customer who has not bought from a firm for more than this many periods "
                    "is no longer its customer (lapsed).")
    share_of_customer_window: float = Field(
        13.0, ge=1.0, le=1000.0,
        description="Mean age in periods of the spend window behind share of customer "
                    "(exponentially weighted; 13 weeks is a quarter).")


class Category(Strict):
    """A product or service category (a bank: current account, savings, card, mortgage)."""

    name: str = Field(description="Category name, unique in the scenario.")
    reference_price: float = Field(
        gt=0.0, le=MAX_MONEY,
        description="Typical price of one purchase; prices enter value relative to it.")


class Network(Strict):
    """The social network word of mouth travels on (built once per run)."""

    kind: Literal["small_world", "scale_free"] = Field(
        "small_world", description="small_world: ring lattice with random shortcuts (Watts and "
        "Strogatz 1998); scale_free: preferential attachment (Barabasi and Albert 1999).")
    degree: int = Field(8, ge=2, le=64, description="Mean number of neighbours (even for small_world).")
    rewiring: float = Field(0.1, ge=0.0, le=1.0, description="small_world: chance each tie is a random shortcut.")

    @model_validator(mode="after")
    def _even_degree(self):
        if self.kind == "small_world" and self.degree % 2:
            raise ValueError(f"degree must be even for a small_world network (got {self.degree})")
        return self


class Spend(Strict):
    """Spend per purchase occasion varying within and across customers: the Gamma-Gamma model
    (Colombo and Jiang 1999; Fader, Hardie and Lee 2005, JMR 42(4)). Each customer's mean spend
    per occasion is the price times a basket size, inversely Gamma across customers (mean 1);
    each occasion varies around it. The shapes of the CDNOW data: p = 6.25, q = 3.74 (Fader and
    Hardie 2013, "The Gamma-Gamma model of monetary value")."""

    shape: float = Field(
        gt=0.0, le=1000.0,
        description="Gamma shape p of spend per occasion around the customer's mean (large = "
                    "every occasion alike).")
    heterogeneity: float = Field(
        gt=1.0, le=1000.0,
        description="Gamma shape q of the customers' basket rates (basket size = (q - 1) / nu, "
                    "nu ~ Gamma(q)); large = customers alike. Must exceed 1 for a finite mean.")


class TenureProfile(Strict):
    """Profit per customer rising with tenure (Reichheld and Sasser 1990, "Zero defections:
    quality comes to services", HBR 68(5)): with ``h = 1 - exp(-tenure / time_constant)`` a
    current customer's spend with the firm is multiplied by ``1 + spend_growth h`` and its cost
    to serve by ``1 - cost_decline h``. Zeros (or no table) = margin flat in tenure."""

    spend_growth: float = Field(
        0.0, ge=0.0, le=10.0,
        description="g_T: how much more a long-standing customer spends with the firm per "
                    "occasion, as a fraction of a new customer's spend (Reichheld and Sasser "
                    "1990: customers buy more as the relationship lengthens). 0 = none.")
    cost_decline: float = Field(
        0.0, ge=0.0, le=1.0,
        description="phi_T: the fraction of the cost to serve a long-standing customer saves "
                    "(the firm learns to serve it; Reichheld and Sasser 1990). 0 = none.")
    time_constant: float = Field(
        104.0, gt=0.0, le=100_000.0,
        description="tau_T: periods of tenure in which 63% of the growth and of the saving "
                    "is reached (1 - exp(-1)). 104 = two years of weekly periods (the "
                    "literature memo's choice; Reichheld and Sasser's profits still rise in "
                    "year 5).")


class Behaviour(Strict):
    """Constants of customer behaviour shared by all segments."""

    choice_sensitivity: float = Field(
        5.0, gt=0.0, le=100.0, description="Logit scale: how sharply customers pick the highest utility.")
    tie_weight: float = Field(0.3, ge=0.0, le=10.0, description="Weight of switching cost in choice utility (b_tie).")
    habit_weight: float = Field(0.3, ge=0.0, le=10.0, description="Utility bonus of last period's firm (b_habit).")
    performance_noise: float = Field(
        0.1, ge=0.0, le=5.0, description="Standard deviation of delivered performance around the offer.")
    praise_threshold: float = Field(0.05, ge=0.0, le=5.0, description="Satisfaction above which a customer praises.")
    complaint_threshold: float = Field(0.05, ge=0.0, le=5.0, description="Dissatisfaction above which a customer complains.")
    complaint_reach: float = Field(
        2.0, ge=1.0, le=20.0,
        description="How much further complaints travel than praise (TARP 1986: about twice).")
    social_bond_growth: float = Field(0.2, ge=0.0, le=1.0, description="Social bond gained per period at full personal service.")
    social_bond_decay: float = Field(0.05, ge=0.0, le=1.0, description="Fraction of the social bond lost per period.")
    structural_growth: float = Field(0.05, ge=0.0, le=1.0, description="Structural tie gained per period at full investment.")
    structural_decay: float = Field(0.01, ge=0.0, le=1.0, description="Fraction of the structural tie lost per period without investment.")
    personal_benefit: Literal["everyone", "bonded"] = Field(
        "everyone",
        description="How a firm's personal service enters perceived value. everyone: "
                    "w_personal x personal_service for every customer, customers or not (a "
                    "rival copying it becomes better for everyone at once); bonded: w_personal x "
                    "personal_service x the customer's social bond with the firm, a relational "
                    "benefit tied to the provider that only its own customers enjoy and that "
                    "grows with the relationship (Gwinner, Gremler and Bitner 1998; Berry and "
                    "Parasuraman 1991: social bonds are hard to copy).")
    imitation: float = Field(
        0.0, ge=0.0, le=1.0,
        description="The Bass model's coefficient of imitation q with global mixing: an unaware "
                    "customer also becomes aware of a firm with probability q x (the firm's "
                    "customers / all customers), beside advertising's reach p and beside word "
                    "of mouth on the network (Bass 1969; the agent form of Rand and Rust "
                    "2011). 0 = only the network carries word of mouth.")
    trial_on_awareness: bool = Field(
        False,
        description="Becoming aware of a firm is buying from it once that period (a trial): "
                    "with nothing else bought, adoption follows awareness exactly, as in the "
                    "Bass model's classic null (scenarios/null/bass.toml). False = awareness "
                    "only puts the firm in the consideration set.")
    awareness_decay: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Chance per period that an aware non-customer who met no advertising and "
                    "heard nothing about a firm forgets it (drops it from the consideration "
                    "set): advertising goodwill decays geometrically (Nerlove and Arrow 1962; "
                    "recall fades without repetition, Zielske 1959). 90% of an advertising "
                    "effect is spent within 3-15 months (Clarke 1976): 0.035-0.16 a week, "
                    "0.057 for 9 months. 0 = awareness never fades.")
    defection_noise: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Scale tau of the defection hazard: a customer defects with probability "
                    "1 / (1 + exp(-z / tau)), z the pressure to leave minus the barrier "
                    "(Bolton 1998's duration hazard in logistic form). 0 = leave exactly when "
                    "z > 0.")
    delight_threshold: float = Field(
        0.3, ge=-5.0, le=5.0,
        description="Satisfaction above which a customer is delighted (Oliver, Rust and Varki "
                    "1997); used with delight_weight.")
    delight_weight: float = Field(
        0.0, ge=0.0, le=100.0,
        description="Extra loyalty per unit of satisfaction above delight_threshold: the "
                    "satisfaction that offsets a rival's pull is S + delight_weight x max(0, S "
                    "- delight_threshold), so only the most satisfied are truly loyal where "
                    "rivals are close (Jones and Sasser 1995; Mittal and Kamakura 2001's "
                    "increasing returns). 0 = linear.")
    spend: Spend | None = Field(
        None,
        description="Spend per purchase occasion varying within and across customers "
                    "(Gamma-Gamma; a table with shape and heterogeneity). None = every "
                    "occasion buys one unit at the price.")
    tenure_profile: TenureProfile | None = Field(
        None,
        description="Spend rising and cost to serve falling with tenure (Reichheld and "
                    "Sasser 1990; a table with spend_growth, cost_decline, time_constant). "
                    "None = margin flat in tenure.")
    preference_concentration: float | None = Field(
        None, gt=0.0, le=1e6,
        description="Brand taste: each customer's lasting liking of each firm, log G with G ~ "
                    "Gamma(S s_f) drawn once, added to choice utility (and, divided by "
                    "choice_sensitivity, to the value defection compares). S is this field, the "
                    "NBD-Dirichlet's S (Goodhardt, Ehrenberg and Chatfield 1984; about 1.3 for "
                    "toothpaste); s_f the firms' base_preference, normalised. Small S: customers "
                    "polarised between brands; large S: alike. None = no brand taste (a brand "
                    "is valued by its offer alone).")

    def active_tenure_profile(self) -> TenureProfile | None:
        """The tenure profile if it changes anything (a growth or a saving above 0), else None."""
        profile = self.tenure_profile
        if profile is None or (profile.spend_growth == 0.0 and profile.cost_decline == 0.0):
            return None
        return profile


class Population(Strict):
    """The customer population."""

    customers: int = Field(100_000, ge=1, le=200_000_000, description="Number of customers N.")


class Scenario(Strict):
    """A complete scenario: market, population, segments, network, behaviour, firms."""

    market: Market = Field(default_factory=Market)
    population: Population = Field(default_factory=Population)
    categories: list[Category] = Field(min_length=1, max_length=64)
    segments: list[Segment] = Field(min_length=1, max_length=255)
    network: Network = Field(default_factory=Network)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    firms: list[Firm] = Field(min_length=MIN_FIRMS, max_length=MAX_FIRMS)

    @model_validator(mode="before")
    @classmethod
    def _not_too_many(cls, data):
        """Refuse an absurd number of items before validating each one (20,000 segments)."""
        if isinstance(data, dict):
            problems = []
            for name, most in (("categories", 64), ("segments", 255), ("firms", MAX_FIRMS)):
                items = data.get(name)
                if isinstance(items, (list, dict)) and len(items) > most:
                    problems.append(f"{name}: at most {most} items (got {len(items):,})")
            if problems:
                raise ValueError("; ".join(problems))
        return data

    @model_validator(mode="after")
    def _cross_field_rules(self):
        problems = []
        for label, items in (("categories", self.categories), ("segments", self.segments),
                             ("firms", self.firms)):
            names = [item.name for item in items]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                problems.append(f"{label}: names must be unique (repeated: {', '.join(dupes)})")
        category_names = [c.name for c in self.categories]
        total_share = sum(s.share for s in self.segments)
        if abs(total_share - 1.0) > 1e-6:
            problems.append(f"segments: shares must sum to 1 (got {total_share:g})")
        for s_index, segment in enumerate(self.segments):
            for cat in segment.purchase_rate:
                if cat not in category_names:
                    problems.append(f"segments[{s_index}].purchase_rate.{cat}: no such category"
                                    f"{did_you_mean(cat, category_names)} "
                                    f"(categories: {', '.join(category_names)})")
        for f_index, firm in enumerate(self.firms):
            if not firm.offers:
                problems.append(f"firms[{f_index}].offers: a firm must sell at least one category")
            for cat in firm.offers:
                if cat not in category_names:
                    problems.append(f"firms[{f_index}].offers.{cat}: no such category"
                                    f"{did_you_mean(cat, category_names)} "
                                    f"(categories: {', '.join(category_names)})")
        from marketsim.scenario.strategy_registry import strategy_problems

        segment_names = [s.name for s in self.segments]
        for f_index, firm in enumerate(self.firms):  # no user code is imported here
            problems.extend(strategy_problems(firm, f"firms[{f_index}]", segment_names))
        problems.extend(check_segments(self.firms, [s.name for s in self.segments]))
        total_initial = sum(f.initial_share for f in self.firms)
        if total_initial > 1.0 + 1e-6:
            problems.append(f"firms: initial_share must sum to at most 1 (got {total_initial:g})")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Convenience views used by the engine -------------------------------------------------
    @property
    def n_firms(self) -> int:
        return len(self.firms)

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    def with_overrides(self, *, customers: int | None = None, periods: int | None = None,
                       source: str = "command line") -> Scenario:
        """A copy with the population size and/or number of periods replaced (validated; an
        error names ``source``)."""
        data = self.model_dump()
        if customers is not None:
            data["population"]["customers"] = customers
        if periods is not None:
            data["market"]["periods"] = periods
        return parse_scenario(data, source=source)

    def to_toml(self) -> str:
        """The resolved scenario (every default filled in) as TOML text."""
        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))  # TOML has no null


def parse_scenario(data: dict, *, source: str = "<dict>", text: str | None = None) -> Scenario:
    """Validate a scenario given as a dictionary; raise :class:`ScenarioError` on any problem.

    ``text``, the TOML the dictionary was read from, lets each problem name its line.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        flat = []
        for error in exc.errors():
            problem = describe_error(error, Scenario)
            parts = problem.split("; ")
            if error["type"] == "value_error" and all(LEADING_PATH.match(p) for p in parts):
                # The scenario-wide and per-model checks list several problems joined by
                # "; ", each with its own field path: one line each.
                flat.extend(parts)
            else:
                flat.append(problem)
        if text is not None:
            flat = [with_line(problem, text) for problem in flat]
        flat = [shorten(problem) for problem in flat]
        lines = "\n".join(f"  - {p}" for p in flat)
        raise ScenarioError(f"{source}: invalid scenario\n{lines}", source=source, problems=flat) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file (at most 1 MiB of UTF-8 text,
    :func:`marketsim.scenario.reading.read_toml`)."""
    path = Path(path)
    text, data = read_toml(path, "scenario",
                           lambda message: ScenarioError(message, source=str(path)))
    return parse_scenario(data, source=str(path), text=text)
