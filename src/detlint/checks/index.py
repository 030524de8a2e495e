"""Rules indexed by code and name, and the selectors (`DET2`, `cudnn-benchmark`, `ALL`) that pick them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from detlint.checks.base import ProjectRule, Rule, RuleMeta

CODE_PATTERN = re.compile(r"^DET\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class RegistryError(Exception):
    pass


class UnknownSelector(ValueError):
    def __init__(self, selector: str) -> None:
        super().__init__(selector)
        self.selector = selector


class RuleIndex:
    def __init__(self, rules: Iterable[type[RuleMeta]]) -> None:
        self.rules = tuple(sorted(rules, key=lambda rule: rule.code))
        self.by_code: dict[str, type[RuleMeta]] = {}
        self.by_name: dict[str, type[RuleMeta]] = {}
        for rule in self.rules:
            if not CODE_PATTERN.match(rule.code):
                raise RegistryError(f"{rule.__name__}: code {rule.code!r} is not DET followed by three digits")
            if not NAME_PATTERN.match(rule.name):
                raise RegistryError(f"{rule.__name__}: name {rule.name!r} is not kebab-case")
            if rule.code in self.by_code:
                raise RegistryError(f"{rule.code} is used by {self.by_code[rule.code].__name__} and {rule.__name__}")
            if rule.name in self.by_name:
                raise RegistryError(f"name {rule.name} is used twice")
            self.by_code[rule.code] = rule
            self.by_name[rule.name] = rule

    def __getitem__(self, code: str) -> type[RuleMeta]:
        return self.by_code[code]

    def lookup(self, code_or_name: str) -> type[RuleMeta] | None:
        return self.by_code.get(code_or_name.upper()) or self.by_name.get(code_or_name.lower())

    def codes_for(self, selector: str) -> set[str]:
        """Codes a selector picks: a full code, a prefix (`DET2`, `DET`) or a rule name."""
        selector = selector.strip()
        if selector.upper() == "ALL":
            return set(self.by_code)
        if selector.upper().startswith("DET") and re.fullmatch(r"DET\d{0,3}", selector.upper()):
            codes = {code for code in self.by_code if code.startswith(selector.upper())}
        else:
            codes = {self.by_name[selector.lower()].code} if selector.lower() in self.by_name else set()
        if not codes:
            raise UnknownSelector(selector)
        return codes

    def file_rules(self) -> tuple[type[Rule], ...]:
        return tuple(rule for rule in self.rules if issubclass(rule, Rule))

    def project_rules(self) -> tuple[type[ProjectRule], ...]:
        return tuple(rule for rule in self.rules if issubclass(rule, ProjectRule))
