"""The classroom game's HTML pages, rendered on the server (plain forms: any device's browser
works, with or without JavaScript; a few lines of script only reload a page when the game moves
on). Every text from outside (firm and team names, entries) is escaped here.
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

import pandas as pd

from marketsim.classroom.league import LEAGUE_HEADINGS
from marketsim.classroom.levers import team_levers

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem;
       color: #1f2933; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border-bottom: 1px solid #d9e2ec; padding: .3rem .5rem; text-align: right; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
.code { font-size: 3.5rem; letter-spacing: .4rem; font-weight: bold; color: #0b6e4f; }
.box { border: 1px solid #d9e2ec; border-radius: .5rem; padding: .75rem 1rem; margin: 1rem 0; }
.error { background: #fde8e8; border-color: #e12d39; }
.ok { background: #e3f9e5; border-color: #31b237; }
label { display: block; margin: .6rem 0 .1rem; font-weight: 600; }
.help { color: #52606d; font-size: .85rem; font-weight: normal; }
input, select, button { font-size: 1rem; padding: .35rem .5rem; }
button { background: #0b6e4f; color: white; border: 0; border-radius: .3rem; cursor: pointer; }
button.secondary { background: #829ab1; }
.muted { color: #52606d; }
"""


def page(title: str, body: str, *, poll: dict[str, Any] | None = None) -> str:
    """A whole page; ``poll`` ({"key": "round", "value": 3}) reloads it (without its query:
    a form's answer is not shown again) when ``/api/state``'s ``key`` changes."""
    script = ""
    if poll is not None:
        script = (
            "<script>\n"
            f"const watched = {json.dumps(poll)};\n"
            "setInterval(async () => {\n"
            "  try {\n"
            "    const state = await (await fetch('/api/state')).json();\n"
            "    if (state[watched.key] !== watched.value) location.replace(location.pathname);\n"
            "  } catch (e) { /* the server stopped: keep the page */ }\n"
            "}, 2000);\n"
            "</script>")
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body>{body}{script}</body></html>")


def money(value: Any) -> str:
    return "-" if _missing(value) else f"{value:,.0f}"


def percent(value: Any) -> str:
    return "-" if _missing(value) else f"{100 * value:.1f}%"


def number(value: Any, decimals: int = 2) -> str:
    return "-" if _missing(value) else f"{value:.{decimals}f}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


FORMATS = {"total_profit": money, "profit": money, "market_share": percent,
           "share_of_customer": percent, "customer_equity": money, "revenue": money,
           "customers": lambda v: money(float(v)), "retention": percent,
           "mean_satisfaction": number}


def messages(ok: str | None = None, problems: list[str] | None = None) -> str:
    html = ""
    if ok:
        html += f"<div class=\"box ok\" id=\"saved\">{escape(ok)}</div>"
    if problems:
        items = "".join(f"<li>{escape(_sentence(p))}</li>" for p in problems)
        html += f"<div class=\"box error\" id=\"problems\"><ul>{items}</ul></div>"
    return html


def league_html(league: pd.DataFrame, highlight: str | None = None) -> str:
    """The league table (``id="league"``), or a line saying no round has been played."""
    if not len(league):
        return "<p class=\"muted\" id=\"league\">No round played yet.</p>"
    heads = "".join(f"<th class=\"{'text' if key in ('firm', 'team') else ''}\">"
                    f"{escape(label)}</th>" for key, label in LEAGUE_HEADINGS.items())
    rows = []
    for _, row in league.iterrows():
        cells = []
        for key in LEAGUE_HEADINGS:
            value = row[key]
            if key in ("firm", "team"):
                cells.append(f"<td class=\"text\">{escape(str(value or ''))}</td>")
            elif key == "rank":
                cells.append(f"<td>{int(value)}</td>")
            else:
                cells.append(f"<td>{FORMATS[key](value)}</td>")
        mark = " style=\"font-weight:bold\"" if row["firm"] == highlight else ""
        rows.append(f"<tr data-firm=\"{escape(str(row['firm']))}\"{mark}>{''.join(cells)}</tr>")
    round_number = int(league["round"].iloc[0])
    return (f"<table id=\"league\" data-round=\"{round_number}\"><thead><tr>{heads}</tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def results_html(results: pd.DataFrame) -> str:
    """One firm's results, one row per round (``id="results"``)."""
    if not len(results):
        return "<p class=\"muted\" id=\"results\">Your results appear after the first round.</p>"
    columns = {"round": "Round", "profit": "Profit", "revenue": "Revenue",
               "customers": "Customers", "market_share": "Market share",
               "share_of_customer": "Share of customer", "retention": "Retention",
               "mean_satisfaction": "Satisfaction", "customer_equity": "Customer equity"}
    heads = "".join(f"<th>{label}</th>" for label in columns.values())
    rows = []
    for _, row in results.iterrows():
        cells = [f"<td>{int(row['round'])} (periods {int(row['first_period'])}-"
                 f"{int(row['last_period'])})</td>"]
        cells += [f"<td>{FORMATS[key](row[key])}</td>" for key in list(columns)[1:]]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f"<table id=\"results\"><thead><tr>{heads}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _round_line(game) -> str:
    if game.over:
        return f"<p id=\"round\" data-round=\"{game.round}\">The game is over: all " \
               f"{game.rounds} rounds have been played.</p>"
    first = (game.round - 1) * game.periods_per_round + 1
    last = first + game.periods_per_round - 1
    unit = game.scenario.market.period_unit
    return (f"<p id=\"round\" data-round=\"{game.round}\">Round <b>{game.round}</b> of "
            f"{game.rounds}: {unit}s {first}-{last}.</p>")


def join_page(game, *, problems: list[str] | None = None, values: dict | None = None) -> str:
    values = values or {}
    free = game.free_firms()
    market = escape(game.scenario.market.name)
    if not free:
        body = (f"<h1>{market}</h1>{messages(problems=problems)}<p>Every firm is taken: ask "
                f"the teacher to free one.</p>")
        return page("Join the game", body)
    options = "".join(
        f"<option value=\"{escape(f)}\"{' selected' if values.get('firm') == f else ''}>"
        f"{escape(f)}</option>" for f in free)
    body = (
        f"<h1>Join the market game</h1><p class=\"muted\">{market}</p>"
        f"{messages(problems=problems)}"
        "<form method=\"post\" action=\"/join\" class=\"box\">"
        "<label for=\"code\">Join code <span class=\"help\">(on the teacher's screen)</span>"
        f"</label><input id=\"code\" name=\"code\" autocomplete=\"off\" "
        f"value=\"{escape(values.get('code', ''))}\" autocapitalize=\"characters\">"
        "<label for=\"team\">Team name</label>"
        f"<input id=\"team\" name=\"team\" maxlength=\"40\" "
        f"value=\"{escape(values.get('team', ''))}\">"
        f"<label for=\"firm\">Your firm</label><select id=\"firm\" name=\"firm\">{options}"
        "</select><p><button type=\"submit\" id=\"join\">Join</button></p></form>")
    return page("Join the game", body)


def team_page(game, firm: str, *, ok: str | None = None, problems: list[str] | None = None,
              entries: dict | None = None) -> str:
    team = game.teams.get(firm)  # None if the teacher has just freed the firm
    name = team.name if team is not None else firm
    current = game.levers(firm)
    entries = entries or {}
    fields = []
    for lever in team_levers(game.categories[firm]):
        value = entries.get(lever.key, current[lever.key])
        field_id = "lever-" + lever.key.replace(".", "-")
        if lever.choices:
            options = "".join(f"<option{' selected' if c == value else ''}>{escape(c)}</option>"
                              for c in lever.choices)
            control = f"<select id=\"{escape(field_id)}\" name=\"{escape(lever.key)}\">" \
                      f"{options}</select>"
        else:
            shown = value if isinstance(value, str) else repr(float(value)).removesuffix(".0")
            control = (f"<input id=\"{escape(field_id)}\" name=\"{escape(lever.key)}\" "
                       f"inputmode=\"decimal\" value=\"{escape(shown)}\">")
        fields.append(f"<label for=\"{escape(field_id)}\">{escape(lever.label)} "
                      f"<span class=\"help\">{escape(lever.help)}</span></label>{control}")
    submitted = firm in game.pending
    status = ("Your levers for this round are in; you may still change them until the "
              "teacher closes the round." if submitted else
              "Set your levers for this round, then press Save (unchanged levers stay as "
              "they are).")
    form = ("" if game.over else
            f"<form method=\"post\" action=\"/team/levers\" class=\"box\" id=\"levers\">"
            f"<input type=\"hidden\" name=\"firm\" value=\"{escape(firm)}\">"
            f"<p class=\"muted\">{status}</p>{''.join(fields)}"
            f"<p><button type=\"submit\" id=\"save\">Save levers</button></p></form>")
    body = (f"<h1>{escape(name)}: <span id=\"firm\">{escape(firm)}</span></h1>"
            f"{_round_line(game)}{messages(ok, problems)}{form}"
            f"<h2>Your results</h2>{results_html(game.results_of(firm))}"
            f"<h2>League table</h2>{league_html(game.league(), highlight=firm)}")
    return page(f"{firm}: market game", body, poll={"key": "round", "value": game.round})


def teacher_page(game, join_url: str, *, ok: str | None = None,
                 problems: list[str] | None = None, exports: bool = False) -> str:
    rows = []
    for firm in game.firms:
        team = game.teams.get(firm)
        if team is None:
            rows.append(f"<tr><td>{escape(firm)}</td><td class=\"text muted\">no team "
                        f"(plays its scenario strategy)</td><td></td><td></td></tr>")
            continue
        ready = "levers in" if firm in game.pending else "waiting"
        release = (f"<form method=\"post\" action=\"/teacher/release\">"
                   f"<input type=\"hidden\" name=\"firm\" value=\"{escape(firm)}\">"
                   f"<button class=\"secondary\" type=\"submit\">Free this firm</button></form>")
        rows.append(f"<tr data-firm=\"{escape(firm)}\"><td>{escape(firm)}</td>"
                    f"<td class=\"text\">{escape(team.name)}</td><td class=\"text\">{ready}</td>"
                    f"<td>{release}</td></tr>")
    close = ("" if game.over else
             f"<form method=\"post\" action=\"/teacher/close\">"
             f"<input type=\"hidden\" name=\"round\" value=\"{game.round}\">"
             f"<button type=\"submit\" "
             f"id=\"close-round\">Close round {game.round} and run "
             f"{game.periods_per_round} {game.scenario.market.period_unit}s</button></form>")
    links = ("<p>Export: <a href=\"/teacher/export/rounds.csv\">rounds.csv</a> · "
             "<a href=\"/teacher/export/league.csv\">league.csv</a> · "
             "<a href=\"/teacher/export/game.jsonl\">game.jsonl</a></p>" if exports else "")
    body = (
        f"<h1>{escape(game.scenario.market.name)}</h1>"
        f"<div class=\"box\"><p>Teams: open <b id=\"join-url\">{escape(join_url)}</b> and "
        f"enter the join code</p><div class=\"code\" id=\"join-code\">"
        f"{escape(game.join_code)}</div></div>"
        f"{_round_line(game)}{messages(ok, problems)}"
        f"<h2>Teams</h2><table id=\"teams\"><thead><tr><th>Firm</th><th class=\"text\">Team"
        f"</th><th class=\"text\">This round</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{close}"
        f"<h2>League table</h2>{league_html(game.league())}{links}")
    return page("Teacher: market game", body, poll={"key": "version", "value": game.version})


def message_page(title: str, text: str) -> str:
    """A page with one message (a refusal, a wrong link) and a way back."""
    return page(title, f"<h1>{escape(title)}</h1><div class=\"box error\" id=\"message\">"
                       f"{escape(_sentence(text))}</div><p><a href=\"/\">Back to the game</a>"
                       f"</p>")


def _sentence(text: str) -> str:
    """A message as a sentence on a page (the command line's messages start in lower case)."""
    return text[:1].upper() + text[1:]
