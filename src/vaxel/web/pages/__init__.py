"""Pages rendered on the server, one router per area: log-in, console, me, chef, admin."""

from __future__ import annotations

from vaxel.web.pages import admin, chef, console, login, me

routers = [login.router, console.router, me.router, chef.router, admin.router]
