"""The probe's worker process: `python -m detlint.probe.worker BACKEND MODE`.

It imports one framework and runs the recipes the parent sends, one JSON object per line on stdin,
answering one JSON line each. The first line it writes says whether the framework could be imported.
Anything the framework prints goes to stderr: the protocol has the original stdout to itself.

The parent starts it in an empty temporary directory with safe-path mode on, so that no module of the
analysed project (a `torch.py` beside the user's script, say) can shadow a framework module.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any, TextIO


def _protocol_stream() -> TextIO:
    """The original stdout for the protocol; fd 1 (and `print`) now go to stderr."""
    stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def _send(stream: TextIO, message: dict[str, Any]) -> None:
    stream.write(json.dumps(message) + "\n")
    stream.flush()


def _without_working_directory() -> None:
    """No import may come from the directory the worker was started in (safe-path mode does this on
    3.11+; this covers 3.10)."""
    here = os.getcwd()
    sys.path[:] = [entry for entry in sys.path if entry not in ("", ".", here)]


def main(argv: list[str]) -> int:
    _without_working_directory()
    from detlint.probe.backends import BACKENDS
    from detlint.probe.measure import first_line
    from detlint.probe.recipes import BACKEND_MODULES

    backend_name, mode = argv[0], argv[1] if len(argv) > 1 else "both"
    stream = _protocol_stream()
    backend = importlib.import_module(BACKEND_MODULES[BACKENDS[backend_name].name])
    hello = backend.start(mode, {})
    _send(stream, hello)
    if "skipped" in hello:
        return 0
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            response = backend.execute(request)
        except Exception as error:  # noqa: BLE001 - one failed recipe must not end the others
            response = {"skipped": f"the recipe failed: {first_line(error)}"}
        response["id"] = request.get("id")
        _send(stream, response)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
