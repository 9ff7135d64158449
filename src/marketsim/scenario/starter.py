"""``marketsim new NAME``: a commented starter scenario that validates and runs.

The template shows every section, a segment on a named basis, a business segment with a
buying centre (commented out) and two firms with different strategies; each line says what the
field does. ``docs/scenarios.md`` documents every field.
"""

from __future__ import annotations

from pathlib import Path

from marketsim.errors import RunOptionError

TEMPLATE = '''\
# {title}: a starter scenario written by `marketsim new`.
# Check it with `marketsim validate {file}`, run it with `marketsim run {file}`.
# Every field, its default and its allowed range: docs/scenarios.md. Fields left out take
# their defaults. Replace the numbers below with your own, and say where each comes from.

[market]
name = "{title}"
periods = 26                   # purchase cycles simulated
period_unit = "week"           # what one period stands for
warmup_periods = 4             # unrecorded periods so the market starts settled
discount_rate = 0.002          # per period, for lifetime values (0.002/week is about 11%/year)

[population]
customers = 10_000             # override with `marketsim run {file} --customers N`

[[categories]]
name = "coffee"
reference_price = 5.0          # typical price of one purchase; prices are felt relative to it

[network]                      # the social network word of mouth travels on
kind = "small_world"
degree = 8

# Segments: shares sum to 1. `basis` and `variables` say who the customers are (any of
# demographic, geographic, psychographic, behavioural, needs_based, firmographic,
# technographic); the other fields say how they behave.
[[segments]]
name = "students"
share = 0.4
basis = "demographic"
variables = {{ age_band = "18-24", income = "low" }}
purchase_rate = {{ coffee = {{ mean = 2.0, shape = 1.5 }} }}   # purchases per period (NBD)
price_sensitivity = {{ mean = 1.6, spread = 0.3 }}            # price matters a lot
switching_threshold = {{ mean = 0.25, spread = 0.5 }}         # quick to switch
word_of_mouth = 0.25

[[segments]]
name = "professionals"
share = 0.6
basis = "psychographic"
variables = {{ lifestyle = "busy", values = "convenience" }}
purchase_rate = {{ coffee = {{ mean = 1.5, shape = 1.0 }} }}
price_sensitivity = {{ mean = 0.7, spread = 0.3 }}
switching_threshold = {{ mean = 0.45, spread = 0.5 }}
cost_weights = {{ monetary = 0.8, time = 0.6, energy = 0.2, psychic = 0.2 }}  # time is precious

# A business segment is a buying centre: uncomment (and lower the shares above so that all
# shares sum to 1). The buyer's weights choose the firm; each member judges in its own
# weights; `rule` is "weighted_mean" or "decider_veto".
# [[segments]]
# name = "offices"
# share = 0.2
# kind = "business"
# basis = "firmographic"
# variables = {{ size = "10-50 employees" }}
# purchase_rate = {{ coffee = {{ mean = 20.0, shape = 2.0 }} }}
# buying_centre.rule = "decider_veto"
# buying_centre.user = {{ weight = 2.0, cost_weights = {{ monetary = 0.0 }} }}
# buying_centre.decider = {{ threshold = 0.4, cost_weights = {{ monetary = 2.0 }} }}

[[firms]]
name = "Corner Cafe"
offers.coffee = {{ price = 4.5, quality = 0.6, unit_cost = 2.0 }}
service = 0.6
promise = 1.2                  # what it advertises (quality + service scale)
acquisition_budget = 300       # per period
reach_cost = 5000              # budget that reaches 63% of unaware customers
initial_share = 0.3            # starts with 30% of customers
initial_awareness = 0.6
retention = {{ reward_rate = 0.05, personal_service = 0.3, personal_service_cost = 0.05 }}

[[firms]]
name = "Chain"
offers.coffee = {{ price = 4.0, quality = 0.55, unit_cost = 1.5 }}
service = 0.4
convenience = 0.8
promise = 1.0
acquisition_budget = 800
reach_cost = 5000
initial_share = 0.5
initial_awareness = 0.9
strategy = "adaptive_price"    # revises its price from its own results
'''


def starter_path(name: str) -> Path:
    """The file ``marketsim new NAME`` writes: ``NAME.toml`` (or NAME if it ends in .toml)."""
    path = Path(name)
    return path if path.suffix == ".toml" else path.with_name(path.name + ".toml")


def write_starter(name: str) -> Path:
    """Write the starter scenario for ``name``; refuse to overwrite an existing file."""
    path = starter_path(name)
    if not path.stem:
        raise RunOptionError(f"{name!r}: give the new scenario a name")
    title = path.stem.replace("_", " ").replace("-", " ")
    text = TEMPLATE.format(title=title, file=path.as_posix())
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise RunOptionError(f"{path}: already exists; not overwritten (choose another "
                             "name or remove the file)") from None
    except FileNotFoundError:
        raise RunOptionError(f"{path}: the folder {path.parent} does not exist") from None
    return path
