"""Rule documentation pages, rendered from each rule's docstring and metadata.

`python -m detlint.docs` writes `docs/rules/` and `docs/ops.md` (the op catalogs as a table);
`python -m detlint.docs --check` fails when the committed pages are stale (the test suite runs the
same comparison)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from detlint.catalogs.docs import render_ops_table
from detlint.catalogs.loader import load_catalog
from detlint.checks.base import RuleMeta
from detlint.checks.index import RuleIndex
from detlint.registry import rule_index

# Where the pages this module writes to docs/rules/ are published.
RULE_PAGES_URL = "https://github.com/detlint/detlint/blob/main/docs/rules"


def rule_page_url(code: str) -> str:
    return f"{RULE_PAGES_URL}/{code}.md"


def rule_page(rule: type[RuleMeta]) -> str:
    frameworks = ", ".join(sorted(rule.frameworks)) or "any"
    header = [
        f"# {rule.code}: {rule.name}",
        "",
        f"*Severity:* {rule.severity.value} · *Default confidence:* {rule.confidence.value} · "
        f"*Applies to:* {frameworks} · *Kind:* {rule.kind()} rule · *Fix:* {rule.fix}",
        "",
        f"Suppress with `# noqa: {rule.code}` or `# detlint: ignore[{rule.name}]`.",
        "",
    ]
    return "\n".join(header) + rule.doc().strip() + "\n"


def index_page(index: RuleIndex) -> str:
    lines = [
        "# Rules",
        "",
        "Every rule detlint has, generated from the rules themselves (`python -m detlint.docs`).",
        "Select them by code, prefix (`DET2`) or name.",
        "",
        "| Code | Name | Summary | Severity | Applies to |",
        "|---|---|---|---|---|",
    ]
    for rule in index.rules:
        frameworks = ", ".join(sorted(rule.frameworks)) or "any"
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {rule.summary()} | {rule.severity.value} | {frameworks} |"
        )
    return "\n".join(lines) + "\n"


def expected_pages(index: RuleIndex) -> dict[str, str]:
    pages = {f"{rule.code}.md": rule_page(rule) for rule in index.rules}
    pages["index.md"] = index_page(index)
    return pages


def stale_pages(directory: Path, index: RuleIndex) -> list[str]:
    """Pages that are missing, different or no longer generated."""
    expected = expected_pages(index)
    stale = [
        name
        for name, content in expected.items()
        if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != content
    ]
    stale.extend(path.name for path in directory.glob("*.md") if path.name not in expected)
    return sorted(stale)


def write_pages(directory: Path, index: RuleIndex) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    expected = expected_pages(index)
    for path in directory.glob("*.md"):
        if path.name not in expected:
            path.unlink()
    for name, content in expected.items():
        (directory / name).write_text(content, encoding="utf-8")


def ops_page() -> str:
    """The table of nondeterministic operations, generated from the op catalogs."""
    return render_ops_table(load_catalog())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m detlint.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the pages are stale, write nothing")
    parser.add_argument("--output", type=Path, default=Path("docs/rules"))
    parser.add_argument("--ops-output", type=Path, default=Path("docs/ops.md"))
    args = parser.parse_args(argv)
    if args.check:
        stale = [str(args.output / name) for name in stale_pages(args.output, rule_index())]
        if not args.ops_output.is_file() or args.ops_output.read_text(encoding="utf-8") != ops_page():
            stale.append(str(args.ops_output))
        for name in stale:
            print(f"stale: {name}", file=sys.stderr)
        return 1 if stale else 0
    write_pages(args.output, rule_index())
    args.ops_output.write_text(ops_page(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
