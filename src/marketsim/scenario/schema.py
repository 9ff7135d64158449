"""Scenario files: the TOML schema, validated with pydantic, and its loader.

A scenario is everything that fixes a run apart from the seed: the market (categories, period
length, discount rate), the customer population and its segments, the social network, the
behavioural constants, and the firms with their offers, promises, budgets, retention
programmes and strategies. ``docs/model.md`` explains each mechanism the fields drive.

Every model forbids unknown keys, so a typo is an error (with a "did you mean" suggestion), not
a silently ignored setting.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from marketsim.errors import ScenarioError, did_you_mean
from marketsim.scenario.lines import LEADING_PATH, with_line
from marketsim.scenario.presets import apply_preset
from marketsim.scenario.relationship_levers import (
    CustomerManagement,
    OneToOne,
    RelationshipLevel,
    RelationshipType,
    check_segments,
)

MAX_FIRMS = 20
MIN_FIRMS = 2


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Market(_Strict):
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


class Category(_Strict):
    """A product or service category (a bank: current account, savings, card, mortgage)."""

    name: str = Field(description="Category name, unique in the scenario.")
    reference_price: float = Field(
        gt=0.0, description="Typical price of one purchase; prices enter value relative to it.")


class PurchaseRate(_Strict):
    """Category purchase rate of a segment: Gamma-distributed across customers (NBD buying)."""

    mean: float = Field(ge=0.0, le=1000.0, description="Mean purchases per customer per period.")
    shape: float = Field(
        1.0, gt=0.0, le=1000.0,
        description="Gamma shape k of the rate across customers (NBD k): small = very uneven "
                    "buying (a few heavy buyers), large = everyone buys at about the mean.")


class Spread(_Strict):
    """A positive customer trait: segment mean times a log-normal spread across customers."""

    mean: float = Field(ge=0.0, description="Mean of the trait in the segment.")
    spread: float = Field(
        0.25, ge=0.0, le=3.0,
        description="Standard deviation of log(trait) across customers (0 = all equal).")


class BenefitWeights(_Strict):
    """Importance of the four benefits in customer perceived value (Kotler's total benefit)."""

    product: float = Field(1.0, ge=0.0, le=10.0, description="Weight on expected product performance.")
    services: float = Field(0.3, ge=0.0, le=10.0, description="Weight on the firm's service level.")
    personal: float = Field(0.2, ge=0.0, le=10.0, description="Weight on personal attention (the firm's personal service).")
    image: float = Field(0.2, ge=0.0, le=10.0, description="Weight on brand image.")


class CostWeights(_Strict):
    """Importance of the four costs in customer perceived value (Kotler's total cost)."""

    monetary: float = Field(1.0, ge=0.0, le=10.0, description="Weight on price (relative to the reference price).")
    time: float = Field(0.2, ge=0.0, le=10.0, description="Weight on time cost (1 - convenience).")
    energy: float = Field(0.1, ge=0.0, le=10.0, description="Weight on energy cost (1 - convenience).")
    psychic: float = Field(0.2, ge=0.0, le=10.0, description="Weight on psychic cost, risk (1 - trust).")


class ExpectationWeights(_Strict):
    """How fast expectations move toward each source per period (seed 001: experience, friends, marketers)."""

    experience: float = Field(0.3, ge=0.0, le=1.0, description="Pull of own experience (a).")
    word_of_mouth: float = Field(0.1, ge=0.0, le=1.0, description="Pull of neighbours' reports (b).")
    promise: float = Field(0.05, ge=0.0, le=1.0, description="Pull of the firm's promise (g).")

    @model_validator(mode="after")
    def _sum_at_most_one(self):
        total = self.experience + self.word_of_mouth + self.promise
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"experience + word_of_mouth + promise must be at most 1 (got {total:g}); "
                "above 1 expectations overshoot")
        return self


class TieResponse(_Strict):
    """How much each tie weighs in the segment's switching cost (Burnham et al. 2003)."""

    financial: float = Field(0.2, ge=0.0, le=10.0, description="Weight of the financial tie (points at stake, in reference prices).")
    social: float = Field(0.3, ge=0.0, le=10.0, description="Weight of the social bond (0-1).")
    structural: float = Field(0.5, ge=0.0, le=10.0, description="Weight of the structural tie (0-1).")


#: Members of a buying centre (Webster and Wind 1972), in the order of the kernels' arrays.
ROLES = ("user", "influencer", "decider", "buyer")


class Member(_Strict):
    """One member of a buying centre; the same fields for user, influencer, decider and buyer."""

    benefit_weights: BenefitWeights | None = Field(
        None, description="The member's benefit weights (default: the segment's). The buyer's "
                          "drive the choice of firm; every member's product weight scales how "
                          "much performance against expectation satisfies it.")
    cost_weights: CostWeights | None = Field(
        None, description="The member's cost weights (default: the segment's). The buyer's drive "
                          "the choice of firm; every member's monetary weight scales how much a "
                          "price above the category's reference price dissatisfies it.")
    weight: float = Field(
        1.0, ge=0.0, le=100.0,
        description="Weight of this member's satisfaction in the buying centre's weighted mean.")
    loss_aversion: float | None = Field(
        None, ge=1.0, le=10.0,
        description="The member's loss aversion (default: the segment's loss_aversion).")
    threshold: float | None = Field(
        None, ge=0.0, le=10.0,
        description="Dissatisfaction the member tolerates. Under decider_veto the decider's "
                    "threshold is the veto line (default: the segment's switching_threshold "
                    "mean); unused for other members.")


class BuyingCentre(_Strict):
    """A business customer as a buying centre: four members and the rule that combines them.

    User, influencer, decider and buyer each have their own weights and satisfaction, combined
    by ``rule`` before the stay-or-switch decision (Webster and Wind 1972)."""

    rule: Literal["weighted_mean", "decider_veto"] = Field(
        "weighted_mean",
        description="weighted_mean: the customer's satisfaction is the members' weighted mean; "
                    "decider_veto: the same, but the customer also defects whenever the "
                    "decider's dissatisfaction exceeds the decider's threshold, whatever the "
                    "others feel.")
    user: Member = Field(default_factory=Member, description="Uses the product day to day.")
    influencer: Member = Field(default_factory=Member,
                               description="Shapes the specification (engineers, IT, advisers).")
    decider: Member = Field(default_factory=Member,
                            description="Has the final say on the supplier.")
    buyer: Member = Field(default_factory=Member,
                          description="Negotiates and places orders; its weights drive the "
                                      "choice of firm at each purchase.")

    @model_validator(mode="after")
    def _some_member_counts(self):
        if sum(getattr(self, role).weight for role in ROLES) <= 0.0:
            raise ValueError("at least one member (user, influencer, decider, buyer) must "
                             "have weight > 0")
        return self


class Segment(_Strict):
    """A group of customers sharing parameters; customers vary around them."""

    name: str = Field(description="Segment name, unique in the scenario.")
    share: float = Field(gt=0.0, le=1.0, description="Fraction of the population in this segment.")
    purchase_rate: dict[str, PurchaseRate] = Field(
        description="Purchase rate per category name; a category left out is not bought.")
    benefit_weights: BenefitWeights = Field(default_factory=BenefitWeights)
    cost_weights: CostWeights = Field(default_factory=CostWeights)
    weight_spread: float = Field(
        0.2, ge=0.0, le=3.0, description="Log-normal spread of each importance weight across customers.")
    price_sensitivity: Spread = Field(
        default_factory=lambda: Spread(mean=1.0, spread=0.25),
        description="Multiplier on the monetary cost (1 = average).")
    switching_threshold: Spread = Field(
        default_factory=lambda: Spread(mean=0.3, spread=0.5),
        description="Switching pressure (value units) a customer tolerates before defecting.")
    word_of_mouth: float = Field(
        0.15, ge=0.0, le=1.0,
        description="Chance per period that a customer with something to say tells each neighbour.")
    initial_expectation: float = Field(
        1.0, ge=0.0, le=3.0, description="Expected performance of a firm before any information.")
    expectation: ExpectationWeights = Field(default_factory=ExpectationWeights)
    loss_aversion: float = Field(
        2.0, ge=1.0, le=10.0, description="How much more a shortfall weighs than a surplus (lambda).")
    satisfaction_memory: float = Field(
        0.6, ge=0.0, lt=1.0, description="Weight of last period's satisfaction in the new one (rho).")
    tie_response: TieResponse = Field(default_factory=TieResponse)
    kind: Literal["consumer", "business"] = Field(
        "consumer", description="consumer: one person decides; business: an organisation whose "
                                "buying centre is described in buying_centre.")
    basis: Literal["demographic", "geographic", "psychographic", "behavioural", "needs_based",
                   "firmographic", "technographic"] | None = Field(
        None, description="Segmentation basis the segment is defined on (docs/scenarios.md "
                          "lists each basis's variables).")
    variables: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="The segment's values of the basis's variables (labels or numbers), e.g. "
                    "{ age_band = \"25-34\", income = \"high\" }; carried into segment results.")
    buying_centre: BuyingCentre | None = Field(
        None, description="Members and combination rule of a business customer (required when "
                          "kind = \"business\").")

    @model_validator(mode="after")
    def _segmentation_rules(self):
        from marketsim.scenario.segmentation import variable_problems

        problems = variable_problems(self.basis, self.variables, self.kind)
        if self.kind == "business" and self.buying_centre is None:
            problems.append("buying_centre: required when kind = \"business\" (a table with "
                            "rule and the members user, influencer, decider, buyer)")
        if self.kind == "consumer" and self.buying_centre is not None:
            problems.append("buying_centre: only business segments have one (set kind = "
                            "\"business\")")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Network(_Strict):
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


class Behaviour(_Strict):
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


class Offer(_Strict):
    """What a firm sells in one category."""

    price: float = Field(gt=0.0, description="Price of one purchase.")
    quality: float = Field(ge=0.0, le=3.0, description="Product performance delivered (0-1 typical).")
    unit_cost: float = Field(0.0, ge=0.0, description="Cost of goods of one purchase.")


class Retention(_Strict):
    """The firm's retention programme: the three kinds of tie (Berry and Parasuraman 1991)."""

    reward_rate: float = Field(0.0, ge=0.0, le=1.0, description="Points earned per unit of spend, in money (financial tie).")
    points_expiry: float = Field(0.05, ge=0.0, le=1.0, description="Fraction of points expiring per period.")
    personal_service: float = Field(0.0, ge=0.0, le=1.0, description="Intensity of personal touch points per period (social tie).")
    personal_service_cost: float = Field(0.0, ge=0.0, description="Cost per customer per period at full personal service.")
    structural_investment: float = Field(0.0, ge=0.0, le=1.0, description="Integration investment per customer (structural tie).")
    structural_cost: float = Field(0.0, ge=0.0, description="Cost per customer per period at full structural investment.")


class Firm(_Strict):
    """A firm: its offers, promise, advertising, retention programme and strategy."""

    name: str = Field(description="Firm name, unique in the scenario.")
    offers: dict[str, Offer] = Field(description="Offer per category name the firm sells.")
    service: float = Field(0.5, ge=0.0, le=1.0, description="Service level (services benefit; part of delivered performance).")
    image: float = Field(0.5, ge=0.0, le=1.0, description="Brand image (image benefit).")
    convenience: float = Field(0.5, ge=0.0, le=1.0, description="Convenience: lowers time and energy cost.")
    trust: float = Field(0.5, ge=0.0, le=1.0, description="Trust: lowers psychic cost.")
    promise: float = Field(1.0, ge=0.0, le=3.0, description="Performance the firm advertises (same scale as quality + service).")
    acquisition_budget: float = Field(0.0, ge=0.0, description="Advertising and acquisition spend per period.")
    reach_cost: float = Field(
        1000.0, gt=0.0,
        description="Budget that reaches 63% of unaware customers in a period (reach = 1 - exp(-budget/reach_cost)).")
    initial_share: float = Field(0.0, ge=0.0, le=1.0, description="Fraction of customers who start as its regular customers.")
    initial_awareness: float = Field(0.5, ge=0.0, le=1.0, description="Fraction of other customers who start aware of it.")
    retention: Retention = Field(default_factory=Retention)
    strategy: str = Field("static", description="A registered strategy (static, scheduled, adaptive_price, adaptive_price_budget, ...) or a user's class as 'module:Class' or 'path/to/file.py:Class' (docs/strategies.md).")
    strategy_params: dict[str, Any] = Field(default_factory=dict, description="Parameters passed to the strategy.")
    preset: str | None = Field(
        None, description="Name of a preset (marketsim.scenario.presets: mass_marketer, customer_centric, "
                          "basic_marketing ... partnership_marketing) filled in under the fields given.")
    relationship_level: RelationshipLevel = Field(
        "basic", description="Kotler's level of relationship marketing (costs and effects in docs/model.md).")
    relationship_type: RelationshipType = Field(
        "self_service", description="Relationship type with segments not listed in relationship_types.")
    relationship_types: dict[str, RelationshipType] = Field(
        default_factory=dict, description="Relationship type per segment name (Osterwalder and Pigneur).")
    one_to_one: OneToOne = Field(default_factory=OneToOne)
    customer_management: CustomerManagement = Field(default_factory=CustomerManagement)

    _preset = model_validator(mode="before")(apply_preset)


class Population(_Strict):
    """The customer population."""

    customers: int = Field(100_000, ge=1, le=200_000_000, description="Number of customers N.")


class Scenario(_Strict):
    """A complete scenario: market, population, segments, network, behaviour, firms."""

    market: Market = Field(default_factory=Market)
    population: Population = Field(default_factory=Population)
    categories: list[Category] = Field(min_length=1, max_length=64)
    segments: list[Segment] = Field(min_length=1, max_length=255)
    network: Network = Field(default_factory=Network)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    firms: list[Firm] = Field(min_length=MIN_FIRMS, max_length=MAX_FIRMS)

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
                                    f"{_suggest(cat, category_names)} (categories: {', '.join(category_names)})")
        for f_index, firm in enumerate(self.firms):
            if not firm.offers:
                problems.append(f"firms[{f_index}].offers: a firm must sell at least one category")
            for cat in firm.offers:
                if cat not in category_names:
                    problems.append(f"firms[{f_index}].offers.{cat}: no such category"
                                    f"{_suggest(cat, category_names)} (categories: {', '.join(category_names)})")
        from marketsim.scenario.strategy_registry import available_strategies, make_strategy

        strategies = available_strategies()
        for f_index, firm in enumerate(self.firms):
            if firm.strategy not in strategies and ":" not in firm.strategy:
                problems.append(f"firms[{f_index}].strategy: unknown strategy '{firm.strategy}'"
                                f"{_suggest(firm.strategy, strategies)} (registered: "
                                f"{', '.join(strategies)})")
                continue
            try:  # parameters the strategy does not take are caught before a run
                make_strategy(firm.strategy, firm.strategy_params,
                              where=f"firms[{f_index}].strategy")
            except ScenarioError as exc:
                problems.append(str(exc).replace("; ", ", "))
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

    def with_overrides(self, *, customers: int | None = None, periods: int | None = None) -> Scenario:
        """A copy with the population size and/or number of periods replaced (validated)."""
        data = self.model_dump()
        if customers is not None:
            data["population"]["customers"] = customers
        if periods is not None:
            data["market"]["periods"] = periods
        return parse_scenario(data, source="command line")

    def to_toml(self) -> str:
        """The resolved scenario (every default filled in) as TOML text."""
        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))  # TOML has no null


_suggest = did_you_mean


def _model_at(path: tuple) -> type[BaseModel] | None:
    """The pydantic model a location (minus its last part) points into, to list allowed keys."""
    model: Any = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None and args:  # dict[str, Model]
            model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _format_location(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _describe_error(error: dict) -> str:
    """One line for one pydantic error: field path, what is wrong, what was given or allowed."""
    loc = tuple(p for p in error["loc"] if p not in ("function-after",))
    where = _format_location(loc)
    kind = error["type"]
    value = error.get("input")

    def parent_model():
        # The model holding the last part of ``loc``; under a dict of models (offers,
        # purchase_rate) the part before it is a key of the dict, not a field.
        parent = _model_at(loc[:-1])
        if parent is None and len(loc) >= 2:
            parent = _model_at(loc[:-2])
        return parent

    if kind == "extra_forbidden":
        parent = parent_model()
        allowed = list(parent.model_fields) if parent else []
        hint = _suggest(str(loc[-1]), allowed)
        listed = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{where}: unknown field{hint}{listed}"
    if kind == "missing":
        parent = parent_model()
        field = parent.model_fields.get(str(loc[-1])) if parent and loc else None
        about = f" ({field.description})" if field is not None and field.description else ""
        return f"{where}: required field is missing{about}"
    if kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        if not loc:
            return message
        # A model's own check may list several problems joined by "; ", each starting with a
        # field path relative to the model: one path-qualified problem each.
        parts = message.split("; ")
        if all(LEADING_PATH.match(part) for part in parts):
            return "; ".join(f"{where}.{part}" for part in parts)
        return f"{where}: {message}"
    message = error["msg"]
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        message = "must be a table (key = value pairs)"
    elif kind == "list_type":
        message = "must be an array (a [[...]] table list or [ ... ])"
    elif message.startswith("Input should be"):
        message = "must be" + message.removeprefix("Input should be")
    else:
        message = message[:1].lower() + message[1:]
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{where}: {message} (got {shown})"


def parse_scenario(data: dict, *, source: str = "<dict>", text: str | None = None) -> Scenario:
    """Validate a scenario given as a dictionary; raise :class:`ScenarioError` on any problem.

    ``text``, the TOML the dictionary was read from, lets each problem name its line.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        flat = []
        for error in exc.errors():
            problem = _describe_error(error)
            parts = problem.split("; ")
            if error["type"] == "value_error" and all(LEADING_PATH.match(p) for p in parts):
                # The scenario-wide and per-model checks list several problems joined by
                # "; ", each with its own field path: one line each.
                flat.extend(parts)
            else:
                flat.append(problem)
        if text is not None:
            flat = [with_line(problem, text) for problem in flat]
        lines = "\n".join(f"  - {p}" for p in flat)
        raise ScenarioError(f"{source}: invalid scenario\n{lines}", source=source, problems=flat) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file", source=str(path)) from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario file ({exc.strerror})", source=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}", source=str(path)) from None
    return parse_scenario(data, source=str(path), text=text)
