"""The per-sender rate limit (`domain.flood`) and the answer it gives (`ShellNotice.SLOW_DOWN`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.wording.notice_texts import NOTICE_SEGMENTS, NoticeContext, ShellNotice, render_shell
from domain.calendar import ALMATY
from domain.flood import LIMIT, WINDOW, Heard, Judgement, Taken, in_window, judge
from domain.model import Language, Service
from domain.sms import segments

START = datetime(2026, 1, 12, 10, 0, tzinfo=ALMATY)
SECOND = timedelta(seconds=1)
LANGS = [Language.KK, Language.RU]


def read(*at: datetime) -> list[Heard]:
    return [Heard(received_at=moment, taken=Taken.READ) for moment in at]


def simulate(gaps: list[int]) -> list[tuple[datetime, Judgement]]:
    """A sender's messages `gaps` seconds apart, each judged on what became of the others."""
    history: list[Heard] = []
    judged: list[tuple[datetime, Judgement]] = []
    now = START
    for gap in gaps:
        now += gap * SECOND
        judgement = judge(history, now)
        history.append(Heard(received_at=now, taken=judgement.taken))
        judged.append((now, judgement))
    return judged


def taken(judged: list[tuple[datetime, Judgement]], what: Taken) -> list[datetime]:
    return [at for at, judgement in judged if judgement.taken is what]


# ---------------------------------------------------------------- the rule, by example


def test_a_first_message_is_read() -> None:
    assert judge([], START) == Judgement(taken=Taken.READ)


def test_ten_messages_at_once_are_all_read_and_the_eleventh_is_answered() -> None:
    judged = simulate([0] * (LIMIT + 1))
    assert [j.taken for _, j in judged] == [Taken.READ] * LIMIT + [Taken.SLOWED]


def test_the_answer_names_the_time_the_oldest_message_read_leaves_the_window() -> None:
    earlier = read(*(START + n * timedelta(minutes=1) for n in range(LIMIT)))
    judgement = judge(earlier, START + 9 * timedelta(minutes=1) + SECOND)
    assert judgement == Judgement(taken=Taken.SLOWED, read_again_at=START + WINDOW)


def test_after_the_answer_the_rest_of_the_window_is_dropped_with_the_same_time() -> None:
    earlier = [*read(*[START] * LIMIT), Heard(received_at=START, taken=Taken.SLOWED)]
    judgement = judge(earlier, START + timedelta(minutes=5))
    assert judgement == Judgement(taken=Taken.DROPPED, read_again_at=START + WINDOW)


def test_at_the_time_told_the_next_message_is_read() -> None:
    earlier = [*read(*[START] * LIMIT), Heard(received_at=START, taken=Taken.SLOWED)]
    assert judge(earlier, START + WINDOW).taken is Taken.READ
    assert judge(earlier, START + WINDOW - SECOND).taken is Taken.DROPPED


def test_messages_not_read_do_not_count_towards_the_limit() -> None:
    not_read = [Heard(received_at=START, taken=Taken.DROPPED)] * 50
    assert judge([*not_read, *read(*[START] * (LIMIT - 1))], START).taken is Taken.READ


def test_messages_older_than_the_window_do_not_count() -> None:
    earlier = read(*[START - WINDOW] * LIMIT)
    assert judge(earlier, START).taken is Taken.READ


def test_a_later_answer_comes_only_once_the_first_has_left_the_window() -> None:
    answered = Heard(received_at=START, taken=Taken.SLOWED)
    late = START + WINDOW - SECOND
    assert judge([answered, *read(*[late] * LIMIT)], late).taken is Taken.DROPPED
    after = START + WINDOW
    assert judge([answered, *read(*[after] * LIMIT)], after).taken is Taken.SLOWED


def test_the_window_is_half_open_at_its_start() -> None:
    assert not in_window(START - WINDOW, START)
    assert in_window(START - WINDOW + SECOND, START)
    assert in_window(START, START)
    assert not in_window(START + SECOND, START)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        judge([], datetime(2026, 1, 12, 10, 0))  # noqa: DTZ001 - the naive time refused


# ---------------------------------------------------------------- the rule, as properties

# Gaps between a sender's messages, in seconds: bursts (0), a conversation's pace, pauses.
GAPS = st.lists(
    st.one_of(st.just(0), st.integers(0, 30), st.integers(0, 900)), min_size=1, max_size=80
)


@given(GAPS)
def test_no_window_ever_holds_more_than_the_limit_of_messages_read(gaps: list[int]) -> None:
    read_at = taken(simulate(gaps), Taken.READ)
    for end in read_at:
        assert sum(in_window(at, end) for at in read_at) <= LIMIT


@given(GAPS)
def test_no_window_ever_holds_two_answers(gaps: list[int]) -> None:
    answered = taken(simulate(gaps), Taken.SLOWED)
    for earlier, later in zip(answered, answered[1:], strict=False):
        assert later - earlier >= WINDOW


@given(GAPS)
def test_a_message_is_held_back_only_when_the_limit_was_read_in_its_window(
    gaps: list[int],
) -> None:
    judged = simulate(gaps)
    for index, (now, judgement) in enumerate(judged):
        before = [at for at, j in judged[:index] if j.taken is Taken.READ]
        full = sum(in_window(at, now) for at in before) >= LIMIT
        assert (judgement.taken is not Taken.READ) == full


@given(GAPS)
def test_the_time_told_is_within_the_window_and_holds_whatever_is_sent_meanwhile(
    gaps: list[int],
) -> None:
    judged = simulate(gaps)
    for index, (now, judgement) in enumerate(judged):
        if judgement.taken is Taken.READ:
            assert judgement.read_again_at is None
            continue
        again = judgement.read_again_at
        assert again is not None and now < again <= now + WINDOW
        meanwhile = [j for at, j in judged[index + 1 :] if at < again]
        assert all(j.taken is not Taken.READ for j in meanwhile)
        history = [Heard(received_at=at, taken=j.taken) for at, j in judged if at < again]
        assert judge(history, again).taken is Taken.READ


@given(st.lists(st.integers(WINDOW // LIMIT // SECOND, 3600), min_size=1, max_size=60))
def test_a_sender_writing_once_a_minute_or_slower_is_never_held_back(gaps: list[int]) -> None:
    """LIMIT in WINDOW is one message a minute, however long it goes on."""
    judged = simulate(gaps)
    assert taken(judged, Taken.READ) == [at for at, _ in judged]


# ---------------------------------------------------------------- the answer

CONTEXT = NoticeContext(service=Service.DISABILITY, code="417")
NOW = datetime(2026, 1, 12, 9, 21, tzinfo=UTC)  # 14:21 in Almaty
AGAIN = datetime(2026, 1, 12, 9, 30, 45, tzinfo=UTC)  # 14:30 in Almaty
LATE = datetime(2026, 1, 12, 18, 57, tzinfo=UTC)  # 23:57 in Almaty
AFTER_MIDNIGHT = datetime(2026, 1, 12, 19, 5, tzinfo=UTC)  # 00:05 on the 13th in Almaty


def slow_down(lang: Language, now: datetime = NOW, again: datetime = AGAIN) -> str:
    rendered = render_shell(ShellNotice.SLOW_DOWN, lang, CONTEXT, read_again_at=again, now=now)
    assert rendered.template_id == "slow_down"
    assert rendered.language == lang.value
    return rendered.text


@pytest.mark.parametrize("lang", LANGS)
def test_the_answer_says_until_when_in_almaty_time_within_two_segments(lang: Language) -> None:
    text = slow_down(lang)
    assert "14:30" in text
    assert "12.01.2026" not in text  # the same day: the time says it
    assert segments(text) <= NOTICE_SEGMENTS


@pytest.mark.parametrize("lang", LANGS)
def test_the_answer_names_the_date_when_it_is_another_day_in_almaty(lang: Language) -> None:
    text = slow_down(lang, LATE, AFTER_MIDNIGHT)
    assert "00:05" in text
    assert "13.01.2026" in text
    assert segments(text) <= NOTICE_SEGMENTS


def test_the_answer_says_too_many_messages_in_kazakh_and_in_russian() -> None:
    kk, ru = slow_down(Language.KK), slow_down(Language.RU)
    assert kk.startswith("Сізден тым көп хабарлама келді.")
    assert ru.startswith("От Вас пришло слишком много сообщений.")


def test_the_answer_needs_the_times() -> None:
    with pytest.raises(TypeError, match="read_again_at"):
        render_shell(ShellNotice.SLOW_DOWN, Language.KK, CONTEXT, now=NOW)
