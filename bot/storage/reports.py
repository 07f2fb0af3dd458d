"""Read models for the console, as SQL aggregates: the funnel per service, SMS per day."""

from __future__ import annotations

from bot.records import DayVolume, FunnelRow
from bot.storage.codec import row_fields
from bot.storage.session import Session


class SqlReports:
    """Aggregates over cases and the outbox."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _fact(self, name: str) -> str:
        """A top-level field of the case body (its JSON), in the session's SQL."""
        if self._session.dialect == "postgresql":
            return f"(body::json ->> '{name}')"
        return f"json_extract(body, '$.{name}')"

    async def funnel(self) -> list[FunnelRow]:
        """Per service, by the facts each case records."""
        consented, registered = self._fact("consent_at"), self._fact("registered_at")
        rows = await self._session.rows(
            "SELECT service, COUNT(*) AS screened,"
            " SUM(CASE WHEN state = 'not_offered' THEN 1 ELSE 0 END) AS not_offered,"
            " SUM(CASE WHEN state NOT IN ('no_contact', 'not_offered') THEN 1 ELSE 0 END)"
            " AS offered,"
            f" SUM(CASE WHEN {consented} IS NOT NULL THEN 1 ELSE 0 END) AS consented,"
            f" SUM(CASE WHEN {registered} IS NOT NULL THEN 1 ELSE 0 END) AS registered,"
            " SUM(CASE WHEN state IN ('assigned', 'refused') THEN 1 ELSE 0 END) AS decided"
            " FROM cases GROUP BY service ORDER BY service"
        )
        return [FunnelRow(**row_fields(row)) for row in rows]

    async def sms_per_day(self, days: int = 31) -> list[DayVolume]:
        """SMS queued per day in Asia/Almaty (UTC+5, no daylight saving), the latest days."""
        day = "date(created_at, '+5 hours')"
        if self._session.dialect == "postgresql":
            moment = "created_at::timestamptz AT TIME ZONE 'UTC' + interval '5 hours'"
            day = f"to_char({moment}, 'YYYY-MM-DD')"
        rows = await self._session.rows(
            f"SELECT {day} AS day, COUNT(*) AS messages,"
            " CAST(SUM(segments) AS BIGINT) AS segments FROM outbox WHERE channel = 'sms'"
            " GROUP BY day ORDER BY day DESC LIMIT ?",
            (days,),
        )
        found = [DayVolume(**row_fields(row)) for row in rows]
        return list(reversed(found))
