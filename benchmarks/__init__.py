"""Benchmarks of the pipeline, each figure beside a baseline measured in the same run.

`python -m benchmarks [--quick]` runs every benchmark in a process of its own (so peak memory
is each one's) and prints one JSON object. Benchmarks measure; tests (tests/) judge
correctness, and nothing here fails on a timing: only a crash is a failure.
"""
