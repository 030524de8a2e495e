#!/usr/bin/env python3
"""How quickly `detlint server` answers an edit, and how much memory it holds after many.

Starts the server on a project (by default the `small` corpus of `run.py`, the `.py` files of the
timm wheel, with its median-size file as the file edited), opens the file, waits for its first
diagnostics (the project is read then: the cold start, with detlint's cache primed by one
`detlint check` before), then sends --edits edits, each a new function appended to the buffer (so
its facts change and the project rules run again), one at a time, each once the previous one's
diagnostics are in. For each edit it records the wall time from sending `didChange` to receiving the
diagnostics of that version, which includes the server's wait for typing to pause (EDIT_DELAY), and
the resident memory of the server process (Linux: /proc/PID/status).

Usage: python benchmarks/server.py [--project DIR --file PATH] [--edits 100] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCHMARKS), str(BENCHMARKS.parent / "tests")]

from lsp_client import LspClient  # noqa: E402 - found through the path set just above
from run import build_corpus, check_scratch, default_scratch, log, machine_info, median_size_file, python_files  # noqa: E402

from detlint.server.app import EDIT_DELAY  # noqa: E402


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def published(client: LspClient, uri: str, version: int) -> bool:
    return any(
        note["method"] == "textDocument/publishDiagnostics"
        and note["params"]["uri"] == uri
        and note["params"].get("version") == version
        for note in client.notifications
    )


def bench(project: Path, edited: Path, edits: int) -> dict:
    subprocess.run([sys.executable, "-m", "detlint", "check", ".", "--exit-zero", "-o", "/dev/null"], cwd=project,
                   check=True)  # fmt: skip
    client = LspClient(project)
    try:
        client.initialize(project)
        text = edited.read_text(encoding="utf-8")
        start = time.perf_counter()
        uri = client.open(edited, text, version=1)
        client.wait_until(lambda: published(client, uri, 1), "the first diagnostics")
        first = time.perf_counter() - start
        rss_open = resident_mib(client.process.pid)
        latencies, rss = [], []
        for number in range(1, edits + 1):
            text += f"\n\ndef _edited_{number}(value):\n    return value + {number}\n"
            start = time.perf_counter()
            client.change(uri, text, version=number + 1)
            client.wait_until(lambda: published(client, uri, number + 1), f"diagnostics of edit {number}")
            latencies.append(time.perf_counter() - start)
            rss.append(resident_mib(client.process.pid))
        client.shutdown()
    finally:
        client.close()
    return {
        "project": str(project), "files": len(python_files(project)), "edited": str(edited.relative_to(project)),
        "edited_lines": len(edited.read_text(encoding="utf-8").splitlines()), "edit_delay_s": EDIT_DELAY,
        "first_diagnostics_s": first, "edit_latency_s": latencies,
        "median_edit_s": statistics.median(latencies), "p90_edit_s": sorted(latencies)[int(len(latencies) * 0.9) - 1],
        "rss_after_open_mib": rss_open, "rss_after_edits_mib": rss, "machine": machine_info(),
    }  # fmt: skip


def markdown(report: dict) -> str:
    delay = report["edit_delay_s"]
    rows = [
        "| | |", "|---|---:|",
        f"| project | {report['files']} files |",
        f"| edited file | `{report['edited']}` ({report['edited_lines']} lines) |",
        f"| first diagnostics after opening it (reads the project) | {report['first_diagnostics_s']:.2f} s |",
        f"| edit to diagnostics, median of {len(report['edit_latency_s'])} | {report['median_edit_s'] * 1000:.0f} ms |",
        f"| of which the check (less the {delay * 1000:.0f} ms pause for typing) "
        f"| {(report['median_edit_s'] - delay) * 1000:.0f} ms |",
        f"| edit to diagnostics, 90th percentile | {report['p90_edit_s'] * 1000:.0f} ms |",
        f"| server memory after opening (RSS) | {report['rss_after_open_mib']:.0f} MiB |",
        f"| server memory after {len(report['rss_after_edits_mib'])} edits (RSS) "
        f"| {report['rss_after_edits_mib'][-1]:.0f} MiB |",
    ]  # fmt: skip
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, help="the project folder (default: the small corpus of run.py)")
    parser.add_argument("--file", type=Path, help="the file to edit, in the project (default: the median-size file)")
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--scratch", type=Path, default=default_scratch())
    parser.add_argument("--json", type=Path, help="write the report here as well")
    args = parser.parse_args(argv)
    project = args.project.resolve() if args.project else build_corpus("small", check_scratch(args.scratch))
    edited = (project / args.file) if args.file else median_size_file(python_files(project))
    log(f"editing {edited} in {project}")
    report = bench(project, edited, args.edits)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
