"""How `serve` logs: text lines for a terminal, or JSON lines for a log collector
(BOT_LOG_FORMAT=json). What a record says is masked where it is written (an IIN or an IBAN
never reaches a log in full, `tests/e2e/test_logs_masked.py`), and once more as it is
formatted: a citizen's words quoted in a message or an error lose every IIN and IBAN the reply
parser would read in them (`mask_personal`). The format changes only the envelope."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Literal

from bot.service.replies import mask_personal

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskedText(logging.Formatter):
    """A text line, with the IINs and IBANs in it masked."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of text, masked."""
        return mask_personal(super().format(record))


class JsonLines(logging.Formatter):
    """One JSON object a record: time (UTC, ISO 8601), level, logger, message, and the
    exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = mask_personal(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure(log_format: LogFormat, level: int = logging.INFO) -> None:
    """Log to standard error in `log_format` (once: an earlier setup is replaced)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else MaskedText(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
