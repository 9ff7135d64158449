"""The classroom game (``marketsim classroom``): teams run firms in one market, round by round.
"""
