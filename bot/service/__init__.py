"""The service layer: intake, replies, timers, decisions and dispatch, between the registries,
the storage and the channels (reached only through the ports of `bot.ports`)."""
