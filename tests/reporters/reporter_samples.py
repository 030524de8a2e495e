"""Findings and rules for reporter tests. The rules are stand-ins, so the golden files change when a
reporter changes, not when a real rule's documentation does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from detlint import __version__
from detlint.checks.base import MetaRule
from detlint.checks.index import RuleIndex
from detlint.finding import Confidence, Finding, RelatedLocation, Severity, Span
from detlint.reporters import github, gitlab, sarif

GOLDEN = Path(__file__).parent / "golden"
# Where the sample project claims to live; it need not exist.
ROOT = Path("/work/project")


class SeedlessLoader(MetaRule):
    """
    ## What it does
    Checks for data loaders with worker processes but no seeded generator.

    ## Why is this bad?
    Each worker draws its own random state, so the shuffling and augmentations differ between runs.

    ## Example
    ```python
    loader = DataLoader(data, num_workers=4)
    ```

    ## Use instead
    ```python
    loader = DataLoader(data, num_workers=4, generator=torch.Generator().manual_seed(0))
    ```

    ## References
    - [Reproducibility: DataLoader](https://example.org/reproducibility#dataloader)
    - [Second link](https://example.org/second)
    """

    code = "DET901"
    name = "seedless-loader"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM


class FastKernels(MetaRule):
    """
    ## What it does
    Checks for fast, nondeterministic kernels.

    ## Why is this bad?
    They reorder floating-point additions between runs.
    """

    code = "DET902"
    name = "fast-kernels"
    severity = Severity.WARNING


class ConfigNote(MetaRule):
    """
    ## What it does
    Notes configuration worth a second look.
    """

    code = "DET903"
    name = "config-note"
    severity = Severity.NOTE
    confidence = Confidence.LOW


RULES = RuleIndex([SeedlessLoader, FastKernels, ConfigNote])


def _finding(
    rule: type[MetaRule],
    path: str,
    span: Span,
    message: str,
    *,
    fingerprint: str,
    confidence: Confidence | None = None,
    related: tuple[RelatedLocation, ...] = (),
) -> Finding:
    return Finding(
        rule.code,
        rule.name,
        message,
        path,
        span,
        rule.severity,
        confidence or rule.confidence,
        fingerprint=fingerprint,
        related=related,
    )


FINDINGS = [
    _finding(
        SeedlessLoader,
        "src/train.py",
        Span(12, 4, 14, 5),
        "`DataLoader(num_workers=4)` has no seeded generator: 100% of workers, a, b",
        fingerprint="0123456789abcdef0123456789abcdef",
        related=(RelatedLocation("src/data.py", Span(3, 0, 3, 18), "the dataset is defined here"),),
    ),
    _finding(
        FastKernels,
        "src/train.py",
        Span(20, 0, 20, 36),
        "two lines:\nsecond line\r\nthird, with `::` and %0A literally",
        fingerprint="fedcba9876543210fedcba9876543210",
    ),
    # Two identical findings: GitLab must still see two issues.
    _finding(FastKernels, "src/dup.py", Span(1, 0, 1, 5), "same", fingerprint="11111111111111111111111111111111"),
    _finding(FastKernels, "src/dup.py", Span(2, 0, 2, 5), "same", fingerprint="11111111111111111111111111111111"),
    _finding(
        ConfigNote,
        "odd dir/a,b:c é.py",
        Span(1, 0, 1, 0),
        "zero-width note — non-ASCII kept",
        confidence=Confidence.HIGH,
        fingerprint="22222222222222222222222222222222",
    ),
]


def _sarif_without_version() -> str:
    # The golden file does not change with detlint's version.
    output = sarif.render(FINDINGS, rules=RULES, base=ROOT)
    return output.replace(f'"version": "{__version__}"', '"version": "VERSION"')


# Each golden file under tests/reporters/golden/ and the output it holds. Tests only compare;
# `python tests/reporters/update_golden.py` rewrites them after an intended change.
GOLDEN_OUTPUTS: dict[str, Callable[[], str]] = {
    "github.txt": lambda: github.render(FINDINGS),
    "gitlab.json": lambda: gitlab.render(FINDINGS),
    "sarif.json": _sarif_without_version,
}


def assert_matches_golden(name: str) -> None:
    """The reporter's output for FINDINGS is byte for byte tests/reporters/golden/NAME."""
    path = GOLDEN / name
    assert path.is_file(), f"{path} is missing: create it with tests/reporters/update_golden.py"
    expected = path.read_bytes().decode("utf-8")
    assert GOLDEN_OUTPUTS[name]() == expected, (
        f"{name} differs from its golden file; if that is intended, run tests/reporters/update_golden.py and review the diff"
    )
