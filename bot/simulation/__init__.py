"""Simulation tooling: the demo, the tester commands and the console's tester pages.

Only this package (and the composition that adds it) imports the simulator
(`fake_registries`); the product's core, channels and console never do (an import-linter
contract holds it).
"""
