"""Behaviour of bot.evidence.signing: canonical bytes, and the authorised person's signature on
decisions
and notices, which catches any change to the decision, the signature or the case file.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.evidence.signing import (
    DEFAULT_SIGNER_NAME,
    Signature,
    SignedDecision,
    Signer,
    canonical,
    decision_payload,
    digest,
    notice_payload,
    sign_decision,
    sign_notice,
    verify,
    verify_decision,
)
from domain.benefits import decide
from domain.decisions import CaseFile
from domain.model import PaymentKind, Service
from domain.services.burial import BurialFacts, PaymentPeriod
from domain.services.disability import Cause, DisabilityRecord

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=ZoneInfo("Asia/Almaty"))
NOW_UTC_TEXT = "2026-03-10T06:00:00Z"  # Almaty is UTC+5 since 1 March 2024
CONSENT_ON = date(2026, 3, 10)

SIGNER = Signer(Ed25519PrivateKey.generate())
OTHER = Signer(Ed25519PrivateKey.generate(), "someone else")


def burial_case(**changes: Any) -> CaseFile:
    """A burial case file that passes every check, with `changes` to its facts."""
    facts: dict[str, Any] = {
        "deceased_iin": "450101300123",
        "died_on": date(2026, 2, 20),
        "death_record_number": "AKT-2026-000042",
        "declarant_iin": "800202400456",
        "payments": (PaymentPeriod(kind=PaymentKind.AGE_PENSION, start=date(2010, 5, 1)),),
    }
    return CaseFile(
        service=Service.BURIAL, consent_on=CONSENT_ON, burial=BurialFacts(**(facts | changes))
    )


def disability_case(group: int = 1) -> CaseFile:
    """A disability case file: group I from general illness by default."""
    record = DisabilityRecord(
        group=group, cause=Cause.GENERAL_ILLNESS, established_on=date(2026, 2, 1)
    )
    return CaseFile(service=Service.DISABILITY, consent_on=CONSENT_ON, disability=record)


CASE_FILES = {
    "burial assigned": burial_case(),
    "burial refused": burial_case(declarant_iin=None),
    "disability assigned": disability_case(),
}


def signed_burial() -> tuple[CaseFile, SignedDecision]:
    """A burial case file and its assignment, signed by the authorised person."""
    case_file = burial_case()
    return case_file, sign_decision(SIGNER, decide(case_file, NOW), case_file)


def one_byte_changed(text: str, old: str, new: str) -> str:
    """`text` with its only `old` replaced by `new`, which differs from it in one byte."""
    assert text.count(old) == 1
    assert len(old.encode()) == len(new.encode())
    assert sum(a != b for a, b in zip(old.encode(), new.encode(), strict=True)) == 1
    return text.replace(old, new)


# ---------------------------------------------------------------- canonical bytes


def test_canonical_sorts_keys_drops_spaces_and_keeps_non_ascii_in_utf8() -> None:
    value = {"b": [1, 2.5, None, True], "a": "Әлия Сәрсенова"}
    assert canonical(value) == '{"a":"Әлия Сәрсенова","b":[1,2.5,null,true]}'.encode()


def test_canonical_is_the_same_whatever_the_order_of_keys() -> None:
    first = {"decision": {"amount": "1.00", "outcome": "assign"}, "case_file_sha256": "ab"}
    second = {"case_file_sha256": "ab", "decision": {"outcome": "assign", "amount": "1.00"}}
    assert canonical(first) == canonical(second)


def test_the_same_decision_built_twice_gives_the_same_bytes() -> None:
    assert canonical(decide(burial_case(), NOW)) == canonical(decide(burial_case(), NOW))


@pytest.mark.parametrize(
    "decided_at",
    [
        NOW,
        NOW.astimezone(UTC),
        NOW.astimezone(timezone(timedelta(hours=3))),
        NOW.astimezone(timezone(timedelta(hours=-9, minutes=-30))),
    ],
)
def test_one_instant_at_any_offset_gives_the_same_bytes_with_the_time_in_utc(
    decided_at: datetime,
) -> None:
    decision = decide(burial_case(), decided_at)
    assert canonical(decision) == canonical(decide(burial_case(), NOW))
    assert f'"decided_at":"{NOW_UTC_TEXT}"'.encode() in canonical(decision)


def test_a_model_in_utc_gives_exactly_its_model_dump_in_json_mode() -> None:
    decision = decide(disability_case(), NOW.astimezone(UTC))
    dumped = decision.model_dump(mode="json")
    expected = json.dumps(dumped, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical(decision) == expected.encode("utf-8")
    assert dumped["amount"] == str(decision.amount)  # Decimal as its exact text
    assert decision.start is not None
    assert dumped["start"] == decision.start.isoformat()


def test_a_model_and_its_json_dict_give_the_same_bytes() -> None:
    case_file = burial_case()
    assert canonical(case_file) == canonical(json.loads(case_file.model_dump_json()))


def test_decimals_dates_and_datetimes_inside_plain_dicts_follow_the_same_rule() -> None:
    value = {"amount": Decimal("224900.00"), "on": CONSENT_ON, "at": NOW}
    expected = f'{{"amount":"224900.00","at":"{NOW_UTC_TEXT}","on":"2026-03-10"}}'
    assert canonical(value) == expected.encode()


def test_sets_are_sorted_so_their_bytes_do_not_depend_on_hashing() -> None:
    assert canonical({"kinds": frozenset({"b", "c", "a"})}) == b'{"kinds":["a","b","c"]}'


def test_a_naive_datetime_is_refused_it_names_no_instant() -> None:
    naive = datetime(2026, 3, 10, 11, 0)  # noqa: DTZ001 - the point
    with pytest.raises(ValueError, match="naive datetime"):
        canonical({"at": naive})


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_numbers_json_cannot_hold_are_refused(number: float) -> None:
    with pytest.raises(ValueError, match="JSON"):
        canonical({"x": number})


def test_digest_is_the_sha256_hex() -> None:
    assert digest(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert digest(canonical(burial_case())) == hashlib.sha256(canonical(burial_case())).hexdigest()


# ---------------------------------------------------------------- the signature itself


def test_a_signature_names_its_algorithm_key_and_signer() -> None:
    signature = SIGNER.sign(b"payload")
    raw_key = bytes.fromhex(signature.public_key_hex)
    assert signature.algorithm == "Ed25519"
    assert signature.signer == DEFAULT_SIGNER_NAME
    assert signature.public_key_hex == SIGNER.public_key_hex
    assert len(raw_key) == 32
    assert len(bytes.fromhex(signature.signature_hex)) == 64
    assert signature.key_id == SIGNER.key_id == hashlib.sha256(raw_key).hexdigest()[:16]
    assert OTHER.key_id != SIGNER.key_id


def test_a_signature_is_frozen() -> None:
    signature = SIGNER.sign(b"payload")
    with pytest.raises(ValidationError):
        signature.signature_hex = "00"  # type: ignore[misc]


def test_a_signature_verifies_on_its_payload_and_on_nothing_else() -> None:
    signature = SIGNER.sign(b"payload")
    assert verify(b"payload", signature)
    assert not verify(b"payloaD", signature)
    assert not verify(b"payload ", signature)
    assert not verify(b"", signature)


def replace_hex_char(text: str, at: int) -> str:
    """`text` with the hex digit at `at` swapped for another one."""
    return text[:at] + ("1" if text[at] == "0" else "0") + text[at + 1 :]


@pytest.mark.parametrize("field", ["signature_hex", "public_key_hex", "key_id"])
@pytest.mark.parametrize("at", [0, 7, -1])
def test_changing_one_hex_digit_of_a_signature_fails(field: str, at: int) -> None:
    signature = SIGNER.sign(b"payload")
    text: str = getattr(signature, field)
    tampered = signature.model_copy(update={field: replace_hex_char(text, at % len(text))})
    assert not verify(b"payload", tampered)


@pytest.mark.parametrize(
    "bad_hex",
    ["", "zz", "abc", "not hex at all", "ÄÖ", "00" * 64, "00" * 65],
)
@pytest.mark.parametrize("field", ["signature_hex", "public_key_hex"])
def test_malformed_hex_fails_without_raising(field: str, bad_hex: str) -> None:
    tampered = SIGNER.sign(b"payload").model_copy(update={field: bad_hex})
    assert verify(b"payload", tampered) is False


@pytest.mark.parametrize("field", ["signature_hex", "public_key_hex"])
def test_hex_in_another_spelling_fails_only_one_spelling_is_signed(field: str) -> None:
    signature = SIGNER.sign(b"payload")
    text: str = getattr(signature, field)
    for spelling in (text.upper(), f" {text}", " ".join([text[:2], text[2:]])):
        assert not verify(b"payload", signature.model_copy(update={field: spelling}))


def test_a_signature_from_another_key_fails() -> None:
    ours, theirs = SIGNER.sign(b"payload"), OTHER.sign(b"payload")
    their_bytes = ours.model_copy(update={"signature_hex": theirs.signature_hex})
    assert not verify(b"payload", their_bytes)
    their_key = ours.model_copy(
        update={"public_key_hex": theirs.public_key_hex, "key_id": theirs.key_id}
    )
    assert not verify(b"payload", their_key)


def test_a_good_signature_by_another_key_fails_when_the_authorised_key_is_required() -> None:
    theirs = OTHER.sign(b"payload")
    assert verify(b"payload", theirs)  # by itself it only shows the bytes are unchanged
    assert not verify(b"payload", theirs, public_key_hex=SIGNER.public_key_hex)
    ours = SIGNER.sign(b"payload")
    assert verify(b"payload", ours, public_key_hex=SIGNER.public_key_hex)


def test_the_signer_name_is_a_label_not_covered_by_the_signature() -> None:
    relabelled = SIGNER.sign(b"payload").model_copy(update={"signer": "anyone"})
    assert verify(b"payload", relabelled)


def test_a_signature_survives_its_json_form() -> None:
    signature = SIGNER.sign(b"payload")
    assert verify(b"payload", Signature.model_validate_json(signature.model_dump_json()))


# ---------------------------------------------------------------- signed decisions


@pytest.mark.parametrize("name", CASE_FILES)
def test_a_signed_decision_verifies(name: str) -> None:
    case_file = CASE_FILES[name]
    decision = decide(case_file, NOW)
    signed = sign_decision(SIGNER, decision, case_file)
    assert verify_decision(signed, case_file) == []
    assert verify_decision(signed, case_file, public_key_hex=SIGNER.public_key_hex) == []
    assert signed.decision == json.loads(canonical(decision))
    assert signed.case_file_sha256 == digest(canonical(case_file))
    assert verify(decision_payload(signed.decision, signed.case_file_sha256), signed.signature)


def test_a_signed_decision_verifies_against_the_case_file_as_a_json_dict() -> None:
    case_file, signed = signed_burial()
    assert verify_decision(signed, json.loads(case_file.model_dump_json())) == []


def test_a_signed_decision_survives_its_json_form() -> None:
    case_file, signed = signed_burial()
    restored = SignedDecision.model_validate_json(signed.model_dump_json())
    assert restored == signed
    assert verify_decision(restored, case_file) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"deceased_iin":"450101300123"', '"deceased_iin":"450101300124"'),  # one digit
        ('"declarant_iin":"800202400456"', '"declarant_iin":"800202400457"'),
        ('"death_record_number":"AKT-2026-000042"', '"death_record_number":"AKT-2026-000043"'),
        ('"died_on":"2026-02-20"', '"died_on":"2026-02-21"'),
        ('"consent_on":"2026-03-10"', '"consent_on":"2026-03-11"'),
        ('"kind":"age_pension"', '"kind":"age_pensiom"'),  # one character of a name
        ('"already_filed":false', '"already_filex":false'),
    ],
)
def test_one_byte_changed_in_the_case_file_is_reported(old: str, new: str) -> None:
    case_file, signed = signed_burial()
    changed = json.loads(one_byte_changed(canonical(case_file).decode(), old, new))
    [problem] = verify_decision(signed, changed)
    current = digest(canonical(changed))
    assert problem == f"case file changed: sha256 {current} != {signed.case_file_sha256}"


def test_one_digit_of_the_disability_group_in_the_case_file_is_reported() -> None:
    case_file = disability_case(group=1)
    signed = sign_decision(SIGNER, decide(case_file, NOW), case_file)
    [problem] = verify_decision(signed, disability_case(group=2))
    assert problem.startswith("case file changed: sha256 ")


def test_every_single_byte_change_of_the_case_file_that_is_still_json_is_reported() -> None:
    case_file, signed = signed_burial()
    original = canonical(case_file)
    checked = 0
    for at in range(len(original)):
        changed = original[:at] + bytes([original[at] ^ 0x01]) + original[at + 1 :]
        try:
            as_json = json.loads(changed)
        except ValueError:
            continue
        assert verify_decision(signed, as_json)[0].startswith("case file changed: sha256 ")
        checked += 1
    assert checked > len(original) // 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "224901.00"),  # one digit of the amount
        ("outcome", "refuse"),
        ("decided_at", "2026-03-10T06:00:01Z"),
        ("start", "2026-03-11"),
        ("basis", "burial p.19-2"),
    ],
)
def test_a_changed_decision_fails_the_signature(field: str, value: str) -> None:
    case_file, signed = signed_burial()
    assert signed.decision[field] != value
    tampered = signed.model_copy(update={"decision": signed.decision | {field: value}})
    assert verify_decision(tampered, case_file) == ["signature does not verify"]


def test_a_decision_with_a_field_added_or_removed_fails_the_signature() -> None:
    case_file, signed = signed_burial()
    added = signed.decision | {"note": ""}
    removed = {key: value for key, value in signed.decision.items() if key != "reasons"}
    for decision in (added, removed):
        tampered = signed.model_copy(update={"decision": decision})
        assert verify_decision(tampered, case_file) == ["signature does not verify"]


def test_a_changed_signature_hex_fails() -> None:
    case_file, signed = signed_burial()
    text = signed.signature.signature_hex
    signature = signed.signature.model_copy(update={"signature_hex": replace_hex_char(text, 10)})
    tampered = signed.model_copy(update={"signature": signature})
    assert verify_decision(tampered, case_file) == ["signature does not verify"]


def test_a_recorded_case_file_hash_swapped_for_the_new_one_fails_the_signature() -> None:
    case_file, signed = signed_burial()
    changed = burial_case(deceased_iin="450101300124")
    forged = signed.model_copy(update={"case_file_sha256": digest(canonical(changed))})
    assert verify_decision(forged, changed) == ["signature does not verify"]
    assert len(verify_decision(forged, case_file)) == 2


def test_a_decision_signed_by_another_key_is_reported_when_the_key_is_required() -> None:
    case_file = burial_case()
    signed = sign_decision(OTHER, decide(case_file, NOW), case_file)
    assert verify_decision(signed, case_file) == []
    [problem] = verify_decision(signed, case_file, public_key_hex=SIGNER.public_key_hex)
    assert problem == (
        f"signed by another key: public key {OTHER.public_key_hex} != {SIGNER.public_key_hex}"
    )


def test_another_keys_signature_bytes_on_a_decision_fail() -> None:
    case_file, signed = signed_burial()
    theirs = sign_decision(OTHER, decide(case_file, NOW), case_file).signature
    signature = signed.signature.model_copy(update={"signature_hex": theirs.signature_hex})
    tampered = signed.model_copy(update={"signature": signature})
    assert verify_decision(tampered, case_file) == ["signature does not verify"]


def test_a_decision_with_its_time_at_another_offset_signs_the_same_payload() -> None:
    case_file = burial_case()
    local = sign_decision(SIGNER, decide(case_file, NOW), case_file)
    in_utc = sign_decision(SIGNER, decide(case_file, NOW.astimezone(UTC)), case_file)
    assert local.decision == in_utc.decision
    assert local.signature == in_utc.signature  # Ed25519 is deterministic


# ---------------------------------------------------------------- notices

NOTICE = "Өтінішіңіз қабылданды / Ваше заявление принято: № c1, 10.03.2026"


def test_a_signed_notice_verifies_on_its_exact_text_case_and_kind() -> None:
    signature = sign_notice(SIGNER, NOTICE, "c1", "acceptance")
    assert verify(notice_payload(NOTICE, "c1", "acceptance"), signature)
    text_sha256 = digest(NOTICE.encode("utf-8"))
    expected = {"case_id": "c1", "kind": "acceptance", "text_sha256": text_sha256}
    assert notice_payload(NOTICE, "c1", "acceptance") == canonical(expected)


@pytest.mark.parametrize(
    ("text", "case_id", "kind"),
    [
        (NOTICE.replace("c1", "c2"), "c1", "acceptance"),
        (NOTICE + " ", "c1", "acceptance"),
        (NOTICE, "c2", "acceptance"),
        (NOTICE, "c1", "refusal"),
    ],
)
def test_a_notice_signature_fails_on_another_text_case_or_kind(
    text: str, case_id: str, kind: str
) -> None:
    signature = sign_notice(SIGNER, NOTICE, "c1", "acceptance")
    assert not verify(notice_payload(text, case_id, kind), signature)


# ---------------------------------------------------------------- properties

JSON_SCALARS: st.SearchStrategy[Any] = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
JSON_DICTS = st.dictionaries(st.text(), JSON_VALUES, max_size=6)
EARLIEST = datetime(1900, 1, 1)  # noqa: DTZ001 - hypothesis takes naive bounds
LATEST = datetime(2200, 1, 1)  # noqa: DTZ001


def reordered(value: Any) -> Any:
    """`value` with the keys of every dict in it inserted in reverse order."""
    if isinstance(value, dict):
        return {key: reordered(value[key]) for key in reversed(value)}
    if isinstance(value, list):
        return [reordered(item) for item in value]
    return value


@given(JSON_DICTS)
def test_any_json_dict_signs_and_verifies(value: dict[str, Any]) -> None:
    payload = canonical(value)
    assert verify(payload, SIGNER.sign(payload))


@settings(max_examples=200)
@given(JSON_DICTS, st.data())
def test_any_single_byte_change_of_a_signed_payload_fails(
    value: dict[str, Any], data: st.DataObject
) -> None:
    payload = canonical(value)
    signature = SIGNER.sign(payload)
    at = data.draw(st.integers(0, len(payload) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != payload[at]))
    assert not verify(payload[:at] + bytes([byte]) + payload[at + 1 :], signature)


@given(JSON_DICTS)
def test_canonical_bytes_do_not_depend_on_key_order(value: dict[str, Any]) -> None:
    assert canonical(reordered(value)) == canonical(value)


@given(JSON_DICTS)
def test_canonical_bytes_read_back_give_the_same_bytes(value: dict[str, Any]) -> None:
    assert canonical(json.loads(canonical(value))) == canonical(value)


@given(
    st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.timezones()),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_one_instant_gives_the_same_bytes_at_any_offset(moment: datetime, minutes: int) -> None:
    elsewhere = moment.astimezone(timezone(timedelta(minutes=minutes)))
    assert canonical({"at": moment}) == canonical({"at": elsewhere})
    assert canonical({"at": moment}) == canonical({"at": moment.astimezone(UTC)})
