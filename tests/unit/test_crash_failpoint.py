"""The crash tests' failpoint reads what the environment asks for, and refuses bad values."""

from __future__ import annotations

import pytest

from bot.storage.unit import CRASH_AT_COMMIT, CRASH_WHEN, CrashAtCommit, doing


def test_no_failpoint_is_set_when_the_environment_asks_for_none() -> None:
    assert CrashAtCommit.from_environment({}).at is None
    assert CrashAtCommit.from_environment({CRASH_AT_COMMIT: " "}).at is None


def test_a_number_counts_every_commit_and_a_named_one_only_its_kind_of_work() -> None:
    every = CrashAtCommit.from_environment({CRASH_AT_COMMIT: "3", CRASH_WHEN: "before"})
    assert (every.at, every.when, every.work) == (3, "before", None)
    named = CrashAtCommit.from_environment({CRASH_AT_COMMIT: "receipts:1"})
    assert (named.at, named.when, named.work) == (1, "after", "receipts")


@pytest.mark.parametrize("value", ["0", "-1", "x", "dispatch:", "dispatch:two", "1.5"])
def test_a_commit_number_that_is_not_a_whole_number_from_one_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match=CRASH_AT_COMMIT):
        CrashAtCommit.from_environment({CRASH_AT_COMMIT: value})


def test_a_moment_other_than_before_or_after_is_refused() -> None:
    with pytest.raises(ValueError, match=CRASH_WHEN):
        CrashAtCommit.from_environment({CRASH_AT_COMMIT: "1", CRASH_WHEN: "during"})


def test_commits_are_counted_by_the_kind_of_work_that_makes_them() -> None:
    failpoint = CrashAtCommit(at=5, work="receipts")  # never reached here: nothing dies
    with doing("dispatch"):
        failpoint.before()
        failpoint.before()
    with doing("receipts"):
        failpoint.before()
    failpoint.before()  # outside any named work
    assert failpoint.commits == 4
    assert failpoint.by_work == {"dispatch": 2, "receipts": 1, "": 1}
