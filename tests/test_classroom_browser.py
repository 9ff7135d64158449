"""The classroom game end to end in headless Chromium: the server in a subprocess, the teacher
and two teams in three browser contexts (three devices: separate cookies). Screenshots go to
test-artifacts/ (classroom-*.png). Skips with a clear message only where no browser is found
(tests/browser_support.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.browser_support import browser, free_port, marketsim_server, screenshot

ROOT = Path(__file__).resolve().parent.parent


def teacher_link(process) -> str:
    """The teacher's link, read from the lines the server printed before it listened."""
    for _ in range(40):
        line = process.stdout.readline()
        if "teacher page:" in line:
            return line.split("teacher page:", 1)[1].strip()
    raise AssertionError("the server printed no teacher link")


def join(context, base: str, code: str, team: str, firm: str):
    page = context.new_page()
    page.goto(base)
    page.fill("#code", code)
    page.fill("#team", team)
    page.select_option("#firm", firm)
    page.click("#join")
    page.wait_for_url(f"{base}team")
    assert page.text_content("#firm") == firm
    return page


def test_two_teams_play_a_round_and_cannot_touch_each_others_firm(tmp_path):
    port = free_port()
    out = tmp_path / "game"
    with browser() as chromium, marketsim_server(
            "classroom", "scenarios/classroom.toml", "--customers", "2000", "--port", str(port),
            "--host", "127.0.0.1", "--periods-per-round", "4", "--out", str(out),
            port=port, cwd=ROOT) as process:
        base = f"http://127.0.0.1:{port}/"
        link = teacher_link(process)
        assert link.startswith(f"{base}teacher?token=")

        # the teacher's page: the join code, and no token left in the address bar
        teacher = chromium.new_context(viewport={"width": 1100, "height": 900}).new_page()
        teacher.goto(link)
        assert teacher.url == f"{base}teacher"
        code = teacher.text_content("#join-code").strip()
        assert len(code) == 6 and code.isalnum()
        assert teacher.text_content("#join-url") == base
        assert "No round played yet" in teacher.text_content("#league")

        # without the token, the teacher's page refuses
        stranger = chromium.new_context().new_page()
        assert stranger.goto(f"{base}teacher").status == 403

        # two teams join from two devices and set their levers
        context_a = chromium.new_context(viewport={"width": 900, "height": 1000})
        context_b = chromium.new_context()
        team_a = join(context_a, base, code, "Baristas", "Fast Cup")
        team_a.fill("#lever-promise", "5")  # out of range: a clear message, nothing kept
        team_a.click("#save")
        assert "Promise: must be less than or equal to 3 (got 5)" in team_a.text_content(
            "#problems")
        team_a.fill("#lever-promise", "0.95")
        team_a.fill("#lever-price-coffee", "2.6")
        team_a.fill("#lever-acquisition_budget", "400")
        team_a.click("#save")
        assert "Saved: your levers for round 1" in team_a.text_content("#saved")

        team_b = join(context_b, base, code, "Loyalists", "Slow Roast")
        team_b.fill("#lever-retention-reward_rate", "0.08")
        team_b.select_option("#lever-relationship_level", "accountable")
        team_b.click("#save")
        team_b.wait_for_selector("#saved")

        # a team's token cannot set another firm's levers: the API and a tampered form, 403
        refused = context_a.request.post(f"{base}api/levers/Slow%20Roast",
                                         data=json.dumps({"levers": {"price.coffee": 1.0}}),
                                         headers={"Content-Type": "application/json"})
        assert refused.status == 403
        assert refused.json()["error"] == ("this team plays Fast Cup: its token cannot change "
                                           "the levers of Slow Roast")
        tampered = context_a.new_page()
        tampered.goto(f"{base}team")
        tampered.eval_on_selector("input[name=firm]", "e => e.value = 'Slow Roast'")
        with tampered.expect_navigation() as navigation:
            tampered.click("#save")
        assert navigation.value.status == 403
        assert "cannot change the levers of Slow Roast" in tampered.text_content("#message")
        screenshot(tampered, "classroom-refused")

        # the teacher sees both teams ready and closes the round
        teacher.reload()
        teams = teacher.text_content("#teams")
        assert "Baristas" in teams and "Loyalists" in teams and teams.count("levers in") == 2
        screenshot(teacher, "classroom-teacher-round-1")
        teacher.click("#close-round")
        teacher.wait_for_selector("#league[data-round='1']")
        rows = teacher.locator("#league tbody tr")
        assert rows.count() == 3
        assert teacher.get_attribute("#round", "data-round") == "2"
        # the same button pressed again (a double click, a resent form) closes nothing more
        resent = teacher.context.request.post(f"{base}teacher/close", form={"round": "1"})
        assert resent.ok and teacher.context.request.get(f"{base}api/state").json()[
            "round"] == 2
        screenshot(teacher, "classroom-teacher-league")

        # each team's page reloads by itself: its results and the league table
        team_a.wait_for_selector("#league[data-round='1']", timeout=15_000)
        assert team_a.locator("#results tbody tr").count() == 1
        assert team_a.locator("#saved").count() == 0  # last round's "Saved" is gone
        fast_cup = team_a.text_content("#league tr[data-firm='Fast Cup']")
        assert "Baristas" in fast_cup and "%" in fast_cup
        screenshot(team_a, "classroom-team")
        team_b.wait_for_selector("#league[data-round='1']", timeout=15_000)
        # Slow Roast kept its own price (the tampering was refused) and took its team's levers
        assert team_b.input_value("#lever-price-coffee") == "5.2"
        assert team_b.input_value("#lever-retention-reward_rate") == "0.08"
        context_b.close()  # a closed browser changes nothing on the server

        teacher.click("#close-round")
        teacher.wait_for_selector("#league[data-round='2']")

    printed = process.stdout.read()  # everything after the teacher link, up to the stop
    assert "Traceback" not in printed and f"stopped after 2 of 6 rounds; the game is saved in " \
        f"{out}" in printed
    events = [json.loads(line) for line in (out / "game.jsonl").read_text().splitlines()]
    rounds = [event for event in events if event["event"] == "round"]
    assert [event["round"] for event in rounds] == [1, 2]
    fast_cup_levers = rounds[0]["levers"]["Fast Cup"]  # the form sends every lever
    assert (fast_cup_levers["price.coffee"], fast_cup_levers["promise"],
            fast_cup_levers["acquisition_budget"]) == (2.6, 0.95, 400.0)
    assert rounds[0]["teams"] == {"Fast Cup": "Baristas", "Slow Roast": "Loyalists"}
    assert len((out / "rounds.csv").read_text().splitlines()) == 7

    # another process replays the saved game to the same results, byte for byte
    replayed = subprocess.run([sys.executable, "-m", "marketsim", "classroom", "--replay",
                               str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert replayed.returncode == 0, replayed.stderr
    assert "Identical to the saved results" in replayed.stdout
