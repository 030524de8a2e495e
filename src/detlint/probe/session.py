"""Select the findings to probe, group them, run each group's recipe in a worker process with a time
limit, and attach the result to every finding of the group.

A finding is probed when its `properties` name a catalog op (the op rules write `catalog`, `op`,
`probe`, `arguments`, `framework`, `framework_version`). Findings whose recipe and variant (the
recipe's parameters, derived from the entry and the call's literal arguments) are equal share one run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from detlint.finding import Finding
from detlint.probe.backends import BACKENDS, MODES, Backend
from detlint.probe.recipes import NO_RECIPE, SIZES, Recipe, registry
from detlint.probe.results import Environment, ModeResult, ProbeResult, Unavailable

# A worker that has not imported its framework after this long is given up (CUDA initialisation and a
# cold import of TensorFlow can take a minute).
STARTUP_TIMEOUT = 180.0
STDERR_TAIL = 3  # lines of a crashed worker's stderr quoted in the reason


@dataclass(frozen=True)
class ProbeOptions:
    runs: int = 5
    device: str = "auto"  # auto | cpu | cuda
    size: str = "small"  # small | medium | large
    timeout: float = 120.0  # seconds per recipe (per mode for TensorFlow)
    repeats: int = 5  # timed calls per mode (at least `runs`)
    threads: int | None = None  # CPU threads for torch; None: its default, at least 2
    seed: int = 0
    # Directories whose modules must never be importable by a worker (the analysed project); entries of
    # PYTHONPATH inside them are dropped. The working directory always is.
    protected: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Target:
    """What one finding asks to probe."""

    catalog: str | None
    op: str | None
    recipe: str | None
    arguments: Mapping[str, Any]
    framework: str | None
    framework_version: str | None

    @classmethod
    def of(cls, finding: Finding) -> Target | None:
        properties = finding.properties or {}
        if "probe" not in properties and not ("catalog" in properties and "op" in properties):
            return None
        arguments = properties.get("arguments")
        return cls(
            catalog=properties.get("catalog"),
            op=properties.get("op"),
            recipe=properties.get("probe") if isinstance(properties.get("probe"), str) else None,
            arguments=dict(arguments) if isinstance(arguments, Mapping) else {},
            framework=properties.get("framework"),
            framework_version=properties.get("framework_version"),
        )


@dataclass
class _Group:
    recipe: Recipe
    variant: dict[str, Any]
    members: list[int] = field(default_factory=list)  # positions of the findings


Progress = Callable[[int, int, str], None]  # (done, total, what is running)


def probe_findings(
    findings: Sequence[Finding], options: ProbeOptions, *, progress: Progress | None = None
) -> list[ProbeResult | None]:
    """One result per finding (None for findings that are not about a catalogued op)."""
    recipes = registry()
    entries = _CatalogEntries()
    scale = SIZES[options.size]
    results: list[ProbeResult | None] = [None] * len(findings)
    groups: dict[tuple[str, str], _Group] = {}
    targets: dict[int, Target] = {}
    for position, finding in enumerate(findings):
        target = Target.of(finding)
        if target is None:
            continue
        targets[position] = target
        recipe = recipes.get(target.recipe) if target.recipe else None
        if recipe is None:
            results[position] = ProbeResult.skipped(_no_recipe_reason(target, entries), recipe=target.recipe)
            continue
        variant = recipe.plan(target.op, target.arguments, scale)
        key = (recipe.name, json.dumps(variant, sort_keys=True))
        groups.setdefault(key, _Group(recipe, variant)).members.append(position)
    with _Workers(options) as workers:
        for done, group in enumerate(groups.values()):
            if progress is not None:
                progress(done, len(groups), group.recipe.name)
            result = _run_group(workers, group, options)
            for position in group.members:
                results[position] = _with_notes(result, targets[position], entries)
        if progress is not None:
            progress(len(groups), len(groups), "")
    return results


def framework_environments(options: ProbeOptions | None = None) -> list[dict[str, Any]]:
    """The installed PyTorch's and TensorFlow's versions, devices and, on a GPU, CUDA and cuDNN
    versions, as the probe's workers see them: the framework is imported in a worker, never here."""
    found = []
    with _Workers(options or ProbeOptions()) as workers:
        for name in ("torch", "tensorflow"):
            backend = BACKENDS[name]
            if importlib.util.find_spec(backend.package) is None:
                continue
            answer = workers.ask(backend, "default", {"recipe": "environment", "environment": True})
            if isinstance(answer.get("environment"), dict):
                found.append(answer["environment"])
    return found


def _no_recipe_reason(target: Target, entries: _CatalogEntries) -> str:
    if target.recipe is None:
        entry = entries.get(target.catalog, target.op)
        why = entry.no_probe_reason if entry is not None else None
        return f"no recipe: {why}" if why else "no recipe for this op in the catalog"
    if target.recipe in NO_RECIPE:
        return f"no recipe: {NO_RECIPE[target.recipe]}"
    return f"no recipe named {target.recipe!r} in this version of detlint"


def _run_group(workers: _Workers, group: _Group, options: ProbeOptions) -> ProbeResult:
    backend = BACKENDS[group.recipe.backend]
    request = {
        "recipe": group.recipe.name,
        "plan": group.variant,
        "runs": options.runs,
        "repeats": max(options.repeats, options.runs),
        "device": options.device,
        "seed": options.seed,
        "threads": options.threads,
    }
    if backend.isolate_modes:
        halves = [workers.ask(backend, mode, {**request, "modes": [mode]}) for mode in MODES]
        skipped = next((half for half in halves if "skipped" in half), None)
        response = skipped or {
            "environment": halves[0].get("environment"),
            "modes": {mode: half["modes"][mode] for mode, half in zip(MODES, halves)},
        }
    else:
        response = workers.ask(backend, "both", {**request, "modes": list(MODES)})
    environment = Environment.from_dict(response["environment"]) if response.get("environment") else None
    if "skipped" in response:
        missing = response.get("unavailable")
        return ProbeResult.skipped(response["skipped"], recipe=group.recipe.name, variant=group.variant,
                                   environment=environment,
                                   unavailable=Unavailable(backend.name, missing) if missing else None)  # fmt: skip
    modes = {mode: ModeResult.from_dict(raw) for mode, raw in response["modes"].items()}
    return ProbeResult.from_modes(group.recipe.name, group.variant, modes["default"], modes.get("deterministic"),
                                  environment)  # fmt: skip


def _with_notes(result: ProbeResult, target: Target, entries: _CatalogEntries) -> ProbeResult:
    notes = list(result.notes)
    environment = result.environment
    entry = entries.get(target.catalog, target.op)
    if entry is not None and environment is not None and environment.device in ("cpu", "cuda"):
        catalogued = {"cuda": "CUDA", "cpu": "CPU"}.get(entry.device)
        if catalogued and entry.device != environment.device:
            notes.append(
                f"catalogued as nondeterministic on {catalogued}; probed on {environment.device.upper()}, "
                "which runs other kernels"
            )
    project_version = target.framework_version
    if project_version and environment is not None and environment.version:
        if not _same_release(project_version, environment.version):
            notes.append(f"the project uses {environment.framework} {project_version}; probed with "
                         f"{environment.version}")  # fmt: skip
    return replace(result, notes=tuple(notes)) if notes else result


def _same_release(project: str, installed: str) -> bool:
    """"2.4" matches 2.4.1+cu121; "2.4.1" matches only 2.4.1 (and its local builds)."""
    wanted = project.strip().lstrip("=~<>! ").split(".")
    have = installed.split("+")[0].split(".")
    return have[: len(wanted)] == wanted


class _CatalogEntries:
    """Catalog entries by (catalog, id), loaded on first use."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], Any] | None = None

    def get(self, catalog: str | None, op: str | None):
        if catalog is None or op is None:
            return None
        if self._entries is None:
            from detlint.catalogs.loader import load_catalog

            loaded = load_catalog()
            self._entries = {(name, entry.id): entry for name, ops in loaded.ops.items() for entry in ops.entries}
        return self._entries.get((catalog, op))


# -- worker processes -------------------------------------------------------------------------------


class WorkerFailure(Exception):
    """A worker that timed out, crashed or could not start: the reason a recipe is skipped."""


class _Worker:
    """One `python -m detlint.probe.worker BACKEND MODE` process, answering one JSON line per request."""

    def __init__(self, backend: Backend, mode: str, options: ProbeOptions, directory: Path) -> None:
        self.backend = backend
        self.stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "detlint.probe.worker", backend.name, mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=directory,
            env=worker_environment(backend, options),
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        try:
            self.hello = self._receive(max(STARTUP_TIMEOUT, options.timeout), "starting")
        except WorkerFailure:
            self.close(kill=True)
            raise

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _receive(self, timeout: float, doing: str) -> dict[str, Any]:
        """The worker's next answer. Lines that are not JSON objects (something printed to stdout before
        the worker took it over, such as a site customisation's banner) are passed over."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close(kill=True)
                raise WorkerFailure(f"timed out after {timeout:g} s {doing}") from None
            if line is None:
                code = self.process.wait()
                raise WorkerFailure(f"the {self.backend.name} worker exited ({code}) {doing}{self._stderr_tail()}")
            try:
                answer = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(answer, dict):
                return answer

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except OSError as error:
            raise WorkerFailure(f"the {self.backend.name} worker is gone ({error})") from None
        return self._receive(timeout, f"running {request['recipe']}")

    def _stderr_tail(self) -> str:
        self.stderr.seek(0)
        lines = [line.strip() for line in self.stderr.read().splitlines() if line.strip()]
        return ": " + " | ".join(lines[-STDERR_TAIL:]) if lines else ""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self, kill: bool = False) -> None:
        """Ends the worker: closing its input ends its loop; a hung one is killed."""
        if kill and self.process.poll() is None:
            self.process.kill()
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
        self.process.wait()
        if not self.stderr.closed:
            self.stderr.close()


def worker_environment(backend: Backend, options: ProbeOptions) -> dict[str, str]:
    """The parent's environment, with imports from the analysed project ruled out: safe-path mode (no
    working-directory entry on sys.path), and PYTHONPATH without entries inside protected directories.
    detlint's own location comes first so the worker imports the same detlint."""
    environment = dict(os.environ)
    environment.update(backend.environment)
    environment["PYTHONSAFEPATH"] = "1"
    environment.pop("PYTHONSTARTUP", None)
    protected = [Path.cwd().resolve(), *(Path(path).resolve() for path in options.protected)]
    own = str(Path(__file__).resolve().parents[2])
    kept = [own]
    for entry in environment.get("PYTHONPATH", "").split(os.pathsep):
        if not entry or entry == own:
            continue
        resolved = Path(entry).resolve()
        if any(resolved == root or root in resolved.parents for root in protected):
            continue
        kept.append(entry)
    environment["PYTHONPATH"] = os.pathsep.join(kept)
    return environment


class _Workers:
    """The worker processes of one probe run, started on demand, restarted after a failure."""

    def __init__(self, options: ProbeOptions) -> None:
        self.options = options
        self.workers: dict[tuple[str, str], _Worker] = {}
        self.unavailable: dict[str, dict[str, Any]] = {}  # backend -> its start-up answer
        self.directory: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> _Workers:
        self.directory = tempfile.TemporaryDirectory(prefix="detlint-probe-")
        return self

    def __exit__(self, *exc_info: object) -> None:
        for worker in self.workers.values():
            worker.close()
        self.workers.clear()
        if self.directory is not None:
            self.directory.cleanup()

    def ask(self, backend: Backend, mode: str, request: dict[str, Any]) -> dict[str, Any]:
        if backend.name in self.unavailable:
            return self.unavailable[backend.name]
        try:
            worker = self._worker(backend, mode)
            if "skipped" in worker.hello:
                self.unavailable[backend.name] = worker.hello
                return worker.hello
            return worker.ask(request, self.options.timeout)
        except WorkerFailure as failure:
            self._drop(backend, mode, kill=True)
            return {"skipped": str(failure)}

    def _worker(self, backend: Backend, mode: str) -> _Worker:
        key = (backend.name, mode)
        worker = self.workers.get(key)
        if worker is None or not worker.alive:
            if worker is not None:
                worker.close()
            assert self.directory is not None
            worker = self.workers[key] = _Worker(backend, mode, self.options, Path(self.directory.name))
        return worker

    def _drop(self, backend: Backend, mode: str, kill: bool = False) -> None:
        worker = self.workers.pop((backend.name, mode), None)
        if worker is not None:
            worker.close(kill=kill)
