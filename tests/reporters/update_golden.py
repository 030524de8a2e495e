"""Rewrites the reporters' golden files from the current reporters: run it after an intended change
to an output format, and review the diff before committing. The test run never writes them.

    python tests/reporters/update_golden.py
"""

from __future__ import annotations

from reporter_samples import GOLDEN, GOLDEN_OUTPUTS


def main() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, render in GOLDEN_OUTPUTS.items():
        (GOLDEN / name).write_text(render(), encoding="utf-8", newline="")
        print(f"wrote {GOLDEN / name}")


if __name__ == "__main__":
    main()
