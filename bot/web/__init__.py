"""The console: operators and testers in a browser (aiohttp + Jinja2, server-rendered).

Every route is declared with the permission it needs (`bot.web.routing`); the middlewares
refuse a request without a session, a form without its CSRF token and a role without the
permission. Personal data is masked unless revealed with a reason, and every view of a
citizen's data is audited.
"""
