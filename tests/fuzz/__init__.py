"""Fuzzing the `ssa-risk` command: input strategies, a crash-proof worker and the properties.

`tests/test_fuzz.py` runs a few derandomized cases of every strategy in `make test`;
`python -m tests.fuzz.run` (`make fuzz`) runs many more and saves a reproduction of each failure.
"""
