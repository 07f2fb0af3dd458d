"""The authorised person's key in a real file: created once, private to its owner, reused
after a restart, and never silently replaced when it is damaged.
"""

from __future__ import annotations

import os
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot.evidence.signing import (
    DEFAULT_SIGNER_NAME,
    KEY_FILE,
    KeyFileError,
    Signer,
    verify,
)

PEM_HEADER = b"-----BEGIN PRIVATE KEY-----\n"


def mode_of(path: Path) -> int:
    """The permission bits of a file."""
    return stat.S_IMODE(path.stat().st_mode)


def pem_of(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    """A private key as unencrypted PEM PKCS8."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_the_key_file_is_created_on_first_use_as_pem_pkcs8_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    signer = Signer.load_or_create(tmp_path)
    path = tmp_path / KEY_FILE
    assert path.read_bytes().startswith(PEM_HEADER)
    assert mode_of(path) == 0o600
    assert signer.name == DEFAULT_SIGNER_NAME
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]  # no temporary file left


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277], ids=["open", "usual", "odd"])
def test_the_key_file_is_exactly_0o600_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        Signer.load_or_create(tmp_path)
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / KEY_FILE) == 0o600


def test_the_key_is_reused_after_a_reload_and_the_file_is_left_as_it_was(tmp_path: Path) -> None:
    first = Signer.load_or_create(tmp_path)
    written = (tmp_path / KEY_FILE).read_bytes()
    signature = first.sign(b"decision")
    again = Signer.load_or_create(tmp_path, name="Асель Нурланова, authorised person")
    assert again.key_id == first.key_id
    assert again.public_key_hex == first.public_key_hex
    assert again.name == "Асель Нурланова, authorised person"
    assert (tmp_path / KEY_FILE).read_bytes() == written
    assert verify(b"decision", signature, public_key_hex=again.public_key_hex)


def test_a_missing_directory_is_created(tmp_path: Path) -> None:
    directory = tmp_path / "keys" / "eds"
    signer = Signer.load_or_create(directory)
    assert (directory / KEY_FILE).is_file()
    assert Signer.load_or_create(directory).key_id == signer.key_id


def test_two_directories_hold_two_keys(tmp_path: Path) -> None:
    ours = Signer.load_or_create(tmp_path / "ours")
    theirs = Signer.load_or_create(tmp_path / "theirs")
    assert ours.key_id != theirs.key_id
    assert not verify(b"decision", theirs.sign(b"decision"), public_key_hex=ours.public_key_hex)


def test_an_existing_key_is_loaded_not_replaced(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    (tmp_path / KEY_FILE).write_bytes(pem_of(key))
    signer = Signer.load_or_create(tmp_path)
    assert signer.public_key_hex == Signer(key).public_key_hex
    assert (tmp_path / KEY_FILE).read_bytes() == pem_of(key)


def test_signers_starting_together_on_an_empty_directory_agree_on_one_key(
    tmp_path: Path,
) -> None:
    workers = 8
    start = threading.Barrier(workers)

    def load() -> str:
        start.wait()
        return Signer.load_or_create(tmp_path).key_id

    with ThreadPoolExecutor(workers) as pool:
        key_ids = set(pool.map(lambda _: load(), range(workers)))
    assert key_ids == {Signer.load_or_create(tmp_path).key_id}
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a key\n",
        PEM_HEADER + b"AAAA\n-----END PRIVATE KEY-----\n",
        pem_of(Ed25519PrivateKey.generate())[:60],  # cut short
    ],
    ids=["empty", "garbage", "bad body", "truncated"],
)
def test_a_corrupt_key_file_raises_an_error_naming_it_and_is_left_alone(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(content)
    with pytest.raises(ValueError, match="key file") as raised:
        Signer.load_or_create(tmp_path)
    assert isinstance(raised.value, KeyFileError)
    assert str(path) in str(raised.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]


def test_an_encrypted_key_file_raises_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    encrypted = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    path.write_bytes(encrypted)
    with pytest.raises(KeyFileError, match="key file") as raised:
        Signer.load_or_create(tmp_path)
    assert str(path) in str(raised.value)


def test_a_key_of_another_algorithm_raises_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(pem_of(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(KeyFileError, match="not an Ed25519 key") as raised:
        Signer.load_or_create(tmp_path)
    assert str(path) in str(raised.value)
