from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from detlint.catalogs.dependencies import Policy
from detlint.checks.base import ProjectRule
from detlint.checks.det4_dependencies._shared import include_findings, pinned_line, run_environments
from detlint.dependency_files.pep508 import release_parts
from detlint.dependency_files.records import Requirement, ResolvedVersion
from detlint.facts.model import is_test_path
from detlint.finding import Confidence, Finding, RelatedLocation, Severity, Span, short_code
from detlint.project.index import ProjectIndex


class UnpinnedDependency(ProjectRule):
    """
    ## What it does
    Checks requirements files, conda environment files and Pipfiles for packages that are not
    pinned to one exact version (`torch>=2.1`, `numpy`, conda's fuzzy `pytorch=2.1`) when no lock
    file in the project pins them.

    ## Why is this bad?
    A range resolves to whatever is newest when someone installs: the same file gives a different
    environment next month, and numerical libraries change results between releases (new default
    algorithms, kernels, random streams). Re-running an experiment then measures the upgrade, not
    the experiment. When another file of the project pins a version the requirement allows (one
    in the same directory or above it, or one all other files agree on), the finding suggests that
    version and points at where it is pinned, so the fix is one copy.

    Under `deps = "ml"` (the default) only the ML stack listed in `rules/dependencies.yaml` is
    reported; `deps = "all"` reports every package (others as notes). `-e .` and local paths are
    the project itself and never reported, nor are files in a directory whose runs all keep no
    results (API demos on random tensors, benchmarks); `mode = "library"` turns this rule off; files
    under `docs/`, and packages that no Python file the requirements file serves (those in its
    directory and below) imports, or that only tests import, are reported at low confidence, unless
    another package of the ML stack runs them (NumPy under every framework; `used_through` in
    `rules/dependencies.yaml`). A requirements file the package's manifest reads as its
    own requirements (a `setup.py` that names it, setup.cfg's `file:`, pyproject's
    `[tool.setuptools.dynamic]`) holds library ranges and is not reported; DET402 asks for a lock.
    The project's own distribution (the name its manifest declares), listed in its examples'
    requirements, is the checkout itself and not reported. An include that pip cannot follow (a
    missing `-r` file, a cycle) is reported as DET001.

    ## Example
    ```python
    # requirements.txt
    torch>=2.1
    numpy
    ```

    ## Use instead
    ```python
    # requirements.txt
    torch==2.4.1
    numpy==1.26.4
    ```

    ## References
    - [pip: Repeatable installs](https://pip.pypa.io/en/stable/topics/repeatable-installs/)
    - [PEP 440: Version matching](https://peps.python.org/pep-0440/#version-matching)
    - [conda: Package match specifications](https://docs.conda.io/projects/conda/en/latest/user-guide/concepts/pkg-specs.html#package-match-specifications)
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    """

    code = "DET401"
    name = "unpinned-dependency"
    severity = Severity.WARNING
    EXAMPLE_PATH = "requirements.txt"

    VALID = (
        "torch==2.4.0+cu121\nnumpy==1.26.4\n",
        'tensorflow[and-cuda]==2.15.0; sys_platform == "linux"\n',
        "-e .\n./vendor/mylib\nrequests>=2\n",
        {"requirements.in": "torch>=2.1\n", "uv.lock": '[[package]]\nname = "torch"\nversion = "2.4.1"\n'},
        {"requirements.txt": "-c constraints.txt\ntorch\n", "constraints.txt": "torch==2.4.1\n"},
        {"environment.yml": "dependencies:\n  - python=3.11\n  - pytorch=2.1.0=py3.11_cuda12.1_0\n  - pip\n"},
        # The package's own requirements, read by its manifest: ranges, as a library's must be.
        {
            "setup.py": "from setuptools import setup\n\nsetup(name='a', install_requires=open('requirements.txt').readlines())\n",
            "requirements.txt": "torch>=2.1\n",
        },
        {
            "pyproject.toml": '[project]\nname = "a"\ndynamic = ["dependencies"]\n\n'
            '[tool.setuptools.dynamic]\ndependencies = { file = ["requirements/base.txt"] }\n',
            "requirements/base.txt": "numpy>=1.26\n",
        },
        {"setup.cfg": "[options]\ninstall_requires = file: requirements.in\n", "requirements.in": "torch>=2.1\n"},
        # The project itself, named by its manifest: its examples install the checkout.
        {
            "setup.py": "from setuptools import setup\n\nsetup(name='Accelerate', install_requires=['torch>=2'])\n",
            "examples/requirements.txt": "accelerate\ntorch==2.4.1\n",
        },
    )
    INVALID = (
        "torch>=2.1  # DET401\nnumpy==1.26.4\n",
        "numpy>=1.26,<2  # DET401\n",
        "scikit-learn  # DET401\n",
        {"environment.yml": "dependencies:\n  - pytorch=2.1  # DET401\n  - pip:\n    - transformers  # DET401\n"},
        {"Pipfile": '[packages]\ntorch = "*"  # DET401\n'},
        {"requirements.txt": "torch>=2  # DET401\n", "requirements-gpu.txt": "torch==2.4.1\n"},
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        deps = index.dependencies
        yield from include_findings(deps)
        settings = index.settings
        if settings.mode == "library":
            return
        policy = deps.policy
        own = deps.own_distributions()
        scopes = _ImportScopes(index)
        for path, file in run_environments(index):
            occurrences: Counter[str] = Counter()
            imports = scopes.under(path.rpartition("/")[0])
            for requirement in file.requirements:
                key = requirement.key
                if requirement.kind != "registry" or not policy.reported(key, settings.deps):
                    continue
                if policy.canonical(key) in own:
                    continue  # the project itself: its examples run against the checkout
                if policy.exact_version(requirement) is not None or deps.covered(path, key):
                    continue
                text = _finding_text(requirement, deps.suggestion(path, requirement))
                unused = imports.why_unused(policy, key)
                if unused:
                    text["detail"] += f" {unused} (low confidence)."
                finding = self.finding(
                    path,
                    requirement.span,
                    **text,
                    anchor=requirement.text,
                    scope=requirement.section,
                    occurrence=occurrences[requirement.text],
                    confidence=Confidence.LOW if unused else policy.confidence_for(path),
                    statement_lines=requirement.statement_lines,
                )
                occurrences[requirement.text] += 1
                yield replace(finding, severity=policy.severity_for(key))


@dataclass(frozen=True)
class _Imports:
    """The top-level modules the code a requirements file serves imports (lower case), by the
    project's code and by its tests: the Python files in its directory and below, or, for a directory
    without code (`requirements/base.txt`), in the nearest directory above that has some, together
    with the project modules they import, followed to the end."""

    directory: str
    by_code: frozenset[str]
    by_tests: frozenset[str]
    any_file: bool

    def why_unused(self, policy: Policy, key: str) -> str:
        """Why the package's version cannot change a result of the code seen (a sentence), or "" when
        it can: the code imports it, another package of the stack runs it (NumPy), it is outside the
        ML stack (its module name is not known), or no Python file is there to tell."""
        names = policy.modules_of(key)
        modules = {module.lower() for module in names}
        if not self.any_file or not policy.is_ml(key) or self.by_code & modules or policy.is_used_through(key):
            return ""
        where = f"under `{self.directory}/`" if self.directory else "in the project"
        module = f"`{names[0]}`"
        if self.by_tests & modules:
            return f"Only the tests {where} import {module}, so its version changes no result of a run"
        return f"No Python file {where} imports {module}, and no package of the ML stack is known to run it"


class _ImportScopes:
    """`_Imports` per directory, each computed once for the project."""

    def __init__(self, index: ProjectIndex) -> None:
        self.files = index.files
        self.by_module = {facts.module: facts for facts in index.files.values()}
        self.directories = {path.rpartition("/")[0] for path in index.files}
        self._found: dict[str, _Imports] = {}

    def under(self, directory: str) -> _Imports:
        while directory and not any(d == directory or d.startswith(directory + "/") for d in self.directories):
            directory = directory.rpartition("/")[0]
        if directory not in self._found:
            self._found[directory] = self._collect(directory)
        return self._found[directory]

    def _collect(self, directory: str) -> _Imports:
        served = [facts for path, facts in self.files.items() if not directory or path.startswith(directory + "/")]
        return _Imports(
            directory,
            self._reached([facts for facts in served if not is_test_path(facts.path)]),
            self._reached([facts for facts in served if is_test_path(facts.path)]),
            bool(served),
        )

    def _reached(self, start: list) -> frozenset[str]:
        """The top-level modules `start` imports, directly or through the project's own modules."""
        seen = {facts.path for facts in start}
        stack = list(start)
        found: set[str] = set()
        while stack:
            for name in stack.pop().imports:
                found.add(name.partition(".")[0].lower())
                own = self._project_module(name)
                if own is not None and own.path not in seen:
                    seen.add(own.path)
                    stack.append(own)
        return frozenset(found)

    def _project_module(self, name: str):
        """The project module an imported name lies in (`pkg.models` of `pkg.models.Net`), if any."""
        while name:
            if name in self.by_module:
                return self.by_module[name]
            name = name.rpartition(".")[0]
        return None


def _problem(requirement: Requirement) -> tuple[str, str]:
    """What is loose about the requirement (a clause of the message) and what follows from it."""
    clauses = requirement.clauses
    if not clauses:
        return "names no version", "Every install takes the newest release."
    if any(clause.operator == "||" for clause in clauses):
        return "allows alternative versions", "Every install may pick a different one."
    for clause in clauses:
        fuzzy = requirement.ecosystem == "conda" and clause.operator == "=" and not requirement.build
        if "*" in clause.version or (fuzzy and release_parts(clause.version) < 3):
            return f"matches every {clause.version.rstrip('.*')}.x release", "Every install takes the newest of them."
    return "allows a range of versions", "An install next month can differ from today's."


def _finding_text(requirement: Requirement, known: ResolvedVersion | None) -> dict:
    """The message, detail, help and related location of a finding about an unpinned requirement."""
    problem, follows = _problem(requirement)
    text = {"message": f"`{short_code(requirement.text, 60)}` {problem}", "detail": follows}
    if known is not None:
        source = "locked" if known.locked else "pinned"
        text["help"] = f"Pin it as `{pinned_line(requirement, known.version)}`, as the project does elsewhere"
        text["related"] = [RelatedLocation(known.path, Span(known.line, 0, known.line, 0), f"{source} here")]
    else:
        text["help"] = f"Pin the version you use, e.g. `{pinned_line(requirement, 'X.Y.Z')}`, or commit a lock file"
    return text
