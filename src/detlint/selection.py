"""Which rules report where: `select`, `extend-select`, `ignore` and `per-file-ignores`.

Selectors are codes, code prefixes (`DET2`), rule names or `ALL`. As in ruff, the most specific
selector wins: `select = ["DET2"]` with `ignore = ["DET203"]` runs every DET2 rule but DET203, and
`ignore = ["DET2"]` with `select = ["DET203"]` runs DET203 alone. On a tie, ignore wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from detlint.checks.index import RuleIndex, UnknownSelector


class SelectorError(ValueError):
    def __init__(self, key: str, selector: str) -> None:
        super().__init__(f"'{selector}' in {key} matches no rule (see `detlint rules`)")
        self.key = key
        self.selector = selector


def _specificity(selector: str) -> int:
    # A name is as specific as a full code; "ALL" is the least specific.
    upper = selector.upper()
    if upper == "ALL":
        return 0
    return len(upper) if upper.startswith("DET") and upper[3:].isdigit() or upper == "DET" else 6


def _resolve(index: RuleIndex, key: str, selectors: Iterable[str]) -> dict[str, int]:
    """code -> specificity of the most specific selector in the list that picks it."""
    picked: dict[str, int] = {}
    for selector in selectors:
        try:
            codes = index.codes_for(selector)
        except UnknownSelector:
            raise SelectorError(key, selector) from None
        for code in codes:
            picked[code] = max(picked.get(code, -1), _specificity(selector))
    return picked


@dataclass(frozen=True)
class Selection:
    enabled: frozenset[str]
    # (path matcher, codes it turns off) for per-file-ignores
    per_file: tuple[tuple[Callable[[str], bool], frozenset[str]], ...] = ()

    @classmethod
    def build(
        cls,
        index: RuleIndex,
        *,
        select: Iterable[str],
        extend_select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        per_file_ignores: Mapping[str, Iterable[str]] | None = None,
        path_matcher: Callable[[str], Callable[[str], bool]] | None = None,
    ) -> Selection:
        chosen = _resolve(index, "select", select)
        for code, rank in _resolve(index, "extend-select", extend_select).items():
            chosen[code] = max(chosen.get(code, -1), rank)
        ignored = _resolve(index, "ignore", ignore)
        enabled = frozenset(code for code, rank in chosen.items() if ignored.get(code, -1) < rank)
        per_file = tuple(
            (path_matcher(pattern), frozenset(_resolve(index, "per-file-ignores", codes)))
            for pattern, codes in (per_file_ignores or {}).items()
            if path_matcher is not None
        )
        return cls(enabled, per_file)

    def allows(self, code: str, path: str) -> bool:
        if code not in self.enabled:
            return False
        return not any(code in codes and matches(path) for matches, codes in self.per_file)
