#!/usr/bin/env python3
"""Benchmark detlint against flake8 and ruff on the `.py` files of pinned ML wheels.

Builds the corpus reproducibly in a scratch folder outside the repository (`pip download --no-deps
--only-binary=:all:` of pinned versions, then only the `.py` files unzipped), installs the pinned
flake8 and ruff into a scratch venv (never into the project's dependencies), and times, in the same
run and on the same files:

  detlint cold         `detlint check --no-cache`
  detlint warm         `detlint check` with a primed cache, nothing changed
  detlint one changed  `detlint check` with a primed cache and one file edited before each run
  flake8               `flake8 --isolated` (default plugins, its default process pool)
  ruff                 `ruff check --isolated --no-cache` (default rules)

Each figure is the median wall time (time.perf_counter around the subprocess) of --runs runs. Peak RSS
is the largest resident set of any single process of the tool's process tree (the main process or a
worker), read with resource.getrusage(RUSAGE_CHILDREN) in a fresh wrapper process per run.

Usage: python benchmarks/run.py --corpus transformers --runs 3 [--fractions 10,25,50,100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLAKE8 = "flake8==7.5.0"
RUFF = "ruff==0.17.6"
WHEELS = {
    "transformers": "transformers==5.23.0",
    "diffusers": "diffusers==0.42.1",
    "keras": "keras==3.15.1",
    "timm": "timm==1.0.31",
    "lightning": "lightning==2.6.6",
}
CORPORA = {
    "small": ["timm"],
    "transformers": ["transformers"],
    "large": ["transformers", "diffusers", "keras", "timm", "lightning"],
}
# The file edited before each "one changed" run, when the corpus has it; else the median-size file.
CHANGED_CANDIDATES = ("transformers/models/bert/modeling_bert.py", "timm/models/resnet.py")

# Runs one command, then prints its wall time and the peak RSS of the largest process of its tree.
_WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kib": peak_kib, "rc": done.returncode,
                  "stderr": done.stderr.decode(errors="replace")[-2000:]}))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- corpus -----------------------------------------------------------------------------------------
def default_scratch() -> Path:
    return Path(tempfile.gettempdir()) / "detlint-bench"


def check_scratch(scratch: Path) -> Path:
    scratch = scratch.resolve()
    if scratch == REPO or scratch.is_relative_to(REPO):
        sys.exit(f"benchmarks: --scratch {scratch} is inside the repository; pick a folder outside it")
    scratch.mkdir(parents=True, exist_ok=True)
    return scratch


def download(spec: str, wheels: Path) -> Path:
    name, version = spec.split("==")
    found = sorted(wheels.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not found:
        log(f"downloading {spec}")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet", spec,
             "-d", str(wheels)],
            check=True,
        )  # fmt: skip
        found = sorted(wheels.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not found:
        sys.exit(f"benchmarks: pip download {spec} left no wheel in {wheels}")
    return found[0]


def build_corpus(corpus: str, scratch: Path) -> Path:
    """The corpus folder: the `.py` files of each pinned wheel, unzipped once (a marker file says done)."""
    target = scratch / "corpus" / corpus
    marker = target / ".complete"
    if marker.exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    wheels = scratch / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for package in CORPORA[corpus]:
        wheel = download(WHEELS[package], wheels)
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.infolist():
                name = member.filename
                if name.endswith(".py") and ".dist-info/" not in name and not name.startswith("/") and ".." not in name:
                    archive.extract(member, target)
    marker.write_text("\n".join(WHEELS[p] for p in CORPORA[corpus]) + "\n")
    return target


def python_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if path.is_file())


def fraction_folder(corpus_dir: Path, files: list[Path], percent: int, scratch: Path) -> Path:
    """A deterministic sample: every file whose rank in sorted order falls in the first `percent` of
    each block of 100, hard-linked (copied where links fail) into its own folder."""
    if percent >= 100:
        return corpus_dir
    target = scratch / "corpus" / f"{corpus_dir.name}-{percent}pct"
    marker = target / ".complete"
    if marker.exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    for rank, path in enumerate(files):
        if rank % 100 < percent:
            relative = path.relative_to(corpus_dir)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target / relative)
            except OSError:
                shutil.copy2(path, target / relative)
    marker.write_text(f"{percent}\n")
    return target


def count_lines(files: list[Path]) -> int:
    return sum(path.read_bytes().count(b"\n") for path in files)


# -- tools --------------------------------------------------------------------------------------------
def tools_venv(scratch: Path) -> Path:
    venv = scratch / "tools-venv"
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    stamp = venv / ".pins"
    pins = f"{FLAKE8}\n{RUFF}\n"
    if stamp.exists() and stamp.read_text() == pins:
        return bin_dir
    log(f"installing {FLAKE8} and {RUFF} into {venv}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", FLAKE8, RUFF], check=True)
    stamp.write_text(pins)
    return bin_dir


def tool_version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "?"


def detlint_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "detlint", "check", ".", "--output-format", "json", "--exit-zero", *extra]


@dataclass
class Measure:
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    rcs: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def peak_mib(self) -> float:
        return max(self.peak_kib) / 1024 if self.peak_kib else float("nan")

    def as_dict(self) -> dict:
        return {"median_s": self.median, "runs_s": self.seconds, "peak_rss_mib": self.peak_mib, "exit_codes": self.rcs}


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", _WRAPPER, str(cwd), *command], capture_output=True, text=True,
                          env=env, check=True)  # fmt: skip
    return json.loads(done.stdout)


def measure(label: str, command: list[str], cwd: Path, env: dict[str, str], runs: int, before=None) -> Measure:
    result = Measure()
    for number in range(runs):
        if before is not None:
            before(number)
        outcome = timed(command, cwd, env)
        if outcome["rc"] not in (0, 1):  # 1: findings (flake8, ruff)
            log(f"  {label}: exit {outcome['rc']}: {outcome['stderr']}")
        result.seconds.append(outcome["seconds"])
        result.peak_kib.append(outcome["peak_kib"])
        result.rcs.append(outcome["rc"])
        log(f"  {label} run {number + 1}/{runs}: {outcome['seconds']:.2f} s, peak {outcome['peak_kib'] / 1024:.0f} MiB")
    return result


def pick_changed_file(folder: Path, files: list[Path]) -> Path:
    for candidate in CHANGED_CANDIDATES:
        if (folder / candidate).is_file():
            return folder / candidate
    return median_size_file(files)


def median_size_file(files: list[Path]) -> Path:
    ordered = sorted(files, key=lambda path: (path.stat().st_size, str(path)))
    return ordered[len(ordered) // 2]


def bench_folder(folder: Path, args, bin_dir: Path, env: dict[str, str], full: bool) -> dict:
    files = python_files(folder)
    row: dict = {"folder": str(folder), "files": len(files), "lines": count_lines(files)}
    row["load_before"] = os.getloadavg()
    log(f"{folder.name}: {len(files)} files, {row['lines']:,} lines")
    tools = args.tools if full else args.fraction_tools
    cache = folder / ".detlint_cache"
    if "cold" in tools:
        row["detlint_cold"] = measure("detlint cold", detlint_command("--no-cache"), folder, env, args.runs).as_dict()
    if "warm" in tools or "changed" in tools:
        shutil.rmtree(cache, ignore_errors=True)
        primed = timed(detlint_command(), folder, env)
        row["detlint_prime_s"] = primed["seconds"]
        row["detlint_prime_peak_rss_mib"] = primed["peak_kib"] / 1024
        log(f"  detlint priming run (writes the cache): {primed['seconds']:.2f} s")
        if "warm" in tools:
            row["detlint_warm"] = measure("detlint warm", detlint_command(), folder, env, args.runs).as_dict()
        if "changed" in tools:
            changed = pick_changed_file(folder, files)
            original = changed.read_bytes()
            row["changed_file"] = str(changed.relative_to(folder))
            if changed.stat().st_nlink > 1:  # a hard link into the full corpus: edit a private copy
                changed.unlink()
                changed.write_bytes(original)

            def comment_edit(number: int) -> None:  # the file changes, its facts do not
                changed.write_bytes(original + f"\n# detlint benchmark edit {time.time_ns()} {number}\n".encode())

            def code_edit(number: int) -> None:  # a new function: the project pass runs again
                stamp = f"{time.time_ns()}_{number}"
                changed.write_bytes(original + f"\n\ndef _benchmark_edit_{stamp}():\n    return {number}\n".encode())

            try:
                row["detlint_one_changed"] = measure(
                    "detlint one changed (comment)", detlint_command(), folder, env, args.runs, before=comment_edit
                ).as_dict()
                row["detlint_one_changed_code"] = measure(
                    "detlint one changed (code)", detlint_command(), folder, env, args.runs, before=code_edit
                ).as_dict()
            finally:
                changed.write_bytes(original)
        shutil.rmtree(cache, ignore_errors=True)
    if "flake8" in tools:
        flake8 = [str(bin_dir / "flake8"), "--isolated", "."]
        row["flake8"] = measure("flake8", flake8, folder, env, args.runs).as_dict()
    if "ruff" in tools:
        ruff = [str(bin_dir / "ruff"), "check", "--isolated", "--no-cache", "--exit-zero", "."]
        row["ruff"] = measure("ruff", ruff, folder, env, args.runs).as_dict()
    row["load_after"] = os.getloadavg()
    return row


# -- report -----------------------------------------------------------------------------------------
COLUMNS = (
    ("detlint_cold", "detlint cold"),
    ("detlint_warm", "detlint warm"),
    ("detlint_one_changed", "detlint 1 changed (comment)"),
    ("detlint_one_changed_code", "detlint 1 changed (code)"),
    ("flake8", "flake8"),
    ("ruff", "ruff --no-cache"),
)


def fmt(seconds: float | None) -> str:
    return "–" if seconds is None or seconds != seconds else f"{seconds:.2f} s"


def ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or not b["median_s"]:
        return "–"
    return f"{a['median_s'] / b['median_s']:.2f}×"


def markdown(report: dict) -> str:
    lines = [
        f"Corpus `{report['corpus']}` ({', '.join(report['wheels'])}), median of {report['runs']} runs, "
        f"{report['machine']['nproc']} cores, load average at start {report['machine']['load_start']}",
        "",
        "| sample | files | lines | " + " | ".join(title for _, title in COLUMNS) + " | cold / flake8 | warm / ruff |",
        "|---|---:|---:|" + "---:|" * len(COLUMNS) + "---:|---:|",
    ]
    for row in report["rows"]:
        cells = [fmt(row[key]["median_s"]) if key in row else "–" for key, _ in COLUMNS]
        if "detlint_cold" not in row and "detlint_prime_s" in row:
            cells[0] = f"({fmt(row['detlint_prime_s'])}, 1 run writing the cache)"
        cells.append(ratio(row.get("detlint_cold"), row.get("flake8")))
        cells.append(ratio(row.get("detlint_warm"), row.get("ruff")))
        lines.append(f"| {row['percent']} % | {row['files']:,} | {row['lines']:,} | " + " | ".join(cells) + " |")
    lines += ["", "Peak RSS of the largest single process (main or worker), MiB:", ""]
    lines.append("| sample | " + " | ".join(title for _, title in COLUMNS) + " |")
    lines.append("|---|" + "---:|" * len(COLUMNS))
    for row in report["rows"]:
        cells = [f"{row[key]['peak_rss_mib']:.0f}" if key in row else "–" for key, _ in COLUMNS]
        lines.append(f"| {row['percent']} % | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def machine_info() -> dict:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "memory": memory, "platform": platform.platform(),
            "python": sys.version.split()[0], "load_start": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip


def versions(bin_dir: Path) -> dict:
    def git_head() -> str:
        try:
            return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                  text=True).stdout.strip()  # fmt: skip
        except OSError:
            return "?"

    return {
        "detlint": tool_version([sys.executable, "-m", "detlint", "--version"]),
        "detlint_commit": git_head(),
        "libcst": tool_version([sys.executable, "-c", "import importlib.metadata as m; print(m.version('libcst'))"]),
        "flake8": tool_version([str(bin_dir / "flake8"), "--version"]),
        "ruff": tool_version([str(bin_dir / "ruff"), "--version"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="transformers")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool; the median is reported")
    parser.add_argument("--fractions", default="100", help="comma-separated percentages of the corpus: 10,25,50,100")
    parser.add_argument("--scratch", type=Path, default=default_scratch(),
                        help="corpus, wheels and tools venv (outside the repository)")  # fmt: skip
    parser.add_argument("--tools", default="cold,warm,changed,flake8,ruff", help="what to time on the full corpus")
    parser.add_argument("--fraction-tools", default="cold,warm,changed,flake8,ruff", help="what to time below 100 %%")
    parser.add_argument("--json", type=Path, help="JSON report (default: SCRATCH/results-CORPUS.json)")
    parser.add_argument("--render", type=Path, metavar="JSON", help="print the tables of a JSON report, run nothing")
    parser.add_argument("--prepare-only", action="store_true", help="build the corpus and tools venv, time nothing")
    args = parser.parse_args(argv)
    if args.render:
        print(markdown(json.loads(args.render.read_text())))
        return 0
    args.tools = set(args.tools.split(","))
    args.fraction_tools = set(args.fraction_tools.split(","))
    fractions = sorted({int(part) for part in args.fractions.split(",") if part.strip()})

    scratch = check_scratch(args.scratch)
    corpus_dir = build_corpus(args.corpus, scratch)
    bin_dir = tools_venv(scratch)
    files = python_files(corpus_dir)
    folders = {percent: fraction_folder(corpus_dir, files, percent, scratch) for percent in fractions}
    if args.prepare_only:
        print(corpus_dir)
        return 0

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH", "")]))
    env.pop("DETLINT_OUTPUT_FORMAT", None)
    # As installed by pip: with bytecode, so start-up does not compile detlint's modules on every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "detlint")], check=True)
    report = {
        "corpus": args.corpus,
        "wheels": [WHEELS[p] for p in CORPORA[args.corpus]],
        "runs": args.runs,
        "machine": machine_info(),
        "versions": versions(bin_dir),
        "rows": [],
    }
    for percent, folder in folders.items():
        row = bench_folder(folder, args, bin_dir, env, full=percent >= 100)
        row["percent"] = percent
        report["rows"].append(row)
    report["machine"]["load_end"] = [round(x, 2) for x in os.getloadavg()]
    destination = args.json or scratch / f"results-{args.corpus}.json"
    destination.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    print(f"versions: {json.dumps(report['versions'])}")
    print(f"JSON report: {destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
