"""The scenario's behavioural parameters as the arrays the kernels read: one row per segment
(:data:`marketsim.kernels.layout.N_SEGMENT_PARAMS` columns) and the market-wide behaviour
constants (:data:`marketsim.kernels.layout.N_BEHAVIOUR`), column names in
:mod:`marketsim.kernels.layout`.
"""

from __future__ import annotations

import numpy as np

from marketsim.kernels import layout
from marketsim.scenario.customer_schema import Segment
from marketsim.scenario.schema import Scenario


def segment_parameters(scenario: Scenario) -> np.ndarray:
    """Per-segment behaviour parameters as the kernels' (S, N_SEGMENT_PARAMS) array."""
    rows = np.zeros((len(scenario.segments), layout.N_SEGMENT_PARAMS))
    for s, segment in enumerate(scenario.segments):
        rows[s, layout.LOSS_AVERSION] = segment.loss_aversion
        rows[s, layout.SATISFACTION_MEMORY] = segment.satisfaction_memory
        rows[s, layout.EXPECT_EXPERIENCE] = segment.expectation.experience
        rows[s, layout.EXPECT_WORD_OF_MOUTH] = segment.expectation.word_of_mouth
        rows[s, layout.EXPECT_PROMISE] = segment.expectation.promise
        rows[s, layout.TIE_FINANCIAL] = segment.tie_response.financial
        rows[s, layout.TIE_SOCIAL] = segment.tie_response.social
        rows[s, layout.TIE_STRUCTURAL] = segment.tie_response.structural
        rows[s, layout.PERFORMANCE_WEIGHT] = segment.performance_weight
        rows[s, layout.REFERENCE_PERFORMANCE] = reference_performance(segment)
        rows[s, layout.CREDIBILITY] = segment.expectation.credibility
        rows[s, layout.CREDIBILITY_WORD_OF_MOUTH] = segment.expectation.credibility_word_of_mouth
        rows[s, layout.VALUE_WEIGHT] = segment.value_weight
    return rows


def reference_performance(segment: Segment) -> float:
    """The segment's comparison norm of performance (default: its initial expectation)."""
    if segment.reference_performance is not None:
        return segment.reference_performance
    return segment.initial_expectation


def behaviour_parameters(scenario: Scenario) -> np.ndarray:
    """Behaviour constants as the kernels' (N_BEHAVIOUR,) array."""
    b = scenario.behaviour
    values = np.zeros(layout.N_BEHAVIOUR)
    values[layout.CHOICE_SENSITIVITY] = b.choice_sensitivity
    values[layout.TIE_WEIGHT] = b.tie_weight
    values[layout.HABIT_WEIGHT] = b.habit_weight
    values[layout.PERFORMANCE_NOISE] = b.performance_noise
    values[layout.PRAISE_THRESHOLD] = b.praise_threshold
    values[layout.COMPLAINT_THRESHOLD] = b.complaint_threshold
    values[layout.COMPLAINT_REACH] = b.complaint_reach
    values[layout.SOCIAL_GROWTH] = b.social_bond_growth
    values[layout.SOCIAL_DECAY] = b.social_bond_decay
    values[layout.STRUCTURAL_GROWTH] = b.structural_growth
    values[layout.STRUCTURAL_DECAY] = b.structural_decay
    values[layout.WINDOW_DECAY] = 1.0 - 1.0 / scenario.market.share_of_customer_window
    values[layout.DEFECTION_NOISE] = b.defection_noise
    values[layout.DELIGHT_THRESHOLD] = b.delight_threshold
    values[layout.DELIGHT_WEIGHT] = b.delight_weight
    values[layout.AWARENESS_DECAY] = b.awareness_decay
    values[layout.PERSONAL_BONDED] = 1.0 if b.personal_benefit == "bonded" else 0.0
    values[layout.TRIAL_ON_AWARENESS] = 1.0 if b.trial_on_awareness else 0.0
    values[layout.SPEND_SHAPE] = b.spend.shape if b.spend is not None else 0.0
    profile = b.active_tenure_profile()  # none: the kernels skip the exp()
    if profile is not None:
        values[layout.TENURE_SPEND_GROWTH] = profile.spend_growth
        values[layout.TENURE_COST_DECLINE] = profile.cost_decline
        values[layout.TENURE_TIME_CONSTANT] = profile.time_constant
    return values
