"""The web layer of the classroom game: a small Starlette app over a
:class:`marketsim.classroom.game.Game`.

Pages (server-rendered forms, :mod:`marketsim.classroom.pages`):

* ``GET /``: join with the code, a team name and a free firm (``POST /join`` sets the team's
  token in a cookie and opens ``/team``);
* ``GET /team``: the team's levers (``POST /team/levers``), its results and the league table;
* ``GET /teacher?token=T``: keeps the teacher token in a cookie and opens ``/teacher``: the join
  code, the teams, ``POST /teacher/close`` (close the round the page shows: a second click
  closes nothing more), ``POST /teacher/release`` (free a
  firm), exports of the game folder.

JSON API (a team's token as ``Authorization: Bearer TOKEN`` or the cookie):

* ``GET /api/state``: round, teams, whether each has submitted, the league table;
* ``POST /api/join`` ``{"code", "firm", "team"}``: ``{"firm", "token"}``;
* ``POST /api/levers/{firm}`` ``{"levers": {"price.coffee": 3.2, ...}}``: the levers kept;
  403 with ``{"error": ...}`` when the token is not that firm's team's, 400 with
  ``{"error", "problems"}`` for invalid levers;
* ``POST /api/close`` (the teacher's token; ``{"round": n}`` optional: closes only round
  ``n``, 409 if it is closed already): the round's results.

Game calls run in a worker thread (closing a round runs the market), never on the event loop.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from marketsim.classroom import pages
from marketsim.classroom.game import Game, GameError, NotAllowed, RoundClosed
from marketsim.classroom.levers import DecisionError
from marketsim.classroom.record import LEAGUE, LOG, ROUNDS

TEAM_COOKIE, TEACHER_COOKIE = "marketsim_team", "marketsim_teacher"
#: Largest request body read (a form or a JSON object of levers is far smaller).
MAX_BODY = 64 * 1024
#: How long the browser keeps a token (seconds): a school day and then some.
COOKIE_AGE = 24 * 3600


class BadRequest(GameError):
    pass


async def _body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BadRequest(f"request too large (over {MAX_BODY // 1024} KiB)")
    return body


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded form's fields (the first value of each)."""
    text = (await _body(request)).decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


async def _json(request: Request) -> Any:
    try:
        return json.loads((await _body(request)) or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("the request body must be JSON") from None


def _bearer(request: Request, cookie: str) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(cookie)


def _round(value: Any) -> int | None:
    """The round number a request names (``None`` when it names none)."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"round must be a whole number, got {value!r}") from None


def _plain(value: Any) -> Any:
    """A JSON-safe value: NaN as ``None``, numpy numbers as Python numbers."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame) -> list[dict[str, Any]]:
    return [{key: _plain(value) for key, value in row.items()}
            for row in frame.to_dict(orient="records")]


def create_app(game: Game, *, join_url: str = "") -> Starlette:
    """The game's web app; ``join_url`` is the address teams open (shown to the teacher)."""

    def html(text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(text, status_code=status)

    def refused(error: GameError | DecisionError) -> HTMLResponse:
        title = "Not allowed" if isinstance(error, NotAllowed) else "Refused"
        return html(pages.message_page(title, str(error)), error.status)

    # ------------------------------------------------------------------ teams
    async def join_page(request: Request) -> Response:
        if game.firm_of(request.cookies.get(TEAM_COOKIE)) is not None:
            return RedirectResponse("/team", status_code=303)
        return html(await run_in_threadpool(pages.join_page, game))

    async def join(request: Request) -> Response:
        form = await _form(request)
        try:
            token = await run_in_threadpool(game.join, form.get("code", ""),
                                            form.get("firm", ""), form.get("team", ""))
        except GameError as error:
            text = await run_in_threadpool(pages.join_page, game, problems=[str(error)],
                                           values=form)
            return html(text, error.status)
        response = RedirectResponse("/team", status_code=303)
        response.set_cookie(TEAM_COOKIE, token, max_age=COOKIE_AGE, httponly=True,
                            samesite="strict")
        return response

    async def team_page(request: Request) -> Response:
        firm = game.firm_of(request.cookies.get(TEAM_COOKIE))
        if firm is None:
            return RedirectResponse("/", status_code=303)
        saved = request.query_params.get("saved") == str(game.round)
        ok = f"Saved: your levers for round {game.round}." if saved else None
        return html(await run_in_threadpool(pages.team_page, game, firm, ok=ok))

    async def set_levers(request: Request) -> Response:
        form = await _form(request)
        firm = form.pop("firm", "")
        token = request.cookies.get(TEAM_COOKIE)
        try:
            await run_in_threadpool(game.submit, token, firm, form)
        except DecisionError as error:
            text = await run_in_threadpool(pages.team_page, game, firm, problems=error.problems,
                                           entries=form)
            return html(text, 400)
        except GameError as error:
            return refused(error)
        return RedirectResponse(f"/team?saved={game.round}", status_code=303)

    # ------------------------------------------------------------------ teacher
    def teacher_token(request: Request) -> str | None:
        return request.cookies.get(TEACHER_COOKIE)

    async def teacher_page(request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:  # the link from the terminal: keep the token, hide it
            try:
                game.check_teacher(token)
            except GameError as error:
                return refused(error)
            response = RedirectResponse("/teacher", status_code=303)
            response.set_cookie(TEACHER_COOKIE, token, max_age=COOKIE_AGE, httponly=True,
                                samesite="strict")
            return response
        try:
            game.check_teacher(teacher_token(request))
        except GameError as error:
            return refused(error)
        return html(await run_in_threadpool(pages.teacher_page, game, join_url,
                                            exports=game.record is not None))

    async def close_round(request: Request) -> Response:
        form = await _form(request)
        try:
            game.check_teacher(teacher_token(request))
            await run_in_threadpool(game.close_round, _round(form.get("round")))
        except RoundClosed:  # the button pressed twice: the round closed once, show it
            pass
        except GameError as error:
            return refused(error)
        return RedirectResponse("/teacher", status_code=303)

    async def release(request: Request) -> Response:
        form = await _form(request)
        try:
            game.check_teacher(teacher_token(request))
            await run_in_threadpool(game.release, form.get("firm", ""))
        except GameError as error:
            return refused(error)
        return RedirectResponse("/teacher", status_code=303)

    async def export(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            game.check_teacher(teacher_token(request))
        except GameError as error:
            return refused(error)
        if game.record is None or name not in (ROUNDS, LEAGUE, LOG):
            return html(pages.message_page("Not found", f"no export named {name}"), 404)
        path = game.record.folder / name
        if not path.is_file():
            return html(pages.message_page("Not yet", f"{name} is written when the first "
                                                      f"round closes"), 404)
        return FileResponse(path, filename=name)

    # ------------------------------------------------------------------ JSON API
    def state() -> dict[str, Any]:
        return {
            "round": game.round, "rounds": game.rounds, "over": game.over,
            "periods_per_round": game.periods_per_round, "version": game.version,
            "firms": [{"firm": firm, "team": game.teams[firm].name if firm in game.teams
                       else None, "submitted": firm in game.pending} for firm in game.firms],
            "league": _records(game.league()),
        }

    async def api_state(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(state))

    def api_error(error: GameError | DecisionError) -> JSONResponse:
        content: dict[str, Any] = {"error": str(error)}
        if isinstance(error, DecisionError):
            content["problems"] = error.problems
        return JSONResponse(content, status_code=error.status)

    async def api_join(request: Request) -> Response:
        try:
            data = await _json(request)
            if not isinstance(data, dict):
                raise BadRequest("send a JSON object: {\"code\", \"firm\", \"team\"}")
            token = await run_in_threadpool(game.join, str(data.get("code", "")),
                                            str(data.get("firm", "")), str(data.get("team", "")))
        except GameError as error:
            return api_error(error)
        return JSONResponse({"firm": data.get("firm"), "token": token})

    async def api_levers(request: Request) -> Response:
        firm = request.path_params["firm"]
        try:
            game.authorise(_bearer(request, TEAM_COOKIE), firm)  # before reading the body
            data = await _json(request)
            levers = data.get("levers", data) if isinstance(data, dict) else data
            kept = await run_in_threadpool(game.submit, _bearer(request, TEAM_COOKIE), firm,
                                           levers)
        except (GameError, DecisionError) as error:
            return api_error(error)
        return JSONResponse({"firm": firm, "round": game.round, "levers": kept})

    async def api_close(request: Request) -> Response:
        try:
            game.check_teacher(_bearer(request, TEACHER_COOKIE))
            data = await _json(request)
            expected = _round(data.get("round")) if isinstance(data, dict) else None
            results = await run_in_threadpool(game.close_round, expected)
        except GameError as error:
            return api_error(error)
        return JSONResponse({"results": _records(results)})

    routes = [
        Route("/", join_page), Route("/join", join, methods=["POST"]),
        Route("/team", team_page), Route("/team/levers", set_levers, methods=["POST"]),
        Route("/teacher", teacher_page), Route("/teacher/close", close_round, methods=["POST"]),
        Route("/teacher/release", release, methods=["POST"]),
        Route("/teacher/export/{name}", export),
        Route("/api/state", api_state), Route("/api/join", api_join, methods=["POST"]),
        Route("/api/levers/{firm:path}", api_levers, methods=["POST"]),
        Route("/api/close", api_close, methods=["POST"]),
    ]

    async def on_refusal(request: Request, error: Exception) -> Response:
        """A refusal raised outside a handler's own checks (a body too large, say)."""
        return api_error(error) if request.url.path.startswith("/api/") else refused(error)

    return Starlette(routes=routes, exception_handlers={GameError: on_refusal,
                                                       DecisionError: on_refusal})
