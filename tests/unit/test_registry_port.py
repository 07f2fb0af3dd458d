"""The registry port is declared once (`OPERATIONS`), and every implementation keeps to it.

A new lookup is one edit of the port and its implementations; this test names what is
missing or shaped differently."""

from __future__ import annotations

import inspect

import pytest

from bot.registries.http import HttpClient
from bot.registries.port import OPERATIONS, RegistryClient
from bot.registries.read_ahead import ReadAhead
from bot.registries.retrying import RetryingClient
from fake_registries.client import DirectClient
from fake_registries.service import RegistryService

CLIENTS = [HttpClient, RetryingClient, ReadAhead, DirectClient]
LIFECYCLE = {"close"}  # what a client has beyond the lookups


def lookups(cls: type) -> set[str]:
    """The public coroutine methods of a class."""
    return {
        name
        for name, member in inspect.getmembers(cls, inspect.iscoroutinefunction)
        if not name.startswith("_")
    }


def parameters(cls: type, name: str) -> list[tuple[str, object]]:
    """A method's parameters after `self`: name and default."""
    signature = inspect.signature(getattr(cls, name))
    return [(p.name, p.default) for p in list(signature.parameters.values())[1:]]


def test_the_port_declares_each_of_its_lookups_once() -> None:
    assert lookups(RegistryClient) == set(OPERATIONS) | LIFECYCLE


@pytest.mark.parametrize("client", CLIENTS, ids=lambda cls: cls.__name__)
def test_every_client_answers_each_lookup_of_the_port_with_its_parameters(client: type) -> None:
    assert set(OPERATIONS) | LIFECYCLE <= lookups(client)
    for name in OPERATIONS:
        assert parameters(client, name) == parameters(RegistryClient, name), name


def test_the_simulator_serves_each_lookup_of_the_port_with_its_parameters() -> None:
    for name in OPERATIONS:
        assert parameters(RegistryService, name) == parameters(RegistryClient, name), name


def test_each_http_path_is_one_lookup_and_a_bulk_lookup_is_posted() -> None:
    forms = [(operation.method, operation.path) for operation in OPERATIONS.values()]
    assert len(set(forms)) == len(forms)
    for name, operation in OPERATIONS.items():
        takes_many = parameters(RegistryClient, name) == [("iins", inspect.Parameter.empty)]
        assert (operation.method == "POST") == takes_many, name
        first = parameters(RegistryClient, name)[:1]
        by_one_iin = bool(first) and first[0][0].endswith("iin")  # iin, deceased_iin
        assert ("{iin}" in operation.path) == by_one_iin, name
