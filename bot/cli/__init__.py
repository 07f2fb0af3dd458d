"""The bot's command line, one module per group of commands."""
