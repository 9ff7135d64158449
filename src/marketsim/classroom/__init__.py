"""The classroom game (``marketsim classroom``): teams run firms in one market, round by round,
in the spirit of NetLogo's HubNet.

The teacher starts the game on a laptop; its page shows a join code; each team opens the
game's address on its own device, enters the code, picks a free firm and gets a team token
(kept in a cookie) that lets it set that firm's levers and no other's. The teacher closes each
round; the market runs a set number of periods with the teams' levers (firms no team picked
keep their scenario strategy), and every team sees its results and the league table (profit,
market share, share of customer, customer equity). Everything is saved in a game folder, so a
game can be replayed (``marketsim classroom --replay DIR``) and debriefed. docs/teaching.md
says how to run one with a class.

Modules: the game logic, testable without a browser or a server, is in :mod:`.levers` (what a
team sets and how it is checked), :mod:`.game` (teams, tokens, rounds), :mod:`.league` (round
results and the league table), :mod:`.record` (the game folder) and :mod:`.replay`; the web
layer is :mod:`.pages` (HTML) and :mod:`.web` (routes); :mod:`.command` is the command line.

Why Starlette and uvicorn, with server-rendered forms, rather than Solara (which Mesa's
SolaraViz and ``marketsim dashboard`` use): a game is one shared state with many users, and
what must hold (a team's token changes only its own firm; the teacher alone closes a round) is
an HTTP request checked on the server and answered 403, which a plain route states and a test
checks with any HTTP client. Solara keeps per-browser state in a websocket session built for
one user exploring a model; sharing one game across sessions, and authorising each change,
would be our own code inside its reactive machinery, harder to test and to reason about. Plain
HTML forms also work on any device a class brings (no JavaScript needed; a few lines only
reload a page when the round moves on), and both libraries are already installed as
dependencies of ``mesa[viz]``.
"""
