"""Accounts and the audit, for administrators: who may sign in, and what everybody did."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

from aiohttp import web

from bot.records import AuditEntry, Role
from bot.web.access import Permission
from bot.web.accounts import NAME, AccountError, add_operator, disable_operator
from bot.web.app_state import console_of
from bot.web.audit import audited
from bot.web.passwords import MIN_PASSWORD, WeakPassword
from bot.web.render import catalog, language_of, mask_iin, page
from bot.web.routing import Route
from bot.web.security import current, now
from bot.wording.texts import N_

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
IIN_LIKE = re.compile(r"[0-9]{12}")

BAD_NAME = N_(
    "A name is 2 to 32 characters: lower-case Latin letters, digits, '.', '_' or '-', "
    "starting with a letter."
)
BAD_ROLE = N_("Choose a role from the list.")
TAKEN = N_("The name %(name)s is taken.")
WEAK = N_("A password needs at least %(n)s characters.")
DIFFERENT = N_("The two passwords differ.")
NOT_YOURSELF = N_("You cannot disable your own account.")
NO_ACCOUNT = N_("There is no account %(name)s.")
BAD_PAGE = N_("The page must be a whole number from 1.")


def _say(request: web.Request, msgid: str, **params: object) -> str:
    """A message in the request's language."""
    text = catalog(language_of(request)).gettext(msgid)
    return text % params if params else text


async def _accounts_page(
    request: web.Request,
    *,
    error: str | None = None,
    form: Mapping[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    async with console_of(request).app.storage.unit_of_work() as uow:
        accounts = sorted(await uow.operators.all(), key=lambda account: account.name)
    return page(
        request,
        "accounts.html",
        status=status,
        accounts=accounts,
        roles=[role.value for role in Role],
        error=error,
        form=dict(form or {"name": "", "role": Role.OPERATOR.value}),
        min_password=MIN_PASSWORD,
    )


async def accounts(request: web.Request) -> web.StreamResponse:
    """The accounts, and a form to add one."""
    return await _accounts_page(request)


async def add_account(request: web.Request) -> web.StreamResponse:
    """Create an account; a refused form comes back with why (status 400)."""
    form = await request.post()
    name = str(form.get("name", "")).strip()
    role_text = str(form.get("role", ""))
    password = str(form.get("password", ""))
    again = str(form.get("password_again", ""))
    typed = {"name": name, "role": role_text}
    storage = console_of(request).app.storage
    async with storage.unit_of_work() as uow:
        taken = NAME.fullmatch(name) is not None and await uow.operators.get(name) is not None
    if not NAME.fullmatch(name):
        error = _say(request, BAD_NAME)
    elif taken:
        error = _say(request, TAKEN, name=name)
    elif role_text not in {role.value for role in Role}:
        error = _say(request, BAD_ROLE)
    elif len(password) < MIN_PASSWORD:
        error = _say(request, WEAK, n=MIN_PASSWORD)
    elif password != again:
        error = _say(request, DIFFERENT)
    else:
        error = None
    if error is None:
        try:
            await add_operator(storage, name, Role(role_text), password, now())
        except (AccountError, WeakPassword) as refused:  # a race, or a rule changed
            error = str(refused)
    if error is not None:
        return await _accounts_page(request, error=error, form=typed, status=400)
    await audited(request, "add_account", name, f"added the account {name} ({role_text})")
    raise web.HTTPSeeOther("/accounts")


async def disable_account(request: web.Request) -> web.StreamResponse:
    """Disable an account and end its sessions; never one's own."""
    name = request.match_info["name"]
    if name == current(request).operator.name:
        return await _accounts_page(request, error=_say(request, NOT_YOURSELF), status=400)
    storage = console_of(request).app.storage
    async with storage.unit_of_work() as uow:
        account = await uow.operators.get(name)
    if account is None:
        return await _accounts_page(
            request, error=_say(request, NO_ACCOUNT, name=name), status=404
        )
    if account.disabled_at is None:  # disabling again would lose when it was disabled
        try:
            await disable_operator(storage, name, now())
        except AccountError as refused:
            return await _accounts_page(request, error=str(refused), status=400)
        await audited(request, "disable_account", name, f"disabled the account {name}")
    raise web.HTTPSeeOther("/accounts")


def _subject(subject: str | None) -> str:
    """Whose data an entry was about: an IIN masked, anything else as recorded."""
    if subject is None:
        return ""
    return mask_iin(subject) if IIN_LIKE.fullmatch(subject) else subject


def _page_number(text: str) -> int | None:
    text = text.strip()
    if not text:
        return 1
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PAGE:
        return int(text)
    return None


async def audit(request: web.Request) -> web.StreamResponse:
    """The audit, newest first, 50 a page, optionally one operator's."""
    operator = request.query.get("operator", "").strip()
    number = _page_number(request.query.get("page", ""))
    async with console_of(request).app.storage.unit_of_work() as uow:
        names = sorted(account.name for account in await uow.operators.all())
        entries: list[AuditEntry] = []
        total = 0
        if number is not None:
            entries, total = await uow.audit.page(
                (number - 1) * PAGE_SIZE, PAGE_SIZE, operator or None
            )
    pages = max(1, -(-total // PAGE_SIZE))
    current_page = number or 1

    def href(target: int) -> str:
        query = [("operator", operator)] if operator else []
        return "/audit?" + urlencode([*query, ("page", str(target))])

    return page(
        request,
        "audit.html",
        entries=[(entry, _subject(entry.subject)) for entry in entries],
        total=total,
        operator=operator,
        names=names,
        error=None if number is not None else _say(request, BAD_PAGE),
        page_number=current_page,
        pages=pages,
        previous_href=href(min(current_page - 1, pages)) if current_page > 1 else None,
        next_href=href(current_page + 1) if current_page < pages else None,
    )


ROUTES = [
    Route("GET", "/audit", audit, Permission.ADMIN, "audit"),
    Route("GET", "/accounts", accounts, Permission.ADMIN, "accounts"),
    Route("POST", "/accounts", add_account, Permission.ADMIN, "accounts_add"),
    Route(
        "POST", "/accounts/{name}/disable", disable_account, Permission.ADMIN, "accounts_disable"
    ),
]
