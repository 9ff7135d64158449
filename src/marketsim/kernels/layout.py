"""Named positions in the small parameter arrays handed to kernels, and customer status codes.

Kernels take firm, segment and behaviour parameters as dense float64 arrays (one row per firm or
segment) so that their signatures stay short and Numba-friendly; these constants name the
columns. Python code fills them in :mod:`marketsim.engine` and nowhere else.
"""

# Status of a customer-firm pair (Griffin's loyalty ladder, simplified).
PROSPECT = 0     # has never bought from the firm (aware or not)
FIRST_TIME = 1   # has bought from the firm in exactly one period
REGULAR = 2      # has bought from the firm in two or more periods (or came back)
EX_CUSTOMER = 3  # defected; back in the choice set only once made aware again
STATUS_NAMES = ("prospect", "first_time", "regular", "ex_customer")

# Firm parameter columns (array shape (F, N_FIRM_PARAMS)).
SERVICE = 0
IMAGE = 1
CONVENIENCE = 2
TRUST = 3
PROMISE = 4
REACH = 5
REWARD_RATE = 6
POINTS_EXPIRY = 7
PERSONAL_SERVICE = 8
PERSONAL_SERVICE_COST = 9
STRUCTURAL_INVESTMENT = 10
STRUCTURAL_COST = 11
IMITATION_HAZARD = 12      # q A_f / N: chance per period word of mouth reaches an unaware customer
N_FIRM_PARAMS = 13

# Segment parameter columns (array shape (S, N_SEGMENT_PARAMS)).
LOSS_AVERSION = 0
SATISFACTION_MEMORY = 1
EXPECT_EXPERIENCE = 2
EXPECT_WORD_OF_MOUTH = 3
EXPECT_PROMISE = 4
TIE_FINANCIAL = 5
TIE_SOCIAL = 6
TIE_STRUCTURAL = 7
PERFORMANCE_WEIGHT = 8     # alpha_P: weight of performance against the norm in satisfaction
REFERENCE_PERFORMANCE = 9  # N: the segment's comparison norm of performance
CREDIBILITY = 10           # eta: learning rate of a firm's promise bias from experience
CREDIBILITY_WORD_OF_MOUTH = 11  # eta_W: the same from neighbours' reports
VALUE_WEIGHT = 12          # alpha_V: weight of delivered value against the brands known
N_SEGMENT_PARAMS = 13

# Behaviour constants (array shape (N_BEHAVIOUR,)).
CHOICE_SENSITIVITY = 0
TIE_WEIGHT = 1
HABIT_WEIGHT = 2
PERFORMANCE_NOISE = 3
PRAISE_THRESHOLD = 4
COMPLAINT_THRESHOLD = 5
COMPLAINT_REACH = 6
SOCIAL_GROWTH = 7
SOCIAL_DECAY = 8
STRUCTURAL_GROWTH = 9
STRUCTURAL_DECAY = 10
WINDOW_DECAY = 11
DEFECTION_NOISE = 12       # tau: scale of the logistic defection hazard (0: deterministic)
DELIGHT_THRESHOLD = 13     # satisfaction above which delight adds loyalty
DELIGHT_WEIGHT = 14        # kappa_2: extra loyalty per unit of satisfaction above it
AWARENESS_DECAY = 15       # delta: chance an unexposed non-customer forgets a firm per period
PERSONAL_BONDED = 16       # 1: the personal benefit counts only through the social bond
TRIAL_ON_AWARENESS = 17    # 1: becoming aware of a firm is buying from it once (a trial)
SPEND_SHAPE = 18           # p: Gamma shape of spend per occasion (0: one price per occasion)
TENURE_SPEND_GROWTH = 19   # g_T: spend multiplier 1 + g_T (1 - exp(-tenure / tau_T))
TENURE_COST_DECLINE = 20   # phi_T: cost to serve times 1 - phi_T (1 - exp(-tenure / tau_T))
TENURE_TIME_CONSTANT = 21  # tau_T in periods (0: no tenure profile, the exp() is skipped)
N_BEHAVIOUR = 22

# Customer weights columns (array shape (N, 8)): four benefits then four costs.
W_PRODUCT, W_SERVICES, W_PERSONAL, W_IMAGE = 0, 1, 2, 3
W_MONETARY, W_TIME, W_ENERGY, W_PSYCHIC = 4, 5, 6, 7

# Index of draws in the initialisation stream of one customer.
INIT_SEGMENT = 0
INIT_WEIGHTS = 1          # 8 draws
INIT_PRICE_SENSITIVITY = 9
INIT_THRESHOLD = 10
INIT_FIRM = 11
INIT_AWARENESS = 12       # one per firm (at most 20)
INIT_RECENCY = 32
INIT_RATES = 64           # Gamma draws, a variable number, one category after the other

# The most firms a scenario may have (marketsim.scenario.schema.MAX_FIRMS), for draw indices.
MAX_FIRMS = 20

# Draws of customer i's taste for firm f in the taste stream start at index f * TASTE_DRAWS (a
# Gamma deviate takes a variable number of draws, about 2.1 on average).
TASTE_DRAWS = 256

# Purchase choice draws of customer i in category c use index c * MAX_PURCHASES + k.
MAX_PURCHASES = 65535
