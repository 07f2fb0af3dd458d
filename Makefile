PY ?= python3

.PHONY: help install lint test locales demo bench bench-quick soak fuzz

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

install:  ## install the project with its dev tools (editable)
	$(PY) -m pip install -e ".[dev]"

lint:  ## ruff, formatting, mypy --strict and the import-linter contracts
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	lint-imports

locales:  ## extract messages, update the kk and ru catalogs, compile them
	$(PY) scripts/catalogs.py update
	$(PY) scripts/catalogs.py compile

test:  ## the README's test command: every check and the whole test suite
	$(PY) scripts/check.py

demo:  ## the end-to-end demo on embedded SQLite
	$(PY) -m bot demo

bench:  ## the full benchmarks: one JSON object on standard output (about 6 minutes)
	$(PY) -m benchmarks

bench-quick:  ## the same code paths with small N (about a minute), as CI runs them
	$(PY) -m benchmarks --quick

soak:  ## the reliability tests at full size (crash harness, faults, feed, fuzz) and a summary
	$(PY) scripts/soak.py

fuzz:  ## hypothesis at random with many examples (not CI's pass/fail; pin what it finds)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -p no:cacheprovider tests/unit tests/e2e/test_hostile_input.py
