"""The state social benefit in case of loss of a breadwinner (асыраушысынан айырылу жағдайы
бойынша мемлекеттік әлеуметтік жәрдемақы), declared: one benefit per family, offered to each
recipient for the dependents they receive for, decided by a reviewer (survivor p.24). The
rules themselves are `domain.services.survivor`."""

from __future__ import annotations

from datetime import date, datetime

from domain.benefits.declaration import Benefit
from domain.calendar import local_date
from domain.dates import full_years
from domain.decisions import CaseFile, Decision, Periodicity, assign, reason, refuse
from domain.model import ReasonCode, Service, Trigger
from domain.screening import DeathFacts, DecisionPath, Screening, self_or_representative, terms
from domain.services import survivor
from domain.services.survivor import SurvivorFacts

DECISION_BASIS = "survivor p.24"


def addressee(
    dependent_iin: str, born: date, surviving_parent_iin: str | None, on: date
) -> str | None:
    """Who answers for a dependent's survivor benefit: the dependent, or a minor's parent.

    Our interpretation (SPEC is silent): an adult dependent (18-23 in full-time study) is
    offered personally; a minor's offer goes to the surviving parent on record; None when a
    minor has none (the case stays visible as no_contact).
    """
    return self_or_representative(dependent_iin, born, surviving_parent_iin, on)


def path(_variant: str | None = None) -> DecisionPath:
    """SPEC Interpretation: the seed gives no automatic path for the survivor benefit; a
    reviewer decides within the term from the prepared case file (survivor p.24)."""
    return DecisionPath(automatic=False, term_working_days=survivor.TERM_WORKING_DAYS)


def decide(case_file: CaseFile, now: datetime) -> Decision:
    """Assign this recipient's shares of the family amount, or refuse: no data, or nobody
    they receive for counts as a dependent."""
    facts = case_file.survivor
    if facts is None:
        reasons = (reason(ReasonCode.DATA_MISSING, "survivor p.6"),)
        return refuse(case_file, now, reasons, DECISION_BASIS)
    # Interpretation: the right arises on the date of death.
    start = survivor.benefit_start(facts.died_on, case_file.consent_on)
    paid_for = facts.paid_for(start)
    if not paid_for:  # survivor p.7: nobody this recipient receives for counts
        reasons = (reason(ReasonCode.NO_ELIGIBLE_DEPENDENTS, "survivor p.7"),)
        return refuse(case_file, now, reasons, DECISION_BASIS)
    # SPEC Interpretation "one benefit per family": the multiple by N at the death, the
    # subsistence minimum of the start date's year, one share per dependent paid for.
    amount = survivor.monthly_amount_detail(facts.count, start)
    family = survivor.family_share(facts.count, paid_for, start)
    return assign(
        case_file, now, amount, start, Periodicity.MONTHLY, DECISION_BASIS, family=family
    )


def recipients(facts: SurvivorFacts, on: date) -> dict[str, tuple[str, ...]]:
    """The dependents each recipient receives for, by the recipient's IIN (survivor p.7).

    The deceased's children under 23 on the date of death are looked at, dependents or not
    (an adult child not in full-time study is told apart as not offered). Each is received
    for by themself as an adult on `on`, or by the surviving parent or guardian on record;
    a minor with nobody on record keeps their own IIN as the key (nobody can be reached).
    """
    groups: dict[str, list[str]] = {}
    for child in facts.dependents:
        age = full_years(child.birth_date, facts.died_on)
        if not 0 <= age < survivor.STUDY_LIMIT:
            continue
        to = addressee(child.iin, child.birth_date, child.represented_by, on)
        groups.setdefault(to or child.iin, []).append(child.iin)
    return {to: tuple(iins) for to, iins in sorted(groups.items())}


def screen(facts: DeathFacts, now: datetime) -> list[Screening]:
    """One survivor case per recipient, paid the shares of the dependents they receive for."""
    on = local_date(now)
    screened = []
    for to, received_for in recipients(facts.survivor, on).items():
        mine = facts.survivor.model_copy(update={"received_for": received_for})
        file = CaseFile(service=Service.SURVIVOR, consent_on=on, survivor=mine)
        screened.append(
            Screening(
                service=Service.SURVIVOR,
                subject_iin=facts.burial.deceased_iin or "",
                addressee_iin=to,
                path=path(),
                terms=terms(file, now, decide),
                received_for=received_for,
            )
        )
    return screened


BENEFIT = Benefit(
    service=Service.SURVIVOR,
    trigger=Trigger.DEATH_REGISTERED,
    periodicity=Periodicity.MONTHLY,
    decision_basis=DECISION_BASIS,
    case_file=("survivor",),
    screen=screen,
    decide=decide,
    path=path,
    acceptance_failures=None,  # a reviewer reads the case file (survivor p.24)
)
