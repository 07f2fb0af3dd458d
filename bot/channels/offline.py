"""The SMS gateway of a command that sends nothing (`cases`, `consents`, `review`, …): it
opens no connection, so an operator's read never binds to the SMSC under the production
system id (many SMSCs allow one bind per account, or route replies to any bound session)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ports import SendTemporaryError
from bot.records import InboundMessage


class OfflineSmsGateway:
    """Submits nothing and hears nothing; what is queued waits for `serve` or `tick`."""

    async def submit(self, client_ref: str, to: str, text: str) -> str:
        """Refuse: this command does not send (the message stays queued)."""
        raise SendTemporaryError(f"{client_ref}: this command does not send SMS")

    async def receipts(self) -> Sequence[tuple[str, str]]:
        """None: no line is open."""
        return ()

    async def ack_receipts(self, provider_ids: Sequence[str]) -> None:
        """Nothing to acknowledge."""

    async def replies(self) -> Sequence[InboundMessage]:
        """None: no line is open."""
        return ()

    async def ack_replies(self, provider_ids: Sequence[str]) -> None:
        """Nothing to acknowledge."""
