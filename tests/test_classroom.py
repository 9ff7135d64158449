"""The classroom game without a browser: joining, tokens, levers, rounds, league table, the game
folder, replay, the JSON API over HTTP and the command's one-line messages."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from marketsim.classroom.game import FirmTaken, Game, GameOver, JoinError, NotAllowed, RoundClosed
from marketsim.classroom.league import LEAGUE_HEADINGS
from marketsim.classroom.levers import DecisionError, check_levers, model_decisions
from marketsim.classroom.record import GameRecord, read_log
from marketsim.classroom.replay import replay
from marketsim.cli import main
from tests.helpers import market_dict, scenario


def small_market(**changes):
    """Three firms, 1,000 customers, 12 periods; firm2 cuts its price at period 2 (scheduled)."""
    data = market_dict(customers=1000, periods=12, n_firms=3)
    data["firms"][2]["strategy"] = "scheduled"
    data["firms"][2]["strategy_params"] = {"changes": [{"period": 2, "price": 8.0}]}
    data.update(changes)
    return scenario(data)


@pytest.fixture
def game(tmp_path):
    return Game(small_market(), seed=5, periods_per_round=3, record=GameRecord(tmp_path / "g"))


def play_two_rounds(game: Game) -> dict[str, str]:
    tokens = {"firm0": game.join(game.join_code, "firm0", "Alpha"),
              "firm2": game.join(game.join_code.lower(), "firm2", "Gamma")}
    game.submit(tokens["firm0"], "firm0", {"price.cat0": "9.5", "retention.reward_rate": 0.05})
    game.submit(tokens["firm2"], "firm2", {"promise": 1.4, "relationship_level": "reactive"})
    game.close_round()
    game.submit(tokens["firm0"], "firm0", {"acquisition_budget": 2000})
    game.close_round()
    return tokens


def test_rounds_fit_the_scenario_and_the_model_runs_them(game):
    assert (game.rounds, game.periods_per_round) == (4, 3)  # 12 periods // 3
    assert game.scenario.market.periods == 12 and game.round == 1 and not game.over
    assert len(game.join_code) == 6 and game.join_code.isalnum()


def test_join_gives_each_firm_its_own_token_and_refuses_clearly(game):
    token = game.join(game.join_code, "firm0", "  Alpha   team ")
    assert game.firm_of(token) == "firm0" and game.teams["firm0"].name == "Alpha team"
    other = game.join(game.join_code, "firm1")  # no name: the firm's
    assert other != token and game.teams["firm1"].name == "firm1"
    with pytest.raises(JoinError, match="wrong join code"):
        game.join("NOPE12", "firm2")
    with pytest.raises(FirmTaken, match="firm0 is already played by team 'Alpha team'.*firm2"):
        game.join(game.join_code, "firm0")
    with pytest.raises(JoinError, match="no firm named 'firm9'; firms: firm0, firm1, firm2"):
        game.join(game.join_code, "firm9")
    assert game.free_firms() == ["firm2"]


def test_a_team_token_cannot_set_another_firms_levers(game):
    token = game.join(game.join_code, "firm0")
    game.join(game.join_code, "firm1")
    with pytest.raises(NotAllowed, match="this team plays firm0: its token cannot change the "
                                         "levers of firm1") as refused:
        game.submit(token, "firm1", {"promise": 2.0})
    assert refused.value.status == 403
    with pytest.raises(NotAllowed, match="unknown team token"):
        game.submit("forged", "firm0", {"promise": 2.0})
    with pytest.raises(NotAllowed, match="join the game"):
        game.submit(None, "firm0", {"promise": 2.0})
    with pytest.raises(NotAllowed, match="only the teacher"):
        game.check_teacher(token)
    game.check_teacher(game.teacher_token)
    assert "firm1" not in game.pending and "firm0" not in game.pending


def test_levers_are_checked_with_messages_naming_lever_value_and_range():
    with pytest.raises(DecisionError) as error:
        check_levers({"price.cat0": "-1", "retention.reward_rate": 2, "promise": "lots",
                      "relationship_level": "best friends", "colour": 1}, ["cat0"])
    problems = "\n".join(error.value.problems)
    assert "Price of cat0: must be greater than 0 (got -1)" in problems
    assert "Reward rate: must be less than or equal to 1 (got 2)" in problems
    assert "Promise: must be a number (got 'lots')" in problems
    assert "Relationship level: must be 'basic'" in problems
    assert "colour: not a lever of this game" in problems
    with pytest.raises(DecisionError, match="finite"):
        check_levers({"acquisition_budget": float("inf")}, ["cat0"])
    levers = check_levers({"price.cat0": " 9.5 ", "quality.cat0": "", "promise": 1}, ["cat0"])
    assert levers == {"price.cat0": 9.5, "promise": 1.0}  # an empty entry keeps the lever
    assert model_decisions(levers) == {"price": {"cat0": 9.5}, "promise": 1.0}


def test_closing_a_round_applies_the_teams_levers_and_keeps_other_firms_strategies(game):
    play_two_rounds(game)
    firm0, firm1, firm2 = (game.model.firm(name) for name in ("firm0", "firm1", "firm2"))
    assert firm0.price["cat0"] == 9.5 and firm0.retention.reward_rate == 0.05
    assert firm0.acquisition_budget == 2000  # round 2's decision; round 1's kept
    assert firm2.promise == 1.4 and firm2.relationship_level == "reactive"
    assert firm2.price["cat0"] == 10.0  # its team plays it: the scheduled cut never comes
    assert firm1.price["cat0"] == 10.0 and game.model.period == 6
    metrics = game.model.metrics()
    spend = metrics[metrics["firm"] == "firm0"].set_index("period")["acquisition_spend"]
    assert list(spend) == [1000.0] * 3 + [2000.0] * 3


def test_a_firm_no_team_picked_keeps_its_scenario_strategy(tmp_path):
    game = Game(small_market(), seed=5, periods_per_round=3)
    game.close_round()
    assert game.model.firm("firm2").price["cat0"] == 8.0  # the scheduled cut at period 2


def test_league_table_ranks_by_total_profit_and_updates_each_round(game):
    assert len(game.league()) == 0
    play_two_rounds(game)
    league = game.league()
    assert list(league["rank"]) == [1, 2, 3] and set(LEAGUE_HEADINGS) <= set(league.columns)
    assert (league["round"] == 2).all() and league["total_profit"].is_monotonic_decreasing
    results = game.results
    assert len(results) == 6 and list(results["round"].unique()) == [1, 2]
    for firm, rows in results.groupby("firm"):
        assert rows["total_profit"].iloc[-1] == pytest.approx(rows["profit"].sum())
        assert league.set_index("firm").loc[firm, "team"] == {"firm0": "Alpha",
                                                              "firm2": "Gamma"}.get(firm, "")
    metrics = game.model.metrics()
    round2 = metrics[metrics["period"] >= 4]
    assert league.set_index("firm").loc["firm1", "profit"] == pytest.approx(
        round2[round2["firm"] == "firm1"]["profit"].sum())
    assert league["market_share"].sum() == pytest.approx(1.0)
    assert league["share_of_customer"].between(0, 1).all()
    assert (league["customer_equity"] > 0).all()


def test_a_round_closes_once_even_when_the_button_is_pressed_twice(tmp_path):
    game = Game(small_market(), seed=1, periods_per_round=3)
    game.close_round(expected=1)
    with pytest.raises(RoundClosed, match="round 1 is closed already; round 2 is being played"):
        game.close_round(expected=1)
    assert game.round == 2 and game.model.period == 3


def test_the_game_ends_after_its_last_round(tmp_path):
    game = Game(small_market(), seed=1, periods_per_round=6)
    assert game.rounds == 2
    game.close_round(), game.close_round()
    assert game.over
    with pytest.raises(GameOver):
        game.close_round()
    with pytest.raises(GameOver):
        game.join(game.join_code, "firm0")


def test_the_game_folder_logs_every_event_without_tokens(game, tmp_path):
    tokens = play_two_rounds(game)
    game.release("firm2")
    folder = tmp_path / "g"
    events = read_log(folder)
    assert [e["event"] for e in events] == ["start", "join", "join", "decision", "decision",
                                           "round", "decision", "round", "release"]
    assert events[0]["seed"] == 5 and events[0]["periods_per_round"] == 3
    assert events[5]["teams"] == {"firm0": "Alpha", "firm2": "Gamma"}
    assert events[5]["levers"]["firm0"] == {"price.cat0": 9.5, "retention.reward_rate": 0.05}
    assert events[7]["levers"] == {"firm0": {"acquisition_budget": 2000.0}}
    text = (folder / "game.jsonl").read_text()
    assert not any(token in text for token in [*tokens.values(), game.teacher_token])
    rounds = (folder / "rounds.csv").read_text().splitlines()
    assert rounds[0].startswith("round,first_period,last_period,firm,team,profit") and \
        len(rounds) == 7
    assert len((folder / "league.csv").read_text().splitlines()) == 4
    assert "[market]" in (folder / "scenario.toml").read_text()
    assert game.free_firms() == ["firm1", "firm2"]
    with pytest.raises(Exception, match="already holds a game"):
        GameRecord(folder)


def test_replay_reproduces_the_league_table_exactly(game, tmp_path):
    play_two_rounds(game)
    again = replay(tmp_path / "g", out=tmp_path / "again")
    assert again.identical, again.differences
    assert again.game.league().equals(game.league())
    assert (tmp_path / "again" / "rounds.csv").read_text() == \
        (tmp_path / "g" / "rounds.csv").read_text()
    assert main(["classroom", "--replay", str(tmp_path / "g")]) == 0
    # a game played differently is not reproduced, and the replay says so
    changed = (tmp_path / "g" / "game.jsonl").read_text().replace('"price.cat0": 9.5',
                                                                   '"price.cat0": 9.0')
    (tmp_path / "g" / "game.jsonl").write_text(changed)
    assert not replay(tmp_path / "g").identical
    assert main(["classroom", "--replay", str(tmp_path / "g")]) == 1


def test_damaged_game_folders_are_one_clear_message(tmp_path, capsys):
    assert main(["classroom", "--replay", str(tmp_path / "missing")]) == 2
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "game.jsonl").write_text("{not json\n")
    assert main(["classroom", "--replay", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert "no such game folder" in err and "line 1: not JSON" in err
    assert "Traceback" not in err


def test_command_refuses_a_busy_port_and_bad_input_in_one_line(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["classroom", "--host", "127.0.0.1", "--port", str(port),
                     "--out", str(tmp_path / "g")]) == 2
    assert main(["classroom", str(tmp_path / "none.toml")]) == 2
    assert main(["classroom", "--periods-per-round", "0"]) == 2
    assert main(["classroom", "--port", "70000"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"marketsim: error: port {port} is busy (another program, perhaps "
                      f"another game, uses it): choose another with --port")
    assert "no such scenario file" in err[1] and "periods per round" in err[2]
    assert "--port must be from 1 to 65535" in err[3]
    assert not (tmp_path / "g").exists()


# ---------------------------------------------------------------------------- over HTTP
@pytest.fixture
def served(game):
    import uvicorn

    from marketsim.classroom.web import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(game, join_url="http://x/"),
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield game, f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def call(url: str, data=None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=None if data is None else json.dumps(data).encode(),
                                     method="GET" if data is None else "POST")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_json_api_joins_sets_levers_refuses_other_firms_and_closes_rounds(served):
    game, base = served
    status, joined = call(f"{base}/api/join", {"code": game.join_code, "firm": "firm0",
                                               "team": "Alpha"})
    assert status == 200 and joined["firm"] == "firm0"
    token = joined["token"]
    assert call(f"{base}/api/join", {"code": "WRONG1", "firm": "firm1"})[0] == 400
    assert call(f"{base}/api/join", {"code": game.join_code, "firm": "firm0"})[0] == 409
    status, kept = call(f"{base}/api/levers/firm0", {"levers": {"price.cat0": 9.0}}, token)
    assert status == 200 and kept["levers"] == {"price.cat0": 9.0}
    status, refused = call(f"{base}/api/levers/firm1", {"levers": {"price.cat0": 1.0}}, token)
    assert status == 403 and refused["error"] == ("this team plays firm0: its token cannot "
                                                  "change the levers of firm1")
    status, bad = call(f"{base}/api/levers/firm0", {"levers": {"promise": 9}}, token)
    assert status == 400 and bad["problems"] == ["Promise: must be less than or equal to 3 "
                                                 "(got 9)"]
    assert call(f"{base}/api/close", {}, token)[0] == 403  # a team is not the teacher
    state = call(f"{base}/api/state")[1]
    assert state["round"] == 1 and state["firms"][0] == {"firm": "firm0", "team": "Alpha",
                                                         "submitted": True}
    status, closed = call(f"{base}/api/close", {"round": 1}, game.teacher_token)
    assert status == 200 and len(closed["results"]) == 3
    status, again = call(f"{base}/api/close", {"round": 1}, game.teacher_token)
    assert status == 409 and again["error"].startswith("round 1 is closed already")
    state = call(f"{base}/api/state")[1]
    assert state["round"] == 2 and [row["rank"] for row in state["league"]] == [1, 2, 3]
    assert game.model.firm("firm0").price["cat0"] == 9.0 and game.model.firm(
        "firm1").price["cat0"] == 10.0


def post_form(base: str, path: str, fields: dict, cookie: str) -> int:
    """POST a form with a cookie, without following the redirect; the status."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.request("POST", path, body=urlencode(fields),
                       headers={"Content-Type": "application/x-www-form-urlencoded",
                                "Cookie": cookie})
    status = connection.getresponse().status
    connection.close()
    return status


def test_teacher_forms_need_the_teacher_token(served):
    game, base = served
    token = game.join(game.join_code, "firm1", "Beta")
    assert post_form(base, "/teacher/close", {"round": "1"}, f"marketsim_team={token}") == 403
    assert post_form(base, "/teacher/release", {"firm": "firm1"}, "") == 403
    assert game.round == 1 and "firm1" in game.teams
    teacher = f"marketsim_teacher={game.teacher_token}"
    assert post_form(base, "/teacher/release", {"firm": "firm1"}, teacher) == 303
    assert "firm1" not in game.teams and game.firm_of(token) is None
    assert post_form(base, "/teacher/close", {"round": "1"}, teacher) == 303
    assert post_form(base, "/teacher/close", {"round": "1"}, teacher) == 303  # closes no more
    assert game.round == 2
    assert post_form(base, "/team/levers", {"firm": "firm1", "promise": "1"},
                     f"marketsim_team={token}") == 403  # a freed firm's old token
