"""The deterministic population generator's parts; `fake_registries.generator` runs them."""
