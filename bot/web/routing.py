"""Routes declared with what they need: a permission, or none for the few public pages.

The console's router is built only from these declarations, so a route cannot exist
without saying who may use it; the tests enumerate the router against them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.web.access import Permission

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC = None  # a route anybody may open: the login page, the stylesheet


@dataclass(frozen=True)
class Route:
    """One route: method, path, handler, the permission it needs (None: public), its name,
    and whether it exists only in simulation mode."""

    method: str
    path: str
    handler: Handler
    permission: Permission | None
    name: str
    simulation_only: bool = False


DECLARED: web.AppKey[dict[tuple[str, str], Route]] = web.AppKey("declared_routes", dict)


def add_routes(app: web.Application, routes: list[Route], *, simulation: bool) -> None:
    """Register the declared routes (tester routes only in simulation mode)."""
    table = app[DECLARED]
    for route in routes:
        if route.simulation_only and not simulation:
            continue
        app.router.add_route(route.method, route.path, route.handler, name=route.name)
        table[(route.method, route.path)] = route


def declared(request: web.Request) -> Route | None:
    """The declaration of the route a request matched (HEAD goes with GET)."""
    resource = request.match_info.route.resource
    if resource is None:
        return None
    method = "GET" if request.method == "HEAD" else request.method
    return request.app[DECLARED].get((method, resource.canonical))
