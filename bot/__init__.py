"""The imperative shell: storage, channels, scheduler and entry points around `domain`."""
