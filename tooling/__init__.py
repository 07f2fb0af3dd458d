"""Build tooling, outside the runtime package: the catalogs' extraction and checks, and the
realistic examples of every message for `docs/messages.md`."""
