"""`person add` and `person show`: put someone in the population registry, and see all of them."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import date
from typing import Any, Literal

from bot.registries.facts import Account, BurialFiling, Person
from domain.banking import parse_iban
from domain.calendar import local_date
from domain.dates import full_years
from domain.identity import parse_iin
from fake_registries import (
    accounts,
    actions,
    civil,
    clock,
    disability,
    payments,
    pensions,
    population,
)
from fake_registries.cli.common import (
    OK,
    Commands,
    Context,
    Invalid,
    add_command,
    aligned,
    argument,
    mask_iins,
    or_dash,
    parse_date,
    say,
)


def new_person(
    *,
    iin: str,
    surname: str,
    name: str,
    region: str,
    sex: Literal["M", "F"] | None = None,
    birth: date | None = None,
    **optional: Any,
) -> Person:
    """A person from a tester's fields; birth date and sex default to what the IIN encodes."""
    digits = parse_iin(actions.valid_iin(iin))
    return Person(
        iin=digits.value,
        surname=surname,
        name=name,
        region=region,
        sex=sex or digits.sex,
        birth_date=birth or digits.birth_date,
        **optional,
    )


def add(ctx: Context, args: argparse.Namespace) -> int:
    """Add a person to the population registry."""
    person = new_person(
        iin=args.iin,
        surname=args.surname,
        name=args.name,
        patronymic=args.patronymic,
        sex=args.sex,
        birth=args.birth,
        region=args.region,
        phone=args.phone,
        language=args.language,
    )
    added = actions.add_person(ctx.conn, person)
    say(f"added {args.iin.strip()}: {full_name(added)}, born {added.birth_date} ({added.sex})")
    return OK


def full_name(person: Person) -> str:
    """Surname, name and patronymic."""
    return " ".join(p for p in (person.surname, person.name, person.patronymic) if p)


def known(conn: sqlite3.Connection, text: str) -> Person:
    """The registered person with this IIN, or Invalid."""
    iin = actions.valid_iin(text)
    person = population.get(conn, iin)
    if person is None:
        raise Invalid(f"unknown person: no one with IIN {iin} in the population registry")
    return person


def show(ctx: Context, args: argparse.Namespace) -> int:
    """Everything the registries hold about one person, IIN in full."""
    conn = ctx.conn
    person = known(conn, args.iin)
    today = local_date(clock.now(conn))
    age = full_years(person.birth_date, today) if person.birth_date <= today else 0
    say(
        *aligned(
            [
                ("IIN", person.iin),
                ("name", full_name(person)),
                ("born", f"{person.birth_date} ({person.sex}), aged {age} on {today}"),
                ("region", person.region),
                ("phone", or_dash(person.phone)),
                ("language", or_dash(person.language)),
                ("disability", disability_line(conn, person.iin)),
                ("death", death_line(conn, person.iin)),
                ("account", account_line(accounts.of(conn, person.iin), args.reveal)),
            ]
        ),
        *section("kin", kin_lines(conn, person.iin)),
        *section("payments", payment_lines(conn, person.iin)),
        *burial_section(payments.burial_filings(conn, person.iin)),
    )
    return OK


def section(title: str, lines: list[str]) -> list[str]:
    """A titled list, or the title and "none"."""
    return [f"{title}:", *(lines or ["  none"])]


def disability_line(conn: sqlite3.Connection, iin: str) -> str:
    """The latest established disability, in one line."""
    record = disability.latest(conn, iin)
    if record is None:
        return "none"
    group = "no group" if record.group is None else f"group {record.group}"
    parts = [
        f"{group}, {record.cause.value}, established {record.established_on}",
        f"valid until {or_dash(record.valid_until)}",
        "first time" if record.first_time else "repeat",
    ]
    if record.representative_iin:
        parts.append(f"representative {record.representative_iin}")
    return ", ".join(parts)


def death_line(conn: sqlite3.Connection, iin: str) -> str:
    """The registered death, in one line."""
    death = civil.death_of(conn, iin)
    if death is None:
        return "alive"
    return (
        f"died {death.died_on}, act {death.act_number}, registered "
        f"{death.registered_at.isoformat(timespec='minutes')}, declared by {death.declarant_iin}"
    )


def account_line(account: Account | None, reveal: bool) -> str:
    """The account on file, its IBAN masked unless revealed."""
    if account is None:
        return "none on file"
    iban = parse_iban(account.iban)
    shown = iban.formatted if reveal else iban.masked
    return f"{shown} (bank {account.bank_code}), from {account.source.value}, {account.updated_on}"


def kin_lines(conn: sqlite3.Connection, iin: str) -> list[str]:
    """Children, parents and spouses, one a line."""
    return [
        f"  {kin.relation:<6}  {kin.person.iin}  {full_name(kin.person)}, "
        f"born {kin.person.birth_date}"
        + (", died" if civil.death_of(conn, kin.person.iin) else "")
        for kin in civil.kin_of(conn, iin)
    ]


def payment_lines(conn: sqlite3.Connection, iin: str) -> list[str]:
    """Pensions and benefits, oldest first."""
    return [
        f"  {p.kind.value:<21}  from {p.start} to {or_dash(p.end)}"
        for p in pensions.all_of(conn, iin)
    ]


def burial_section(filings: list[BurialFiling]) -> list[str]:
    """The burial filings for a deceased, titled, or nothing when there are none."""
    return section("burial filings", burial_lines(filings, reveal=True)) if filings else []


def burial_lines(filings: list[BurialFiling], reveal: bool) -> list[str]:
    """Burial applications and assignments, oldest first, the applicant masked unless revealed."""
    lines = [f"  {f.on}  {f.kind.value:<11}  by {f.applicant_iin}" for f in filings]
    return lines if reveal else [mask_iins(line) for line in lines]


def register(commands: Commands) -> None:
    """The `person` command group."""
    person = commands.add_parser(
        "person",
        help="add a person to the population registry, or show one",
        description="Add a person to the population registry, or show what every registry "
        "holds about one.",
    )
    sub = person.add_subparsers(dest="action", required=True, metavar="action")
    register_add(sub)
    show_parser = add_command(
        sub,
        "show",
        show,
        "show a person: identity, disability, death, kin, payments, account, burial filings",
        "python -m fake_registries person show 760520416255 --reveal",
        "The IIN is shown in full; the IBAN is masked unless --reveal.",
    )
    show_parser.add_argument("iin", metavar="IIN", help="the person's 12-digit IIN")
    show_parser.add_argument("--reveal", action="store_true", help="show the IBAN in full")


def register_add(sub: Commands) -> None:
    """The `person add` arguments."""
    parser = add_command(
        sub,
        "add",
        add,
        "add a person to the population registry",
        "python -m fake_registries person add --iin 880909354022 --surname Ахметов "
        "--name Ерлан --region Almaty --phone +77011234567 --language kk",
        "Birth date and sex default to what the IIN encodes; given, they must agree with it. "
        "The phone must be a Kazakh mobile number (it receives the SMS).",
    )
    parser.add_argument("--iin", required=True, help="12-digit IIN")
    parser.add_argument("--surname", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--patronymic")
    parser.add_argument("--sex", choices=["M", "F"], help="default: from the IIN")
    parser.add_argument(
        "--birth", type=argument(parse_date), metavar="YYYY-MM-DD", help="default: from the IIN"
    )
    parser.add_argument("--region", required=True, help="e.g. Almaty, Astana, Shymkent")
    parser.add_argument("--phone", help="mobile number for e-government SMS, e.g. +77011234567")
    parser.add_argument("--language", choices=["kk", "ru"], help="preferred language")
