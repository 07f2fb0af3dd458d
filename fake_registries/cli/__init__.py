"""The testers' command line, one module per command group; `fake_registries.__main__` runs it."""
