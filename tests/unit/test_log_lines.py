"""A log line never carries a citizen's IIN or IBAN in full, however the message spelt it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs

WORDS = "ответ «мой счёт КZ86-125К—ZT50  0410 0100, ИИН 8005 0530 3007»"


@pytest.fixture
def root() -> Iterator[logging.Logger]:
    """The root logger, as it was before the test configured it."""
    logger = logging.getLogger()
    handlers, level = list(logger.handlers), logger.level
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    for handler in handlers:
        logger.addHandler(handler)
    logger.setLevel(level)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_citizens_words_in_a_log_line_are_masked_in_either_format(
    root: logging.Logger, capsys: pytest.CaptureFixture[str], log_format: logs.LogFormat
) -> None:
    logs.configure(log_format)
    try:
        raise ValueError(WORDS)
    except ValueError:
        logging.getLogger("bot.test").exception("a reply could not be read: %s", WORDS)
    written = capsys.readouterr().err
    if log_format == "json":
        line = json.loads(written)
        written = line["message"] + line["exception"]
    assert "ZT50" not in written and "0410 0100" not in written and "8005 0530" not in written
    assert "0100" in written and "3007" in written  # the last four, to tell them apart
