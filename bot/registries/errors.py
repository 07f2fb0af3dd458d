"""Typed registry errors: *not found* is a fact; *unavailable* and *timeout* are retriable."""

from __future__ import annotations


class RegistryError(Exception):
    """Anything a registry call can fail with."""


class NotFound(RegistryError):
    """The registry answered: it holds no such record. A fact, never retried."""


class BadRequest(RegistryError):
    """The call itself was malformed (an argument the registry cannot read)."""


class Retriable(RegistryError):
    """The registry did not answer properly; the same call may succeed later."""


class RegistryUnavailable(Retriable):
    """The registry answered with an error or is in an outage."""


class RegistryTimeout(Retriable):
    """The registry did not answer in time."""
