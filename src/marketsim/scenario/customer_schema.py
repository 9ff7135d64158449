"""The customers of a scenario: segments, their purchase rates, the weights of their perceived
value, how they form expectations and respond to ties, and business customers' buying centres.

``docs/model.md`` explains each mechanism the fields drive; ``docs/scenarios.md`` lists them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from marketsim.scenario.strict import Strict


class PurchaseRate(Strict):
    """Category purchase rate of a segment: Gamma-distributed across customers (NBD buying)."""

    mean: float = Field(ge=0.0, le=1000.0, description="Mean purchases per customer per period.")
    shape: float = Field(
        1.0, gt=0.0, le=1000.0,
        description="Gamma shape k of the rate across customers (NBD k): small = very uneven "
                    "buying (a few heavy buyers), large = everyone buys at about the mean.")


class Spread(Strict):
    """A positive customer trait: segment mean times a log-normal spread across customers."""

    mean: float = Field(ge=0.0, le=1e6, description="Mean of the trait in the segment.")
    spread: float = Field(
        0.25, ge=0.0, le=3.0,
        description="Standard deviation of log(trait) across customers (0 = all equal).")


class BenefitWeights(Strict):
    """Importance of the four benefits in customer perceived value (Kotler's total benefit)."""

    product: float = Field(1.0, ge=0.0, le=10.0, description="Weight on expected product performance.")
    services: float = Field(0.3, ge=0.0, le=10.0, description="Weight on the firm's service level.")
    personal: float = Field(0.2, ge=0.0, le=10.0, description="Weight on personal attention (the firm's personal service).")
    image: float = Field(0.2, ge=0.0, le=10.0, description="Weight on brand image.")


class CostWeights(Strict):
    """Importance of the four costs in customer perceived value (Kotler's total cost)."""

    monetary: float = Field(1.0, ge=0.0, le=10.0, description="Weight on price (relative to the reference price).")
    time: float = Field(0.2, ge=0.0, le=10.0, description="Weight on time cost (1 - convenience).")
    energy: float = Field(0.1, ge=0.0, le=10.0, description="Weight on energy cost (1 - convenience).")
    psychic: float = Field(0.2, ge=0.0, le=10.0, description="Weight on psychic cost, risk (1 - trust).")


class ExpectationWeights(Strict):
    """How fast expectations move toward each source per period (seed 001: experience, friends, marketers)."""

    experience: float = Field(0.3, ge=0.0, le=1.0, description="Pull of own experience (a).")
    word_of_mouth: float = Field(0.1, ge=0.0, le=1.0, description="Pull of neighbours' reports (b).")
    promise: float = Field(0.05, ge=0.0, le=1.0, description="Pull of the firm's promise (g).")
    credibility: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Learning rate eta of a firm's promise bias b (how much its promise "
                    "overstates what it delivers) from own experience: b <- b + eta (promise - "
                    "P - b). The promise then pulls expectations toward promise - b, so a "
                    "customer who has found the firm over-promising discounts its advertising, "
                    "and keeps doing so after leaving (credibility of brand signals, Erdem and "
                    "Swait 1998; learning from use, Erdem and Keane 1996). 0 = every promise "
                    "taken at face value.")
    credibility_word_of_mouth: float = Field(
        0.0, ge=0.0, le=1.0,
        description="The same learning from neighbours' reports: b <- b + eta_W (promise - "
                    "WOM - b), so prospects learn a firm's credibility from its customers. 0 = "
                    "none.")

    @model_validator(mode="after")
    def _sum_at_most_one(self):
        total = self.experience + self.word_of_mouth + self.promise
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"experience + word_of_mouth + promise must be at most 1 (got {total:g}); "
                "above 1 expectations overshoot")
        return self


class Dropout(Strict):
    """A customer's chance of dropping out after each repeat purchase, Beta(a, b) across the
    segment's customers: the BG/NBD's dropout (Fader, Hardie and Lee 2005, "Counting your
    customers the easy way", Marketing Science 24(2); CDNOW: a = 0.793, b = 2.426)."""

    a: float = Field(gt=0.0, le=1000.0, description="Beta shape a of the dropout probability.")
    b: float = Field(gt=0.0, le=1000.0, description="Beta shape b of the dropout probability.")


class TieResponse(Strict):
    """How much each tie weighs in the segment's switching cost (Burnham et al. 2003)."""

    financial: float = Field(0.2, ge=0.0, le=10.0, description="Weight of the financial tie (points at stake, in reference prices).")
    social: float = Field(0.3, ge=0.0, le=10.0, description="Weight of the social bond (0-1).")
    structural: float = Field(0.5, ge=0.0, le=10.0, description="Weight of the structural tie (0-1).")


#: Members of a buying centre (Webster and Wind 1972), in the order of the kernels' arrays.
ROLES = ("user", "influencer", "decider", "buyer")


class Member(Strict):
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


class BuyingCentre(Strict):
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


class Segment(Strict):
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
    performance_weight: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Weight alpha_P of delivered performance against the segment's norm in "
                    "satisfaction, beside disconfirmation: s = alpha_P (P - N) + "
                    "disconfirmation (Oliver 1980; Churchill and Surprenant 1982; Anderson and "
                    "Sullivan 1993 find both). 0 = disconfirmation alone.")
    value_weight: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Weight alpha_V of delivered value in satisfaction: the perceived value of "
                    "what the firm delivered (price included) against the mean value the "
                    "customer expects from the brands it knows, s += alpha_V (V(P) - mean V(E)). "
                    "Value for money drives satisfaction beside quality (the ACSI's perceived "
                    "value, Fornell et al. 1996; value-percept disparity, Westbrook and Reilly "
                    "1983; the brands known as the norm, Cadotte, Woodruff and Jenkins 1987), so "
                    "a cheap brand chosen for its price can satisfy. 0 = none.")
    reference_performance: float | None = Field(
        None, ge=0.0, le=5.0,
        description="The norm N performance is judged against (an ideal or the category's "
                    "typical performance, Cadotte, Woodruff and Jenkins 1987); none = the "
                    "segment's initial_expectation.")
    tie_response: TieResponse = Field(default_factory=TieResponse)
    service_intensity: Spread = Field(
        default_factory=lambda: Spread(mean=1.0, spread=0.0),
        description="How much a customer costs to serve relative to the firm's standard cost "
                    "(service requests, returns, advice): a multiplier on every cost to serve "
                    "and relationship cost, the segment mean times a log-normal spread. Customers "
                    "differ widely in cost to serve, which is what makes some unprofitable "
                    "(Niraj, Gupta and Narasimhan 2001; Shah, Kumar, Qu and Chen 2012). Mean 1, "
                    "spread 0 = every customer costs the same.")
    dropout: Dropout | None = Field(
        None,
        description="Customers who stop buying for good: after each repeat purchase occasion a "
                    "customer drops out with its own probability, Beta(a, b) across the segment "
                    "(the BG/NBD, Fader, Hardie and Lee 2005). None = nobody drops out.")
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
