"""Channels the bot talks through: adapters of the `SmsGateway` port and their simulators."""
