"""The authorised person's signature on decisions and notices (a simulated EDS, Ed25519).

burial p.19-1 and disability p.21-1: the automatically formed decision is approved with the
EDS of the provider's authorised person. We stand in for that EDS with an Ed25519 key kept in
`authorised_person.key` (PEM, PKCS8, unencrypted, mode 0o600).

What gets signed is always canonical bytes (`canonical`): the value's JSON form with every
aware datetime moved to UTC, encoded as JSON with keys sorted, no spaces, non-ASCII as is,
in UTF-8. A decision is signed together with the sha256 of its case file (ЭІМ), so a case
file that changed after signing is caught even though the signature still verifies.

The signature carries its own public key: `verify` alone shows that the bytes are unchanged
since that key signed them. Pass `public_key_hex` to also require the authorised person's key.
The signer's name in a `Signature` is a label and is not covered by the signature.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, TypeAdapter

ALGORITHM: Literal["Ed25519"] = "Ed25519"
KEY_FILE = "authorised_person.key"
KEY_FILE_MODE = 0o600
DEFAULT_SIGNER_NAME = "authorised person (simulated EDS)"
KEY_ID_LENGTH = 16  # hex characters of sha256(raw public key)
_ANY: TypeAdapter[Any] = TypeAdapter(Any)  # pydantic's JSON form of any value


class KeyFileError(ValueError):
    """The key file exists but holds no usable Ed25519 private key; it is left as it is."""


class Signature(BaseModel):
    """An Ed25519 signature with the public key that verifies it and who it stands for."""

    model_config = ConfigDict(frozen=True)

    algorithm: Literal["Ed25519"] = ALGORITHM
    key_id: str
    public_key_hex: str
    signature_hex: str
    signer: str


class SignedDecision(BaseModel):
    """A decision's JSON, the sha256 of the case file it rests on and the signature on both."""

    model_config = ConfigDict(frozen=True)

    decision: dict[str, Any]
    case_file_sha256: str
    signature: Signature


# ---------------------------------------------------------------- canonical form


def _normalised(value: Any) -> Any:
    """`value` with models dumped, aware datetimes in UTC, sequences as lists, sets sorted."""
    if isinstance(value, BaseModel):
        return _normalised(value.model_dump(mode="python"))
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"a naive datetime names no instant and cannot be signed: {value}")
        return value.astimezone(UTC)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a JSON number and cannot be signed")
    if isinstance(value, Mapping):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_normalised(item) for item in value), key=canonical)
    if isinstance(value, list | tuple):
        return [_normalised(item) for item in value]
    return value


def jsonable(value: Any) -> Any:
    """The JSON form `canonical` encodes.

    A pydantic model becomes what `model_dump(mode="json")` gives (Decimal as text, dates
    and datetimes in ISO-8601, enums as their values), except that every aware datetime is
    first moved to UTC, so one instant always gives one text; a naive datetime is refused.
    """
    return _ANY.dump_python(_normalised(value), mode="json")


def canonical(value: Any) -> bytes:
    """The one byte form of a JSON-able value or model: sorted keys, no spaces, UTF-8.

    Keys are sorted by code point, non-ASCII characters are kept as they are, and NaN or
    infinity is refused (ValueError): they are not JSON (pydantic would write them as null).
    """
    text = json.dumps(
        jsonable(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


def digest(data: bytes) -> str:
    """The sha256 hex of `data`."""
    return hashlib.sha256(data).hexdigest()


def key_id_of(raw_public_key: bytes) -> str:
    """A short name of a public key: the first 16 hex of the sha256 of its raw bytes."""
    return digest(raw_public_key)[:KEY_ID_LENGTH]


# ---------------------------------------------------------------- the key file


def _load_key(path: Path) -> Ed25519PrivateKey:
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(
            f"key file {path} is not an unencrypted PEM PKCS8 private key ({exc}); it is "
            "left untouched: restore it, or move it away to have a new key created"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"key file {path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _create_key_file(path: Path) -> None:
    """Write a new key to `path` unless a key is already there, never leaving half a file.

    The key goes to a temporary file first and is published with a hard link: unlike
    os.replace, a link fails when `path` exists, so a key written meanwhile by another
    process is never overwritten (that process's key wins and is loaded).
    """
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.chmod(temporary, KEY_FILE_MODE)
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
        _sync_directory(path.parent)
    finally:
        os.unlink(temporary)


# ---------------------------------------------------------------- signer and verification


class Signer:
    """The authorised person's signing key."""

    def __init__(self, private_key: Ed25519PrivateKey, name: str = DEFAULT_SIGNER_NAME) -> None:
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._private_key = private_key
        self.name = name
        self.public_key_hex = raw.hex()
        self.key_id = key_id_of(raw)

    @classmethod
    def load_or_create(cls, directory: Path, *, name: str = DEFAULT_SIGNER_NAME) -> Signer:
        """The key in `directory`/authorised_person.key, created there on first use.

        Raises KeyFileError (a ValueError naming the file) when the file exists but holds no
        usable key: a new key is never generated over an existing file.
        """
        path = directory / KEY_FILE
        if not path.exists():
            _create_key_file(path)
        return cls(_load_key(path), name)

    def sign(self, payload: bytes) -> Signature:
        """Sign `payload` as it is."""
        return Signature(
            key_id=self.key_id,
            public_key_hex=self.public_key_hex,
            signature_hex=self._private_key.sign(payload).hex(),
            signer=self.name,
        )

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.key_id!r})"


def _from_hex(text: str) -> bytes:
    """The bytes of lowercase hex `text`; ValueError for anything else (spaces, capitals)."""
    raw = bytes.fromhex(text)
    if raw.hex() != text:
        raise ValueError("not lowercase hex")
    return raw


def verify(payload: bytes, signature: Signature, *, public_key_hex: str | None = None) -> bool:
    """True when `signature` is a good Ed25519 signature of exactly `payload`.

    The key is the one the signature carries, and its key_id must match it; with
    `public_key_hex`, the signature must also be by that key. False, never an exception, on
    a bad signature or malformed hex.
    """
    if public_key_hex is not None and signature.public_key_hex != public_key_hex:
        return False
    try:
        raw_key = _from_hex(signature.public_key_hex)
        public_key = Ed25519PublicKey.from_public_bytes(raw_key)
        public_key.verify(_from_hex(signature.signature_hex), payload)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return signature.algorithm == ALGORITHM and signature.key_id == key_id_of(raw_key)


# ---------------------------------------------------------------- decisions and notices


def decision_payload(decision_json: dict[str, Any], case_file_hash: str) -> bytes:
    """The bytes a decision's signature covers: the decision with its case file's sha256."""
    return canonical({"decision": decision_json, "case_file_sha256": case_file_hash})


def sign_decision(
    signer: Signer, decision: BaseModel, case_file: BaseModel | Mapping[str, Any]
) -> SignedDecision:
    """Sign a decision together with the case file it was formed from."""
    decision_json: dict[str, Any] = jsonable(decision)
    case_file_sha256 = digest(canonical(case_file))
    payload = decision_payload(decision_json, case_file_sha256)
    return SignedDecision(
        decision=decision_json,
        case_file_sha256=case_file_sha256,
        signature=signer.sign(payload),
    )


def verify_decision(
    signed: SignedDecision,
    case_file: BaseModel | Mapping[str, Any],
    *,
    public_key_hex: str | None = None,
) -> list[str]:
    """What is wrong with a signed decision given the case file at hand; empty when nothing.

    "case file changed: sha256 <now> != <signed>" when the case file is not the one signed;
    "signature does not verify" when the decision, the hash or the signature was altered;
    "signed by another key: ..." when `public_key_hex` is given and the key is another.
    """
    problems: list[str] = []
    current = digest(canonical(case_file))
    if current != signed.case_file_sha256:
        problems.append(f"case file changed: sha256 {current} != {signed.case_file_sha256}")
    payload = decision_payload(signed.decision, signed.case_file_sha256)
    if not verify(payload, signed.signature):
        problems.append("signature does not verify")
    if public_key_hex is not None and signed.signature.public_key_hex != public_key_hex:
        key = signed.signature.public_key_hex
        problems.append(f"signed by another key: public key {key} != {public_key_hex}")
    return problems


def notice_payload(text: str, case_id: str, kind: str) -> bytes:
    """The bytes a notice's signature covers: its case, its kind and its exact text's sha256."""
    text_sha256 = digest(text.encode("utf-8"))
    return canonical({"case_id": case_id, "kind": kind, "text_sha256": text_sha256})


def sign_notice(signer: Signer, text: str, case_id: str, kind: str) -> Signature:
    """Certify an acceptance notice's exact text for a case."""
    return signer.sign(notice_payload(text, case_id, kind))
