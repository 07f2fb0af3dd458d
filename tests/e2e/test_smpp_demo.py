"""`python -m bot demo --sms smpp`: the same demo with the SMSC simulator on loopback in between.

The same population and seed run once on the simulated gateway and once over SMPP 3.4 (each
into its own data directory, once per module): the outcome is the same, every segment crosses
the line as one submit_sm with its receipt, and the SMSC sees no protocol error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_demo import UNSTABLE, bot, demo_json, ok

# the gateway's own keys, and the timing: the SMSC delivers at once, the simulated gateway
# two seconds later, which the demo's citizens read one step (30 min) later
DIFFERENT = (*UNSTABLE, "sms_gateway", "smpp", "ended_at", "median_consent_to_decision_hours")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo's summary on the simulated SMS gateway."""
    return demo_json(tmp_path_factory.mktemp("simulated") / "world")


@pytest.fixture(scope="module")
def smpp(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo's summary over SMPP 3.4 to the SMSC simulator."""
    return demo_json(tmp_path_factory.mktemp("smpp") / "world", more=("--sms", "smpp"))


def test_the_simulated_demo_names_its_gateway(simulated: dict[str, Any]) -> None:
    assert simulated["sms_gateway"] == "simulated"
    assert simulated["smpp"] is None


def test_every_segment_crosses_the_line_once_with_its_receipt(smpp: dict[str, Any]) -> None:
    assert smpp["sms_gateway"] == "smpp"
    line = smpp["smpp"]
    assert line["protocol_errors"] == 0
    assert line["binds"] == 1
    assert line["refused"] == 0
    assert line["parts_submitted"] == smpp["sms"]["all"]["segments"] > 0
    assert line["receipts"] == line["parts_submitted"]
    assert line["reply_parts"] > 0


def test_over_smpp_the_outcome_is_the_same_and_not_later(
    simulated: dict[str, Any], smpp: dict[str, Any]
) -> None:
    assert simulated.keys() == smpp.keys()
    same = {k: v for k, v in simulated.items() if k not in DIFFERENT}
    assert {k: v for k, v in smpp.items() if k not in DIFFERENT} == same
    assert smpp["ended_at"] <= simulated["ended_at"]  # ISO 8601, both at +05:00
    assert smpp["ended_at"][-6:] == simulated["ended_at"][-6:]
    median = smpp["median_consent_to_decision_hours"]
    assert median is not None
    assert median <= simulated["median_consent_to_decision_hours"]


def test_the_help_offers_smpp() -> None:
    help_text = ok(bot("demo", "--help"))
    assert "--sms" in help_text and "smpp" in help_text


def test_the_human_summary_over_smpp_reports_the_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "human"
    out = ok(bot("demo", "--citizens", "60", "--data-dir", str(data_dir), "--sms", "smpp"))
    words = " ".join(out.split())  # the console may wrap a long line anywhere between words
    assert "SMS over SMPP 3.4" in words
    assert re.search(r"(?<!\d)0 protocol errors", words), out
    assert f"data directory: {data_dir}" in out
