"""Regenerate the golden reports: `make golden` (then review the diff before committing)."""

from __future__ import annotations

import sys

from tests.golden.cases import CASES, GOLDEN, render_case


def main() -> int:
    for name, args in CASES.items():
        (GOLDEN / name).write_text(render_case(args), encoding="utf-8")
        print(f"wrote tests/golden/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
