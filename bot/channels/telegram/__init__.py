"""The Telegram channel (aiogram 3): the same conversation as SMS, in chat, with buttons.

A bot cannot write first, so SMS stays the legal, proactive channel. A citizen who links
Telegram, by sharing their own contact, gets every offer and notice in the chat too and may
answer in either place: one conversation, one case. Handlers are thin: they turn an update
into an inbound message or a linking act and leave the rest to the flow and the outbox.
"""
