"""Discovers the built-in rules under `detlint.checks` (their index is `detlint.checks.index`)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from functools import cache

from detlint.checks.base import MetaRule, ProjectRule, Rule, RuleMeta
from detlint.checks.index import RuleIndex

_BASES = (RuleMeta, MetaRule, Rule, ProjectRule)


def _rule_classes(package_name: str) -> Iterable[type[RuleMeta]]:
    package = importlib.import_module(package_name)
    for info in sorted(pkgutil.walk_packages(package.__path__, package_name + "."), key=lambda i: i.name):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, RuleMeta) and obj not in _BASES and obj.__module__ == module.__name__:
                yield obj


@cache
def rule_index() -> RuleIndex:
    return RuleIndex(_rule_classes("detlint.checks"))
