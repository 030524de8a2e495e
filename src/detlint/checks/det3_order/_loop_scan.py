"""What the body of a loop over an arbitrarily ordered value does with the order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from detlint.analysis.statements import descendants
from detlint.checks.det3_order._flows import YIELDED_EACH, Shape
from detlint.checks.det3_order._syntax import (
    _assigned_names,
    _carried_across_items,
    _calls_len,
    _counters,
    _fresh_containers,
    _holds_unchanged,
    _is_break_only,
    _is_literal,
    _matches_item,
    _name_mentions,
    _names_in,
    _root_name,
    _stored_into,
    suite,
)
from detlint.names import dotted_name

if TYPE_CHECKING:
    from detlint.checks.det3_order._ordered_use import ScopeWalker


_FIRST_MATCH = {
    "break": "stops at the first match (`break`), so which item wins depends on the order",
    "return": "returns the first match from inside the loop, so which item wins depends on the order",
}


class LoopScan:
    """What the body of a loop over an arbitrarily ordered value does with the order:
    `ordered` effects make it order-sensitive (appending to something that leaves the scope, yielding,
    writing out, stopping early after collecting); `sinks` are local names that are filled in loop
    order (the order travels on with them); `unknown` are calls made for their effect whose
    order-sensitivity cannot be told, and `first` the loop form of `next(...)` (returning or keeping the
    first item that passes a test, then stopping): guesses, no finding on their own. Deleting, copying,
    counting, printing and adding to sets are order-free and report nothing."""

    def __init__(self, walker: ScopeWalker, target: cst.BaseExpression, walk: bool = False) -> None:
        self.walker = walker
        self.walk = walk  # only walks are iterated: a trailing `if ...: break` means "top directory only"
        self.index = walker.index
        self.targets = {name.value for name in _names_in(target)}
        # (what the body does, where): completes "is iterated by a loop that ..."
        self.ordered: list[tuple[str, cst.CSTNode]] = []
        self.sinks: dict[str, Shape] = {}
        self.unknown: list[tuple[str, cst.CSTNode]] = []
        self.first: list[tuple[str, cst.CSTNode]] = []
        self.work: list[cst.Call] = []  # catalogued operations on the item (copy, remove, ...) made for their effect
        self.counters: set[str] = set()
        # per top-level break: whether only flags are set before it, and whether it depends on earlier items
        self.breaks: list[tuple[bool, bool, cst.CSTNode]] = []
        self.returns: list[tuple[bool, cst.CSTNode]] = []  # per return of the item: whether it depends on earlier items
        self.tests: list[cst.BaseExpression] = []  # the `if` tests around the statement being read

    def scan(self, body: Sequence[cst.CSTNode]) -> LoopScan:
        self.counters = _counters(body)
        self.item_names = self.targets | _assigned_names(body)
        imported = self.walker.context.imports.bindings
        across = _carried_across_items(body)
        self.carried = {name for name in across - self.targets if name not in imported}
        # what the body adds to: what it carries across items and what it stores into by subscript
        self.filled = across | _stored_into(body)
        at_top, nested = _fresh_containers(body)
        self.fresh = at_top | self._loop_locals(nested, body)
        if self.walk and body and isinstance(body[-1], cst.If) and _is_break_only(body[-1]):
            body = body[:-1]
        self._block(body, 0, False)
        # Stopping after work for each item decides which items got it. Stopping at the first item that
        # passes a test of that item alone is `next(...)` written as a loop: a guess. A test of what earlier
        # items added up to (`total += size`, `seen += 1`) is not.
        stops = [("break", flag_only, cumulative, node) for flag_only, cumulative, node in self.breaks]
        stops += [("return", False, cumulative, node) for cumulative, node in self.returns]
        for kind, flag_only, cumulative, node in stops:
            if self.sinks or self.unknown or self.work:
                self.ordered.append((f"stops early (`{kind}`), so which items are processed depends on the order", node))
            elif not flag_only:
                (self.ordered if cumulative else self.first).append((_FIRST_MATCH[kind], node))
        return self

    def _loop_locals(self, names: set[str], body: Sequence[cst.CSTNode]) -> set[str]:
        """Those of `names` (reset under a branch) that the scope mentions only inside this loop body: one
        bound before the loop and read after it holds what the items that took the branch left, the last
        of them in loop order."""
        if not names:
            return names
        walker = self.walker
        scope = walker.function.body if walker.function is not None else walker.context.module
        inside = [name.value for statement in body for name in _name_mentions(statement)]
        everywhere = [name.value for name in _name_mentions(scope)]
        return {name for name in names if everywhere.count(name) == inside.count(name)}

    def _cumulative(self, value: cst.BaseExpression | None) -> bool:
        """Whether the tests around a statement, or the value it keeps, read what earlier items left."""
        parts = [*self.tests, value] if value is not None else self.tests
        return any(name.value in self.carried for part in parts for name in _names_in(part))

    def _block(self, statements: Sequence[cst.CSTNode], depth: int, guarded: bool) -> None:
        """`guarded`: inside `if item == value:`, where the first match is the only match."""
        smalls = [
            small
            for statement in statements
            for small in (statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement])
        ]
        kept = [
            small.value
            for small in smalls
            if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and small.value is not None
        ]
        flag_only = not any(self._depends_on_item(value) for value in kept)
        # a value kept before `break` from what earlier items left (`result = total`)
        kept_carried = any(self._cumulative(value) for value in kept)
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._small(small, depth, flag_only or guarded, guarded, kept_carried)
            elif isinstance(statement, cst.BaseSmallStatement):
                self._small(statement, depth, flag_only or guarded, guarded, kept_carried)
            else:
                self._compound(statement, depth, guarded)

    def _compound(self, node: cst.CSTNode, depth: int, guarded: bool) -> None:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return
        if isinstance(node, cst.If):
            self._expr(node.test)
            breaks = len(self.breaks)
            self.tests.append(node.test)
            self._block(suite(node.body), depth, guarded or _matches_item(node.test, self.targets))
            if self._asks_user(node.test):
                del self.breaks[breaks:]  # `if cv2.waitKey(0) == 27: break`: the person watching stops it
            if isinstance(node.orelse, cst.If):
                self._compound(node.orelse, depth, guarded)
            elif node.orelse is not None:
                self._block(suite(node.orelse.body), depth, guarded)
            self.tests.pop()
        elif isinstance(node, (cst.For, cst.While)):
            self._expr(node.iter if isinstance(node, cst.For) else node.test)
            self._block(suite(node.body), depth + 1, guarded)
            if node.orelse is not None:
                self._block(suite(node.orelse.body), depth, guarded)
        elif isinstance(node, cst.With):
            for item in node.items:
                self._expr(item.item)
            self._block(suite(node.body), depth, guarded)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self._block(suite(node.body), depth, guarded)
            for handler in node.handlers:
                self._block(suite(handler.body), depth, guarded)
            for extra in (node.orelse, node.finalbody):
                if extra is not None:
                    self._block(suite(extra.body), depth, guarded)
        elif isinstance(node, cst.Match):
            for case in node.cases:
                self._block(suite(case.body), depth, guarded)

    def _asks_user(self, test: cst.BaseExpression) -> bool:
        """A test of what a person types (`input()`, `cv2.waitKey(0) == 27`), and of nothing the item
        gives."""
        if self._depends_on_item(test):
            return False
        calls = descendants(test, cst.Call)
        return any(self.walker.callee(call.func) in self.index.user_inputs for call in calls)

    def _depends_on_item(self, value: cst.BaseExpression) -> bool:
        """Whether a value returned (or kept before `break`) comes from the item: `return path` does,
        `return True` or `found = Status.OK` does not (the loop only tests whether any item matches)."""
        return any(name.value in self.item_names for name in _names_in(value))

    def _small(
        self, node: cst.CSTNode, depth: int, flag_only: bool, guarded: bool = False, kept_carried: bool = False
    ) -> None:
        if isinstance(node, cst.Expr):
            value = node.value.expression if isinstance(node.value, cst.Await) else node.value
            if isinstance(value, cst.Call):
                self._call(value, discarded=True)
            else:
                self._expr(value)
        elif isinstance(node, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                self._store(target, node.value)
            if node.value is not None:
                self._expr(node.value)
        elif isinstance(node, cst.AugAssign):
            self._augmented(node)
        elif isinstance(node, cst.Return):
            # `if f == name: return total`: the only match, but what it returns was added up in loop order
            cumulative = node.value is not None and self._cumulative(node.value)
            if node.value is not None and self._depends_on_item(node.value) and (cumulative or not guarded):
                self.returns.append((cumulative, node))
        elif isinstance(node, cst.Break) and depth == 0:
            self.breaks.append((flag_only, kept_carried or self._cumulative(None), node))

    def _expr(self, node: cst.CSTNode) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Yield):
                self.ordered.append((YIELDED_EACH, current))
            elif isinstance(current, cst.Call):
                self._call(current, discarded=False)
                continue  # _call scans its own arguments
            elif isinstance(current, cst.Lambda):
                continue
            stack.extend(current.children)

    def _call(self, call: cst.Call, *, discarded: bool) -> None:
        for arg in call.args:
            self._expr(arg.value)
        func = call.func
        walker = self.walker
        if isinstance(func, cst.Attribute):
            self._expr(func.value)
        qualified = walker.callee(func)
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        imports = walker.context.imports
        resolved = imports.resolve(func) is not None and not imports.resolved_through_star(func)
        known = walker.index.loop_callables.get(qualified) if qualified else None
        consumer = walker.index.consumer_callables.get(qualified) if qualified else None
        if known is not None and discarded and any(self._depends_on_item(arg.value) for arg in call.args):
            self.work.append(call)
        if known is not None or consumer is not None or walker.diagnostic(call):
            return  # a per-item filesystem operation, print, sorted(...), a logger's message, ...
        if method is not None and not resolved:
            effect = walker.index.loop_methods.get(method)
            if effect is not None:
                if effect["effect"] == "collects":
                    if any(self._numbered(arg.value) for arg in call.args):
                        # `ops.append(Add(path=f"shard-{len(ops)}"))`: numbers baked into what is kept
                        self.ordered.append((f"numbers the items in `{walker.code(func.value)}` in that order", call))
                    elif dotted_name(func.value):
                        self.sinks.setdefault(dotted_name(func.value), Shape.SEQ)
                    elif self._keyed_by_item(func.value):
                        # `ratings[item].append(stars)`: each item adds to a list of its own
                        self.sinks.setdefault(dotted_name(func.value.value), Shape.MAP)  # type: ignore[attr-defined]
                    elif _root_name(func.value) in self.fresh:
                        pass
                    elif (grouped := self._grouped(func.value)) is not None:
                        self.sinks[grouped] = Shape.GROUPS
                    else:
                        self.ordered.append((f"adds each item to `{walker.code(func.value)}` in that order", call))
                elif effect["effect"] == "uses-order" and not self._made_per_item(func.value):
                    self.ordered.append((effect["reason"], call))
                return
            if method in walker.index.value_methods and walker.index.value_methods[method]["effect"] in (
                "ignores-order",
                "sorts",
            ):
                return
        if discarded:
            self.unknown.append((f"calls `{walker.code(func, 30)}(...)`", call))

    def _numbered(self, value: cst.BaseExpression) -> bool:
        """A value holding a count that grows in loop order (`i += 1` earlier, `len(out)` of what the loop
        fills)."""
        return any(name.value in self.counters for name in _names_in(value)) or _calls_len(value, self.filled)

    def _keyed_by_item(self, receiver: cst.BaseExpression) -> bool:
        """`ratings[item]` of a named mapping, keyed by the loop's own variable: a different entry for
        each item (the items of a listing or a set are distinct)."""
        if not (isinstance(receiver, cst.Subscript) and dotted_name(receiver.value) and len(receiver.slice) == 1):
            return False
        key = receiver.slice[0].slice
        # a part of a tuple item (`for speaker, utt in pairs`) repeats across items
        single = len(self.targets) == 1 or self.walk
        keyed = isinstance(key, cst.Index) and isinstance(key.value, cst.Name) and key.value.value in self.targets
        return single and keyed

    def _grouped(self, receiver: cst.BaseExpression) -> str | None:
        """The dict of `by_label[label]`, one the scope made, under a key that is not a literal: a list of
        its own for each key, filled in loop order; judged where the dict is read. (`columns["id"]`, a
        fixed field, lines its items up with the other fields' by position.)"""
        if not (isinstance(receiver, cst.Subscript) and isinstance(receiver.value, cst.Name) and len(receiver.slice) == 1):
            return None
        key = receiver.slice[0].slice
        if not isinstance(key, cst.Index) or _is_literal(key.value):
            return None
        name = receiver.value.value
        return name if name in self.walker.dicts else None

    def _made_per_item(self, receiver: cst.BaseExpression) -> bool:
        """A receiver bound in the loop body (`with open(out, "w") as fh:`), or opened right there at a path
        named after the item (`open(out / f"{item}.txt", "w").writelines(...)`): each item's output of its
        own."""
        if isinstance(receiver, cst.Call) and receiver.args:
            opens = (dotted_name(receiver.func) or "").rpartition(".")[2] == "open"
            return opens and _holds_unchanged(receiver.args[0].value, self.targets)
        name = dotted_name(receiver)
        return bool(name) and name.split(".")[0] in self.item_names - self.targets

    def _store(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Subscript):
            base = target.value
            counted = [*target.slice, value] if value is not None else list(target.slice)
            # d[item] = len(d), d[item] = i (with i += 1), arr[i] = item: positions counted in loop order
            position = any(self._numbered(part) for part in counted)
            if dotted_name(base):
                if position:
                    self.ordered.append(
                        (f"fills `{dotted_name(base)}` by position in that order", target)
                    )
                else:
                    self.sinks.setdefault(dotted_name(base), Shape.MAP)
            elif position:
                self.ordered.append(
                    (f"fills `{self.walker.code(base)}` by position in that order", target)
                )
            else:
                self.unknown.append((f"writes into `{self.walker.code(base)}[...]`", target))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value, None)

    def _augmented(self, node: cst.AugAssign) -> None:
        self._expr(node.value)
        if not isinstance(node.operator, cst.AddAssign) or not self._text_like(node.value):
            return
        target = node.target
        if dotted_name(target):
            self.sinks.setdefault(dotted_name(target), Shape.SEQ)
        elif self._keyed_by_item(target):
            # `totals[item] += [row]`: each item adds to an entry of its own
            self.sinks.setdefault(dotted_name(target.value), Shape.MAP)  # type: ignore[attr-defined]
        elif _root_name(target) in self.fresh:
            pass
        elif (grouped := self._grouped(target)) is not None:
            self.sinks[grouped] = Shape.GROUPS
        else:
            self.ordered.append((f"concatenates each item onto `{self.walker.code(target)}`", node))

    def _text_like(self, node: cst.BaseExpression) -> bool:
        """A value that concatenation would append (strings, lists, the loop variable), not a number."""
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.List, cst.ListComp)):
            return True
        if isinstance(node, cst.Tuple):
            return bool(node.elements)
        if isinstance(node, cst.Name):
            return node.value in self.targets
        if isinstance(node, cst.BinaryOperation):
            return self._text_like(node.left) or self._text_like(node.right)
        if isinstance(node, cst.Call):
            callee = self.walker.callee(node.func)
            return callee is not None and self.walker.index.hash_callables.get(callee) == "randomized"
        return False
