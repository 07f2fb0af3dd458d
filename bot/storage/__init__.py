"""The bot's storage: SQLite adapters of the ports (import them from `bot.storage.sqlite`)."""
