"""Operators' commands: the review queue, reviewers' decisions, overdue cases, signatures."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.app import App
from bot.cli.operations import FAILED, OK, fail, local, out, with_app
from bot.evidence.signing import SignedDecision, verify_decision
from bot.registries.errors import Retriable
from bot.service.decide import ReviewRefused, review
from bot.settings import Settings
from domain.cases import CaseState
from domain.identity import parse_iin
from domain.model import ReasonCode

REVIEWER = "reviewer"


async def review_list(settings: Settings, args: argparse.Namespace) -> int:
    """Cases under review, with their due time."""

    async def work(app: App) -> int:
        async with app.storage.unit_of_work() as uow:
            found = await uow.cases.in_states(frozenset({CaseState.UNDER_REVIEW}))
        for r in found:
            due = "-" if r.case.due_at is None else local(r.case.due_at)
            who = parse_iin(r.addressee_iin).masked
            out(f"{r.case.id}  {r.case.service.value:<10} due {due}  {who}")
        if not found:
            out("(no case under review)")
        return OK

    return await with_app(settings, work)


async def review_show(settings: Settings, args: argparse.Namespace) -> int:
    """One case: its state, the offer's terms, and its case file: the one signed with its
    decision once decided (never rebuilt from today's registries), else the one a decision
    would rest on now."""

    async def work(app: App) -> int:
        from bot.service.decide import case_file  # noqa: PLC0415

        async with app.storage.unit_of_work() as uow:
            record = await uow.cases.get(args.case_id)
            if record is None:
                return fail(f"no case {args.case_id}")
            signed = await uow.decisions.get(record.case.id)
            if signed is None and record.case.consent_at is None:
                current: dict[str, Any] | None = None  # never consented: nothing to decide
            elif signed is None:
                current = (await case_file(uow, app.registries, record)).model_dump(mode="json")
        shown: dict[str, Any] = {
            "case": record.case.id,
            "state": record.case.state.value,
            "service": record.case.service.value,
            "offer": None if record.terms is None else record.terms.model_dump(mode="json"),
        }
        if signed is None:
            shown.update(decided=False, case_file=current)
        else:
            shown.update(
                decided=True,
                decided_by=signed.decided_by,
                decision=signed.signed["decision"],
                case_file=signed.case_file,
                case_file_sha256=signed.case_file_sha256,
            )
        out(json.dumps(shown, ensure_ascii=False, indent=2))
        return OK

    return await with_app(settings, work)


async def review_decide_cmd(settings: Settings, args: argparse.Namespace) -> int:
    """A reviewer assigns or refuses a case under review."""

    async def work(app: App) -> int:
        assign = args.action == "assign"
        code = None if assign else ReasonCode(args.reason)
        try:
            decision = await review(
                app.decider, args.case_id, assign=assign, code=code, reviewer=args.reviewer
            )
        except ReviewRefused as error:
            return fail(str(error))
        except Retriable as error:
            return fail(f"a registry did not answer; try again: {error}", FAILED)
        await app.tick()  # the result SMS goes now
        out(f"case {args.case_id}: {decision.outcome.value} by {args.reviewer}, signed")
        return OK

    return await with_app(settings, work, sending=True)


async def verify_decision_cmd(settings: Settings, args: argparse.Namespace) -> int:
    """Check a decision's signature against its case file; exit 1 when it fails."""

    async def work(app: App) -> int:
        async with app.storage.unit_of_work() as uow:
            record = await uow.decisions.get(args.case_id)
        if record is None:
            return fail(f"no decision for case {args.case_id}")
        signed = SignedDecision.model_validate(record.signed)
        key = app.decider.signer.public_key_hex  # the authorised person's own key, not any
        problems = verify_decision(signed, record.case_file, public_key_hex=key)
        if problems:
            out(*problems)
            return fail("the decision does not verify", FAILED)
        out(
            f"decision of case {args.case_id} ({record.outcome}) verifies: signed by "
            f"{record.signed['signature']['signer']}, key {record.signed['signature']['key_id']}"
        )
        return OK

    return await with_app(settings, work)


def register(commands: Any) -> None:
    """Add the review, overdue and signature commands."""
    group = commands.add_parser("review", help="the review queue and reviewers' decisions")
    actions = group.add_subparsers(dest="action", required=True, metavar="action")
    actions.add_parser("list", help="cases under review").set_defaults(run=review_list)
    show = actions.add_parser(
        "show",
        help="a case and its case file",
        description="A case as JSON: its state, the offer's terms (what a consent on the "
        "offer's day would be decided: amount, start, parameters; for a survivor case N, the "
        "family amount and the share), and its case file. A decided case shows the decision "
        "and the case file that was signed with it, as kept; an undecided one the case file "
        "a decision would rest on now.",
    )
    show.add_argument("case_id")
    show.set_defaults(run=review_show)
    for name, helptext in (("assign", "assign the benefit"), ("refuse", "refuse, with a reason")):
        cmd = actions.add_parser(name, help=helptext)
        cmd.add_argument("case_id")
        cmd.add_argument("--reviewer", default=REVIEWER, help="who decides (recorded)")
        if name == "refuse":
            cmd.add_argument("--reason", required=True, choices=[c.value for c in ReasonCode])
        cmd.set_defaults(run=review_decide_cmd)
    verify = commands.add_parser("verify-decision", help="check a decision's signature")
    verify.add_argument("case_id")
    verify.set_defaults(run=verify_decision_cmd)
