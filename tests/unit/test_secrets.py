"""Secrets come from the environment only (a console password on standard input or at a
prompt): no default holds one, no command-line option takes one as its value, and neither
the settings' repr nor their JSON shows one."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from pydantic import SecretStr

from bot.__main__ import build_parser
from bot.settings import Settings

SECRET_WORDS = ("token", "password", "secret", "key")


def secret_fields() -> list[str]:
    """The settings typed as secrets."""
    found = []
    for name, field in Settings.model_fields.items():
        annotation = str(field.annotation)
        if "SecretStr" in annotation:
            found.append(name)
    return found


def valued_options(parser: argparse.ArgumentParser) -> Iterator[str]:
    """Every option that takes a value, of a parser and of its subcommands, all the way down
    (a flag such as `--password-stdin` takes none: the secret comes on standard input)."""
    for action in parser._actions:  # argparse keeps no public list of them
        if action.nargs != 0:
            yield from action.option_strings
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from valued_options(sub)


def test_every_secret_setting_is_a_secret_with_an_empty_default() -> None:
    names = secret_fields()
    assert {"token", "smpp_password", "webhook_secret"} <= set(names)
    defaults = Settings.model_construct()
    for name in names:
        value = getattr(defaults, name)
        assert value is None or (isinstance(value, SecretStr) and value.get_secret_value() == "")


def test_no_command_line_option_takes_a_secret() -> None:
    found = valued_options(build_parser())
    taken = [o for o in found if any(word in o.lower() for word in SECRET_WORDS)]
    assert taken == []


def test_a_secret_shows_in_no_repr_and_no_json() -> None:
    settings = Settings(token=SecretStr("123456:SEKRET"), smpp_password=SecretStr("pw-sekr"))
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "SEKRET" not in shown and "pw-sekr" not in shown
