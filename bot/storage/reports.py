"""Read models for the console, as SQL aggregates: the funnel per service, SMS per day."""

from __future__ import annotations

from bot.records import DayVolume, FunnelRow
from bot.storage.codec import row_fields
from bot.storage.session import Session


class SqliteReports:
    """Aggregates over cases and the outbox."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def funnel(self) -> list[FunnelRow]:
        """Per service, by the facts each case records."""
        rows = await self._session.rows(
            "SELECT service,"
            " SUM(state != 'no_contact') AS offered,"
            " SUM(json_extract(body, '$.consent_at') IS NOT NULL) AS consented,"
            " SUM(json_extract(body, '$.registered_at') IS NOT NULL) AS registered,"
            " SUM(state IN ('assigned', 'refused')) AS decided"
            " FROM cases GROUP BY service ORDER BY service"
        )
        return [FunnelRow(**row_fields(row)) for row in rows]

    async def sms_per_day(self, days: int = 31) -> list[DayVolume]:
        """SMS queued per day in Asia/Almaty (UTC+5, no daylight saving), the latest days."""
        rows = await self._session.rows(
            "SELECT date(created_at, '+5 hours') AS day, COUNT(*) AS messages,"
            " SUM(segments) AS segments FROM outbox WHERE channel = 'sms'"
            " GROUP BY day ORDER BY day DESC LIMIT ?",
            (days,),
        )
        found = [DayVolume(**row_fields(row)) for row in rows]
        return list(reversed(found))
