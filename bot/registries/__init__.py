"""The registry contract the product owns: the port, the facts, the errors and the transports.

`fake_registries` implements it (in process and as an HTTP server); nothing here imports the
simulator.
"""
