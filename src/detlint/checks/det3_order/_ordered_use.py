"""What DET303 and DET304 share: following a value whose order is arbitrary (a directory listing, a set)
through one scope, and judging each place it is used by what that place does with its order.

The analysis is top-down and needs no parent pointers. For each scope (the module's top level, a
class body, a function body; nested functions are scopes of their own) a `ScopeWalker` visits the
statements in source order. `value(expr)` returns the *flows* an expression's value carries (which
arbitrary-order sources its order comes from, and in what shape: a sequence, a mapping built in that
order, or a set), after judging every sub-expression in the context its parent gives it. A consumer
then decides: `sorted(...)`, `len(...)`, membership and the other order-free consumers drop the flows;
`list(...)`, `map(...)`, comprehensions and assignments pass them on; returning, indexing,
`enumerate`, `zip`, `join`, unknown functions and loops with order-sensitive bodies *use* the order, and
a use is recorded on the source. Names bound to a flow are tracked until they are rebound or sorted
(`files.sort()`, `files = sorted(files)`); `if`/`else` branches are merged. A function of the file
that is called is read: what it does with an argument (`_summary`), and what order its return value
carries (`_return_summary`), which the caller judges on fresh copies of the sources. At the end of
each scope a source with uses makes a finding at the source expression, with its most certain use
as the reason; one handed back to callers that the file calls is left to them, one handed back to
callers the file does not name is low. The findings are flushed when the module ends, one per
source expression. A use whose order-sensitivity is a guess (capped low: the first item of a pattern that mostly
matches one file, a loop calling functions made for their effect, another program's command line, an
unseeded shuffle) makes no finding on its own: on real code such uses were almost never hazards. How
sure the rule is of the source itself (`order_cap`: a set of unknown elements) still sets the level.

Which calls are listings, sets, sorting or order-free consumers is data (`rules/ordering.yaml`); the
rules supply how a source is recognised and how the finding is worded, through the `order_*` hooks of
`OrderedUseVisitor`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

import libcst as cst

from detlint.analysis.statements import descendants
from detlint.checks.base import FixSpec, Report
from detlint.checks.det3_order._file_tables import (
    _ancestors,
    _definition_scope,
    _definitions,
    _inside,
    _method_in_hierarchy,
    _nested_definition,
    _nested_references,
    _overrides,
    _read_in_definitions,
    _redefined,
    _references,
    _seeds_anything,
)
from detlint.checks.det3_order._flows import (
    RETURNED,
    YIELDED,
    YIELDED_EACH,
    Flow,
    Flows,
    Reason,
    Role,
    Shape,
    Source,
    Use,
    _carrying,
    _chosen,
    _is_walk_value,
    _merge,
    _off_default,
    _one_source,
    _unique,
    as_element,
    as_keys,
    as_values,
    entry_of,
    reshaped,
    unnested,
)
from detlint.checks.det3_order._loop_scan import LoopScan
from detlint.checks.det3_order._syntax import (
    _every_row,
    _first_iteration_only,
    _index_only_checked,
    _is_full_slice,
    _is_mask,
    _is_name,
    _length_one,
    _literal_index,
    _literal_keys,
    _looks_like_logger,
    _made_and_kept_here,
    _matches_item,
    _mentions,
    _names_in,
    _new_mapping,
    _only_shown,
    _only_through_attributes,
    _parameter,
    _positions,
    _reads,
    _records_metrics,
    _selects_columns,
    _sorts_in_place,
    _entry_names,
    _star_parameter,
    _stores_every_pass,
    _terminates,
    _written_out_sequence,
    suite,
)
from detlint.facts.collector import is_main_guard
from detlint.facts.model import is_test_path, is_tooling_path
from detlint.finding import Confidence
from detlint.names import BUILTIN_NAMES, argument, code_of, dotted_name, literal_value

# How many calls deep a value is followed: an argument into a helper and on into the helper it calls
# (`last_n(files)` -> `parse(files)`), a return value back from a helper's helper.
_CALLS_FOLLOWED = 2
# (shape, nesting) of a value passed to a function -> the (shape, nesting) forms its return value has
Forms = dict[tuple[Shape, int], tuple[tuple[Shape, int], ...]]

_SET_OPERATORS = {"BitOr": "|", "BitAnd": "&", "Subtract": "-", "BitXor": "^"}
_ELEMENTWISE_OPERATORS = frozenset({"Subtract", "Divide", "FloorDivide", "Power"})


def short_code(module: cst.Module, node: cst.CSTNode, limit: int = 40) -> str:
    text = code_of(node, module)
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


# -- the rule side --------------------------------------------------------------------------------------


class OrderedUseVisitor:
    """Mixin for order rules (put it before `Rule`): walks every scope with a `ScopeWalker` and reports
    each source that has an order-sensitive use. Rules override the `order_*` hooks."""

    def visit_Module(self, node: cst.Module) -> None:
        ScopeWalker(self, "module").run(node.body)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        ScopeWalker(self, "class").run(suite(node.body))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        walker = ScopeWalker(self, "function")
        walker.function = node
        walker.parameters(node)
        walker.run(suite(node.body))

    def leave_Module(self, original_node: cst.Module) -> None:
        # one finding per source, however many callers of the function making it use the order
        self.context.reports.extend(self.__dict__.pop("_order_reports", {}).values())  # type: ignore[attr-defined]

    # -- hooks ------------------------------------------------------------------------------------------
    def order_call_source(self, walker: ScopeWalker, call: cst.Call) -> Source | None:
        """A call whose value has an arbitrary order (its arguments are walked by the caller)."""
        return None

    def order_display_source(self, walker: ScopeWalker, node: cst.CSTNode) -> Source | None:
        """A set display or set comprehension."""
        return None

    def order_set_result(
        self, walker: ScopeWalker, node: cst.CSTNode, operands: Sequence[Flows], operator: str
    ) -> Source | None:
        """The new set made by set algebra (`a | b`, `a.union(b)`) of operands of which one is a set."""
        return None

    def order_set_insert(self, walker: ScopeWalker, flows: Flows, value: cst.BaseExpression, iterable: bool) -> None:
        """`s.add(value)` (or `s.update(value)` when `iterable`) on a tracked set."""

    def order_parameter(self, walker: ScopeWalker, param: cst.Param) -> None:
        """An annotated parameter of the function being walked."""

    def order_name_fact(self, walker: ScopeWalker, value: cst.BaseExpression) -> object:
        """What to remember about a name bound to `value` (e.g. "it is a pathlib path"), or None."""
        return None

    def order_cap(self, source: Source) -> Confidence | None:
        """The most confidence a finding for `source` may have; None drops it."""
        return source.confidence

    def order_message(self, source: Source, use: Use) -> tuple[str, str, str]:
        """The finding's message, detail and help for a source and its most certain use."""
        raise NotImplementedError


def _use_text(use: Use) -> str:
    return f"{use.via or 'the result'} {split_reason(use.reason)[0]}"


_REASON_TAIL = re.compile(r"`[^`]*`|(, so |; |, which )")


def split_reason(reason: str) -> tuple[str, str]:
    """A use's reason cut into what is done (for the one-sentence message) and what follows from it,
    as a sentence of its own for the detail: "is numbered with `enumerate`, so each item's index
    depends on that order" -> ("is numbered with `enumerate`", "Each item's index depends on that
    order.")."""
    for match in _REASON_TAIL.finditer(reason):
        if match.group(1):
            head, tail = reason[: match.start()], reason[match.end() :]
            if match.group(1) == ", which ":
                tail = f"what it does {tail}"
            return head, tail[:1].upper() + tail[1:] + "."
    return reason, ""


# -- the walker -----------------------------------------------------------------------------------------


class ScopeWalker:
    """Walks one scope's statements in source order (see the module docstring)."""

    def __init__(self, rule: OrderedUseVisitor, scope_kind: str, depth: int = 0) -> None:
        self.rule = rule
        self.depth = depth  # > 0 when summarising a function called from another scope
        self.context = rule.context  # type: ignore[attr-defined]
        self.index = self.context.catalog.ordering
        self.scope_kind = scope_kind
        self.bindings: dict[str, Flows] = {}
        self.facts: dict[str, object] = {}
        self.makers: dict[str, str] = {}  # name -> the constructor that made the object it holds (`Pool`)
        self.reads: set[str] = set()
        self.singletons: set[str] = set()  # names checked to hold exactly one item (`assert len(x) == 1`)
        self.aliases: dict[str, str] = {}  # local names for imported callables (`extension = CppExtension`)
        self.dicts: set[str] = set()  # names bound to a dict made in this scope
        self.fixed_keys: set[str] = set()  # of those, dicts whose keys a display or comprehension fixed
        self.sources: list[Source] = []
        self.statement: cst.CSTNode | None = None
        self.quiet = 0  # > 0 inside messages for people (print, logging, raise, f-strings)
        self.true_by_default: set[str] = set()  # parameters whose default is `True` (`sort=True`)
        # What `return` statements hand back: values' flows, and returned tuples' flows item by item.
        self.returned_values: list[Flows] = []
        self.returned_tuples: list[tuple[Flows, ...]] = []
        # Calls to this file's functions that return tuples: each item's flows by tuple length, for
        # unpacking assignments.
        self.returned_items: dict[int, dict[int, tuple[Flows, ...]]] = {}
        self.scope = ".".join(self.context.scope_stack)  # the scope findings on this walk's sources name
        self.function: cst.FunctionDef | None = None  # the function a depth-0 walk is of
        # Inside `if __name__ == "__main__":`, and the names last bound there: when the script's main
        # block ends the program ends, so what they hold is read by nothing later.
        self.main_block = False
        self.script_names: set[str] = set()

    # -- entry points -----------------------------------------------------------------------------------
    def parameters(self, function: cst.FunctionDef) -> None:
        self.statement = function
        params = function.params
        # (`*args: set[str]` annotates each argument, not the tuple `args`)
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if param.annotation is not None:
                self.rule.order_parameter(self, param)
            if param.default is not None and literal_value(param.default) is True:
                self.true_by_default.add(param.name.value)
        self.statement = None

    def run(self, statements: Sequence[cst.CSTNode]) -> None:
        self.block(statements)
        self._kept_attributes()
        self._leftovers()
        self._report()

    # -- sources and uses -------------------------------------------------------------------------------
    def new_source(self, node: cst.CSTNode, label: str, confidence: Confidence, **details: object) -> Source:
        source = Source(node, self.statement, label, confidence, scope=self.scope, **details)  # type: ignore[arg-type]
        self.sources.append(source)
        return source

    def consume(
        self, flows: Iterable[Flow], reason: Reason, cap: Confidence | None = None, at: cst.CSTNode | None = None
    ) -> None:
        """Record an order-sensitive use made at `at` (the statement being walked when not given). In a
        message nothing is, except a comparison: `assert files == ["a", "b"]` is a verdict."""
        if self.quiet and not reason.compares:
            return
        at = at or self.statement
        for flow in flows:
            if flow.role == Role.WALK_ENTRY:
                continue
            if flow.mark:
                confidence = Confidence.weakest(flow.source.confidence, flow.cap, cap)
                use = Use(flow.mark, confidence, flow.role, flow.via, False, reason.compares, flow.mark_at or at)
                flow.source.uses.append(use)
                continue
            if flow.nested and not reason.escape:
                continue  # the container's order, not the source's
            if reason.escape and flow.shape in (Shape.SET, Shape.MAP):
                # handing a set on is what sets are for, a dict keyed by each item is for lookups; only
                # iterating them exposes the order
                continue
            confidence = Confidence.weakest(flow.source.confidence, flow.cap, cap)
            use = Use(
                reason.text, confidence, flow.role, flow.via, reason.escape, reason.compares, at, reason.returns,
                reason.passed, flow.nested, flow.shape,
            )
            flow.source.uses.append(use)

    def drop(self, flows: Iterable[Flow]) -> None:
        """An order-free consumer: only order already baked in (`sorted(enumerate(s))`) is a use."""
        self.consume((flow for flow in flows if flow.sticky), Reason(""))

    def _kept_attributes(self) -> None:
        """Attributes (`self.files`) outlive the scope: whatever order they hold at its end is kept, and
        judged where the class's other methods read it; when none does, other code will."""
        after = "the function returns" if self.scope_kind == "function" else "this block"
        kept = "is kept on the object" if self.function is not None and self.function.name.value == "__init__" else ""
        for name, flows in list(self.bindings.items()):
            if "." not in name or not flows or self._ends_with_the_call(name):
                continue
            readers = self._attribute_readers(name)
            carried = tuple(flow for flow in flows if flow.carried)
            if carried:
                # a loader or dataset kept on the object: its readers load from it
                self.consume(carried, Reason(""))
                flows = tuple(flow for flow in flows if not flow.carried)
                if not flows:
                    continue
            summaries = [(reader, self._summary(reader, name, flows)) for reader in readers]
            if not readers or any(summary is None for _, summary in summaries):
                self.consume(flows, Reason(kept or f"is kept unsorted after {after}", escape=True))
                continue
            for reader, (uses, returns) in summaries:  # type: ignore[misc]
                method = reader.name.value
                for use in uses:
                    subject = "it" if use.via in ("", f"`{name}`") else use.via
                    text = f"is read in order by `{method}`; there {subject} {use.reason}"
                    reason = Reason(text, compares=use.compares)
                    cap = Confidence.weakest(use.confidence, Confidence.MEDIUM if use.escape else None)
                    self.consume(flows, reason, cap, at=use.at)
                if returns:
                    self.consume(flows, Reason(f"is returned by `{method}`", escape=True), at=reader)

    def _ends_with_the_call(self, name: str) -> bool:
        """`args.files = glob(...)` on an object the function makes (every binding of it is a call's
        result) and never uses whole (never returns, passes, stores, aliases or captures it, before or
        after, but to code that keeps no reference and leaves `args.files` unread): the object, and the
        order it holds, end with the call."""
        function, root = self.function, name.split(".")[0]
        if self.scope_kind != "function" or function is None or self.depth or root in ("self", "cls"):
            return False
        return _made_and_kept_here(function, root, lambda: self._lent_without_keeping(function, name))

    def _lent_without_keeping(self, function: cst.FunctionDef, attribute: str) -> frozenset[int]:
        """The ids of the places `function` hands the object holding `attribute` (`args` of `args.input`)
        to code that keeps no reference to it and does not read that attribute: a message
        (`logger.info("Arguments: " + str(args))`), or a function of this file that reads the parameter
        only through its other attributes (`cfg = setup_cfg(args)` reading `args.config_file`)."""
        root, _, held = attribute.partition(".")
        lent: set[int] = set()
        for call in descendants(function.body, cst.Call):
            if self.diagnostic(call):
                lent.update(id(found) for found in self._formatted(call) if found.value == root)
                continue
            local = self._local_definition(call.func) if any(_is_name(arg.value, root) for arg in call.args) else None
            if local is None:
                continue
            definition, skipped = local
            for index, arg in _positions(call.args):
                if arg.star:
                    continue
                parameter = _parameter(definition, skipped + index, arg) if index >= 0 else None
                if (
                    _is_name(arg.value, root)
                    and parameter is not None
                    and _only_through_attributes(definition, parameter)
                    and not _mentions(definition.body, f"{parameter}.{held}")
                ):
                    lent.add(id(arg.value))
        return frozenset(lent)

    def _formatted(self, message: cst.Call) -> list[cst.Name]:
        """The names a message's arguments format: directly, or through builtins and library functions
        (`str(args)`, `json.dumps(vars(args))`); not those handed to the file's own code or to an
        object's methods inside it (`registry.append(args)`), which may keep them."""
        names: list[cst.Name] = []
        stack: list[cst.CSTNode] = [arg.value for arg in message.args]
        imports = self.context.imports
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                names.append(node)
            elif isinstance(node, cst.Call):
                builtin = isinstance(node.func, cst.Name) and self.callee(node.func) in BUILTIN_NAMES
                if builtin or imports.resolve(node.func) is not None:
                    stack.extend(arg.value for arg in node.args)
            elif not isinstance(node, cst.Lambda):
                stack.extend(node.children)
        return names

    def diagnostic(self, call: cst.Call) -> bool:
        """A message for people: `print(...)`, `logging.info(...)`, `LOGGER.info(...)`, `"...".format(...)`,
        an experiment tracker's record (`run.log({...})`)."""
        func = call.func
        if isinstance(func, cst.Attribute):
            consumer = self.index.consumer_methods.get(func.attr.value)
            if consumer is not None and consumer["effect"] == "diagnostic":
                if func.attr.value == "format" or _looks_like_logger(func.value):
                    return True
            if _records_metrics(call):
                return True
        qualified = self.callee(func)
        entry = self.index.consumer_callables.get(qualified) if qualified else None
        return entry is not None and entry["effect"] == "diagnostic"

    def _attribute_readers(self, name: str) -> list[cst.FunctionDef]:
        """The other methods of the walked method's class (module-level) that read `self.<attr>`."""
        function = self.function
        if function is None or not name.startswith("self."):
            return []
        owner, _, method = _definition_scope(self.rule, self.context.module, function).rpartition(".")
        methods = _definitions(self.rule, self.context.module)[1].get(owner, {}) if owner else {}
        if methods.get(method) is not function:
            return []
        return [other for other in methods.values() if other is not function and _reads(other, name)]

    def _leftovers(self) -> None:
        """At module and class level a name is visible to other code; an unsorted listing kept there
        and never read in this scope is used elsewhere. A notebook is run, never imported, and a name
        bound in a script's main block exists only when it runs as the program: there only the file's
        own functions can read it later."""
        if self.scope_kind == "function":
            return
        notebook = self.scope_kind == "module" and self.context.path.endswith(".ipynb")
        where = "at module level" if self.scope_kind == "module" else "as a class attribute"
        for name, flows in self.bindings.items():
            if name in self.reads or name.startswith("__") or "." in name or "[" in name:
                continue
            if (notebook or name in self.script_names) and name not in _read_in_definitions(self.rule, self.context.module):
                continue
            kept = [
                flow
                for flow in flows
                if flow.shape is Shape.SEQ and flow.role == Role.VALUE and not flow.nested
                and (not flow.mark or flow.carried)
            ]
            self.consume(kept, Reason(f"is kept {where} for use elsewhere"), Confidence.MEDIUM)

    def _report(self) -> None:
        rule = self.rule
        in_test = self._in_test()
        for source in self.sources:
            # In a test, only a verdict that depends on the order makes a flaky test: what else the test
            # does with the order stays inside it.
            # A guessed use (low) makes no finding on its own; see the module's docstring.
            uses = [use for use in source.uses if (use.compares or not in_test) and use.confidence is not Confidence.LOW]
            if not uses:
                continue
            cap = rule.order_cap(source)
            if cap is None:
                continue
            if cap is Confidence.LOW and all(use.escape and not use.passed for use in uses):
                # A source whose order may not vary at all (a set of unknown elements) that is only returned
                # or stored for code not seen: a guess twice over.
                continue
            kept = [use for use in uses if not use.returns]
            handed_back = not kept and self.scope_kind == "function"
            if handed_back:
                calls, unfollowed = self._callers_in_file()
                if unfollowed:
                    handed_back = False  # named in ways the walk cannot follow: judged here, as returned
                elif calls:
                    continue  # each caller in this file judges what it gets back (`_returned_by`)
            best = max(kept or uses, key=lambda use: use.confidence.rank)  # the first of the most certain
            # Handed back to callers the file does not hold, the order matters only if they use it.
            confidence = Confidence.weakest(best.confidence, cap, Confidence.LOW if handed_back else None)
            fix = None
            if source.sort_template:
                code = self.context.module.code_for_node(source.node)
                fix = FixSpec.replace(source.node, source.sort_template.format(call=code), "sort the listing")
            message, detail, advice = rule.order_message(source, best)
            if handed_back:
                name = f"`{self.function.name.value}`" if self.function is not None else "the function"
                detail += (
                    f" It is handed back by {name}, which nothing in this file calls or names except to hand its"
                    " result back; low confidence: whether the order matters depends on what its callers"
                    " elsewhere do with it."
                )
            reports: dict[int, Report] = rule.__dict__.setdefault("_order_reports", {})
            earlier = reports.get(id(source.node))
            if earlier is not None and earlier.confidence.rank >= confidence.rank:
                continue
            reports[id(source.node)] = (
                Report(
                    rule=type(rule),
                    node=source.node,
                    message=message,
                    detail=detail,
                    help=advice,
                    confidence=confidence,
                    statement=source.statement,
                    scope=source.scope,
                    related=((best.at, f"the order is used here: {_use_text(best)}"),) if best.at else (),
                    fix=fix,
                )
            )

    def _callers_in_file(self) -> tuple[int, bool]:
        """How this file refers to the function being walked, outside its own body: the calls that
        `_local_definition` resolves to it (its name, `self.name(...)`/`cls.name(...)` in its class, a
        static or class method on the class; not inside a lambda, whose value goes elsewhere), and
        whether its name is also mentioned some other way (a callback, a call on an instance, a nested
        function), which the walk cannot follow. A mention in a wrapper that only returns the call's
        result (`return self.backend.<name>(...)`) and that nothing in the file names is no use: the
        wrapper hands the order on to callers elsewhere, as the function itself would."""
        function = self.function
        if function is None:
            return 0, False
        open_functions = [node for node in self.context.statement_stack if isinstance(node, cst.FunctionDef)]
        enclosing = next((node for node in reversed(open_functions) if node is not function), None)
        if enclosing is not None and _nested_definition(self.rule, enclosing, function.name.value) is function:
            return _nested_references(enclosing, function)
        stack = self.context.scope_stack
        functions, classes = _definitions(self.rule, self.context.module)
        if len(stack) == 1 and functions.get(stack[0]) is function:
            key = ("", stack[0])
        elif len(stack) == 2 and classes.get(stack[0], {}).get(stack[1]) is function:
            key = (stack[0], stack[1])
        else:
            key = None
        references = _references(self.rule, self.context.module, classes)
        name = function.name.value
        outside = [owner for owner in references.mentions(key, name) if owner is not function]
        callers = [key] if key else []
        if key and key[0]:
            # `self.<name>(...)` in a base class of the file runs this override; in a derived class that
            # does not override it, this definition
            module = self.context.module
            callers += [(base, key[1]) for base in _ancestors(self.rule, module, key[0])]
            callers += [
                (derived, key[1])
                for derived in classes
                if key[0] in _ancestors(self.rule, module, derived)
                and _method_in_hierarchy(self.rule, module, derived, key[1]) is function
            ]
        calls = [owner for caller in callers for owner in references.calls.get(caller, ()) if owner is not function]
        # a wrapper that returns `self.backend.<name>(...)` and that nothing in the file names hands the
        # result on to callers elsewhere, as this function would
        passed_on = [
            owner
            for owner, owner_class in references.forwarded.get(name, ())
            if owner is not function
            and all(other is owner for other in references.mentions((owner_class, owner.name.value), owner.name.value))
        ]
        return len(calls), len(outside) > len(calls) + len(passed_on)

    def _in_test(self) -> bool:
        """A test file, or a test function or class (`test_*`, `Test*`) in any file; also the repository's
        tooling (`.github/`): a CI script's verdicts are what its order could change."""
        stack = self.context.scope_stack
        path = self.context.path
        return is_test_path(path) or is_tooling_path(path) or any(part.startswith(("test", "Test")) for part in stack)

    # -- names ------------------------------------------------------------------------------------------
    def bind(self, name: str, flows: Flows, via: str | None = None) -> None:
        self.true_by_default.discard(name)  # `sort = args.sort` is no longer the default
        self._forget(name)
        self.singletons.discard(name)
        if flows:
            label = via or f"`{name}`"
            # a value holding the order keeps the name it had when its use was written down
            self.bindings[name] = tuple(flow if flow.carried else replace(flow, via=label) for flow in flows)
        else:
            self.bindings.pop(name, None)
        if self.main_block:
            self.script_names.add(name)
        else:
            self.script_names.discard(name)

    def add_to(self, name: str, flows: Flows, shape: Shape | None = None, via: str | None = None) -> None:
        if not flows:
            return
        label = via or f"`{name}`"
        added = tuple(replace(flow, via=flow.via if flow.carried else label, shape=shape or flow.shape) for flow in flows)
        self.bindings[name] = _unique(self.bindings.get(name, ()) + added)

    def unbind(self, name: str) -> None:
        self.bindings.pop(name, None)
        self._forget(name)

    def _forget(self, name: str) -> None:
        """What was known of the object `name` held, and of the dict entries it was part of."""
        self.facts.pop(name, None)
        self.makers.pop(name, None)
        self.aliases.pop(name, None)
        self.dicts.discard(name)
        self.fixed_keys.discard(name)
        self._drop_entries(name)

    def _drop_entries(self, name: str) -> None:
        """Forget the entries followed on their own (`groups[key]`) of the dict `name`, or under the key
        `name`: they may have changed in ways the walk does not follow."""
        for entry in [key for key in self.bindings if key.startswith(f"{name}[") or key.endswith(f"[{name}]")]:
            del self.bindings[entry]

    def _entry(self, target: cst.Subscript) -> str | None:
        """`by_label[label]`, an entry of a dict made in this scope under a key held in a name: the entry's
        value is followed on its own until either name is bound again."""
        names = _entry_names(target)
        return f"{names[0]}[{names[1]}]" if names is not None and names[0] in self.dicts else None

    def _fill_entry(self, target: cst.Subscript, flows: Flows, *, added: bool) -> Flows:
        """`groups[key] = files` (or `+=`) into a dict made in this scope: the dict's values now hold the
        order (a GROUPS flow), judged where they are read. Returns the flows that go elsewhere (marked
        values, sets, mappings), or all of them for any other container."""
        base = target.value
        if not (isinstance(base, cst.Name) and base.value in self.dicts):
            return flows
        grouped, rest = as_values(flows)
        entry = self._entry(target)
        earlier = self.bindings.get(entry, ()) if entry is not None else ()
        self._drop_entries(base.value)  # another key may be the same key
        if entry is not None:
            # kept when empty too: `groups[key] = sorted(groups[key])` leaves that entry in no arbitrary order
            self.bindings[entry] = _unique(earlier + flows) if added else flows
        self.add_to(base.value, grouped)
        return rest

    def unbind_target(self, target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self.unbind(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.unbind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self.unbind_target(target.value)
        elif isinstance(target, cst.Attribute) and dotted_name(target):
            self.unbind(dotted_name(target))
        elif isinstance(target, cst.Subscript):
            self.value(target.value)  # `del items[i]` removes an item; it does not pick one
            for element in target.slice:
                self._descend(element)
            if isinstance(target.value, cst.Name):
                self._drop_entries(target.value.value)
        elif isinstance(target, cst.Attribute):
            self.value(target)

    def callee(self, func: cst.BaseExpression) -> str | None:
        """The qualified name of a called expression, builtins by their bare name."""
        imports = self.context.imports
        if isinstance(func, cst.Name):
            if func.value in self.aliases:
                return self.aliases[func.value]
            if func.value not in imports.bindings and func.value in BUILTIN_NAMES:
                return func.value
            return imports.resolve(func)
        resolved = imports.resolve(func)
        if resolved is None:
            dotted = dotted_name(func)
            head = dotted.split(".")[0] if dotted else ""
            if head in BUILTIN_NAMES and head not in imports.bindings and head not in self.bindings:
                return dotted  # dict.fromkeys, str.join
        return resolved

    def code(self, node: cst.CSTNode, limit: int = 40) -> str:
        return short_code(self.context.module, node, limit)

    # -- statements -------------------------------------------------------------------------------------
    def block(self, statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            self.stmt(statement)

    def stmt(self, node: cst.CSTNode) -> None:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self.unbind(node.name.value)  # its body is a scope of its own
            return
        if isinstance(node, cst.BaseSmallStatement):
            self.small(node)
            return
        outer = self.statement
        self.statement = node
        try:
            if isinstance(node, cst.SimpleStatementLine):
                for small in node.body:
                    self.small(small)
            elif isinstance(node, cst.If):
                self._if(node)
            elif isinstance(node, cst.For):
                self._for(node)
            elif isinstance(node, cst.While):
                self.truth(node.test)
                self.block(suite(node.body))
                if node.orelse is not None:
                    self.block(suite(node.orelse.body))
            elif isinstance(node, cst.With):
                self._with(node)
            elif isinstance(node, (cst.Try, cst.TryStar)):
                self._try(node)
            elif isinstance(node, cst.Match):
                self._match(node)
            else:
                self._descend(node)
        finally:
            self.statement = outer

    def small(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Expr) and _only_shown(node.value):
            self._quietly(node.value)  # `files[-1]` on a line of its own: dropped, or shown under a notebook cell
        elif isinstance(node, cst.Expr):
            self.value(node.value)
        elif isinstance(node, cst.Assign):
            self._assign([target.target for target in node.targets], node.value)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self._assign([node.target], node.value)
        elif isinstance(node, cst.AugAssign):
            self._aug_assign(node)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self._return(node, node.value)
        elif isinstance(node, (cst.Raise, cst.Assert)):
            if isinstance(node, cst.Assert):
                self.singletons.update(_length_one(node.test, asserted=True))
            self.quiet += 1
            try:
                self._descend(node)
            finally:
                self.quiet -= 1
        elif isinstance(node, cst.Del):
            self.unbind_target(node.target)
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            return
        else:
            self._descend(node)

    def _return(self, node: cst.Return, value: cst.BaseExpression) -> None:
        if isinstance(value, cst.Tuple) and not any(isinstance(item, cst.StarredElement) for item in value.elements):
            items = tuple(self.value(item.value) for item in value.elements)
            self.returned_tuples.append(items)
            self.consume(_unique(tuple(flow for flows in items for flow in as_element(flows))), RETURNED, at=node)
            return
        flows = self.value(value)
        self.returned_values.append(flows)
        self.consume(flows, RETURNED, at=node)

    def _assign(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        if (
            len(targets) == 1
            and isinstance(targets[0], (cst.Tuple, cst.List))
            and isinstance(value, (cst.Tuple, cst.List))
            and len(targets[0].elements) == len(value.elements)
            and not any(isinstance(element, cst.StarredElement) for element in value.elements)
        ):
            pairs = [(target.value, element.value) for target, element in zip(targets[0].elements, value.elements)]
            results = [(target, element, self.value(element)) for target, element in pairs]
            for target, element, flows in results:
                self._bind_target(target, flows, element)
            return
        flows = self.value(value)
        target = targets[0]
        width = len(target.elements) if isinstance(target, (cst.Tuple, cst.List)) else 0
        items = self.returned_items.pop(id(value), {}).get(width)
        if (
            items is not None
            and len(targets) == 1
            and not any(isinstance(element, cst.StarredElement) for element in target.elements)  # type: ignore[union-attr]
        ):
            self.unbind_target(target)  # `paths, labels = load(d)`: each name gets its own item's order
            for element, item_flows in zip(target.elements, items):
                self._bind_target(element.value, item_flows, value)
            return
        for target in targets:
            self._bind_target(target, flows, value)

    def _bind_target(self, target: cst.BaseExpression, flows: Flows, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, flows)
            if _new_mapping(value):
                self.dicts.add(target.value)
                if _literal_keys(value) or (
                    isinstance(value, cst.DictComp) and not any(flow.shape is Shape.MAP for flow in flows)
                ):
                    self.fixed_keys.add(target.value)
            imported = self.context.imports.resolve(value) if isinstance(value, (cst.Name, cst.Attribute)) else None
            if imported is not None and not flows:
                self.aliases[target.value] = imported
            fact = self.rule.order_name_fact(self, value)
            if fact is not None:
                self.facts[target.value] = fact
            self._note_maker(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            self._unpack(target, flows)
        elif isinstance(target, cst.Subscript):
            self.value(target.value)
            for element in target.slice:
                self._descend(element)
            base = target.value
            if isinstance(base, cst.Name) and _is_full_slice(target):
                self.bind(base.value, flows)  # dirs[:] = sorted(dirs)
            elif self._search_path(target):
                self.drop(flows)  # os.environ["LD_LIBRARY_PATH"] = ":".join(lib_dirs)
            else:
                rest = self._fill_entry(target, flows, added=False)
                self.consume(rest, Reason(f"is stored in `{self.code(target)}`", escape=True))
        elif isinstance(target, cst.Attribute):
            self.value(target.value)
            key = dotted_name(target)
            if key:
                self.bind(key, flows)  # judged where it is used, or when the scope ends
            else:
                self.consume(flows, Reason(f"is stored in `{self.code(target)}`", escape=True))
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, flows, value)

    def _search_path(self, target: cst.Subscript) -> bool:
        """`os.environ["LD_LIBRARY_PATH"]`: a variable of search paths (`search_paths` in the catalog)."""
        mapping = self.context.imports.resolve(target.value) if isinstance(target.value, (cst.Name, cst.Attribute)) else None
        return mapping is not None and (mapping, _literal_index(target)) in self.index.search_paths

    def _unpack(self, target: cst.Tuple | cst.List, flows: Flows) -> None:
        names = [element.value for element in target.elements]
        entries = [flow for flow in flows if flow.role == Role.WALK_ENTRY]
        self.unbind_target(target)
        if entries and len(names) >= 3:
            self._bind_walk_lists(entries, names[1], names[2])
            return
        others = [flow for flow in flows if flow.role != Role.WALK_ENTRY and not flow.nested]
        single = len(names) == 1  # `(only,) = matches`: the idiom for exactly one item
        for flow in others:
            cap = Confidence.LOW if single or flow.shape is Shape.SET else None
            self.consume((flow,), Reason("is unpacked by position into separate names"), cap)

    def _bind_walk_lists(self, walk_flows: Iterable[Flow], dirs: cst.CSTNode, files: cst.CSTNode) -> None:
        for flow in walk_flows:
            for role, target in ((Role.DIRS, dirs), (Role.FILES, files)):
                if isinstance(target, cst.Name) and target.value != "_":
                    flow.source.names.setdefault(role, target.value)
                    self.add_to(target.value, (replace(flow, role=role, shape=Shape.SEQ),))

    def _aug_assign(self, node: cst.AugAssign) -> None:
        flows = self.value(node.value)
        target = node.target
        operator = type(node.operator).__name__
        if isinstance(target, cst.Name):
            self.reads.add(target.value)
            self._drop_entries(target.value)  # `key += "x"` names another entry
            current = self.bindings.get(target.value, ())
            if current and operator.replace("Assign", "") in _SET_OPERATORS and any(
                flow.shape is Shape.SET for flow in current
            ):
                self.rule.order_set_insert(self, current, node.value, True)
                return
            self.add_to(target.value, flows)
        elif isinstance(target, cst.Attribute) and dotted_name(target):
            self.add_to(dotted_name(target), flows)
        elif isinstance(target, cst.Subscript) and self._search_path(target):
            self.value(target)
            self.drop(flows)  # os.environ["LD_LIBRARY_PATH"] += ":" + ":".join(lib_dirs)
        else:
            self.value(target)
            if isinstance(target, cst.Subscript):
                flows = self._fill_entry(target, flows, added=True)
            self.consume(flows, Reason(f"is added to `{self.code(target)}`", escape=True))

    def _if(self, node: cst.If) -> None:
        self.truth(node.test)
        body = suite(node.body)
        if body and _terminates(body[-1]):
            self.singletons.update(_length_one(node.test, asserted=False))  # if len(x) != 1: raise
        before = dict(self.bindings)
        single = _length_one(node.test, asserted=True) - self.singletons  # if len(x) == 1: x[0]
        self.singletons |= single
        main_block = self.main_block
        self.main_block = main_block or (self.scope_kind == "module" and is_main_guard(node.test))
        self.block(suite(node.body))
        self.main_block = main_block
        self.singletons -= single
        after_body = self.bindings
        self.bindings = dict(before)
        if isinstance(node.orelse, cst.If):
            self.stmt(node.orelse)
        elif node.orelse is not None:
            self.block(suite(node.orelse.body))
        after_else = self.bindings
        flag, body_by_default = self._default_branch(node.test)
        if flag:
            # `if sort: files = sorted(files)` with `sort=True`: the unsorted path is the caller's choice
            if body_by_default:
                after_else = _off_default(after_else, after_body)
            else:
                after_body = _off_default(after_body, after_else)
        self.bindings = _merge(after_body, after_else)

    def _default_branch(self, test: cst.BaseExpression) -> tuple[str, bool]:
        """(`flag`, whether the body runs) when the test is a parameter that is `True` by default, or its
        negation and nothing rebinds it before the test; ("", False) otherwise."""
        negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
        name = test.expression if negated else test  # type: ignore[attr-defined]
        if not isinstance(name, cst.Name) or name.value not in self.true_by_default:
            return "", False
        return name.value, not negated

    def _with(self, node: cst.With) -> None:
        for item in node.items:
            flows = self.value(item.item)
            if item.asname is not None:
                target = item.asname.name
                if isinstance(target, cst.Name):
                    self.bind(target.value, flows)
                    self._note_maker(target.value, item.item)
                else:
                    self.unbind_target(target)
        self.block(suite(node.body))

    def _note_maker(self, name: str, value: cst.BaseExpression) -> None:
        """`pool = Pool()`, `with ThreadPoolExecutor() as ex:`: what made the object a name holds, for
        methods that count only on such objects (`made_by` in the catalog)."""
        func = value.func if isinstance(value, cst.Call) else None
        last = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        if last in self.index.maker_names:  # resolving every assigned call's name would cost more
            maker = self.callee(func)  # type: ignore[arg-type]
            if maker is not None:
                self.makers[name] = maker

    def _try(self, node: cst.Try | cst.TryStar) -> None:
        before = dict(self.bindings)
        self.block(suite(node.body))
        after_body = dict(self.bindings)
        ends = [after_body]
        for handler in node.handlers:
            self.bindings = _merge(before, after_body)
            if handler.name is not None:
                self.unbind_target(handler.name.name)
            self.block(suite(handler.body))
            ends.append(self.bindings)
        self.bindings = _merge(*ends)
        if node.orelse is not None:
            self.block(suite(node.orelse.body))
        if node.finalbody is not None:
            self.block(suite(node.finalbody.body))

    def _match(self, node: cst.Match) -> None:
        flows = self.value(node.subject)
        if any(isinstance(case.pattern, (cst.MatchSequence, cst.MatchList, cst.MatchTuple)) for case in node.cases):
            self.consume(flows, Reason("is matched against a sequence pattern by position"))
        before = dict(self.bindings)
        ends = [before]
        for case in node.cases:
            self.bindings = dict(before)
            self.block(suite(case.body))
            ends.append(self.bindings)
        self.bindings = _merge(*ends)

    # -- loops ------------------------------------------------------------------------------------------
    def _for(self, node: cst.For) -> None:
        flows = self.value(node.iter)
        body = suite(node.body)
        self.unbind_target(node.target)
        items = {name.value for name in _names_in(node.target)}
        if items and not any(name.value in items for statement in body for name in descendants(statement, cst.Name)):
            flows = ()  # `for _ in loader: pass`: a body that never reads the item runs alike in any order
        self._bind_elements(node.target, flows)
        # Iterating a table gives its columns (pandas labels, polars Series), not its rows.
        flows = tuple(flow for flow in flows if not flow.nested and flow.shape is not Shape.TABLE)
        marked = [flow for flow in flows if flow.mark]
        if marked:
            if any(flow.sticky for flow in marked) and _index_only_checked(node.target, body):
                flows = tuple(replace(flow, mark="", sticky=False) if flow.sticky else flow for flow in flows)
            else:
                self.consume(marked, Reason(""))
                flows = tuple(flow for flow in flows if not flow.mark)
        judged = list(flows)
        walks = [flow for flow in flows if flow.source.kind == "walk" and flow.role == Role.VALUE]
        target = node.target
        if walks and isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) >= 3:
            dirs, files = target.elements[1].value, target.elements[2].value
            self._bind_walk_lists(walks, dirs, files)
            for flow in walks:
                fixed = isinstance(dirs, cst.Name) and _sorts_in_place(body, dirs.value) and not flow.source.bottom_up
                if fixed or _first_iteration_only(body):
                    judged.remove(flow)  # the visiting order is fixed, or only the top directory is read
        walk_only = all(_is_walk_value(flow) for flow in judged)
        effects = LoopScan(self, node.target, walk_only).scan(body) if judged else None
        self.block(body)
        self._replaced_every_value(node)
        if effects is not None:
            if effects.ordered:
                what, where = effects.ordered[0]
                reason = Reason(f"is iterated by a loop that {what}", returns=what == YIELDED_EACH)
                self.consume(judged, reason, at=where)
            else:
                for name, shape in effects.sinks.items():
                    self._drop_entries(name)
                    via = f"`{name}`, filled in that order,"
                    if shape is Shape.GROUPS:
                        self.add_to(name, tuple(replace(flow, nested=1) for flow in judged), shape, via=via)
                        if name in self.fixed_keys:
                            continue
                        shape = Shape.MAP  # keys first seen in loop order
                    self.add_to(name, tuple(judged), shape, via=via)
                if effects.unknown:
                    what, where = effects.unknown[0]
                    reason = f"is iterated by a loop that {what} for each item, which may depend on the order"
                    self.consume(judged, Reason(reason), Confidence.LOW, at=where)
                if effects.first:
                    what, where = effects.first[0]
                    self.consume(judged, Reason(f"is iterated by a loop that {what}"), Confidence.LOW, at=where)
        if node.orelse is not None:
            self.block(suite(node.orelse.body))

    def _replaced_every_value(self, node: cst.For) -> None:
        """`for key in groups: groups[key] = sorted(groups[key])`: a loop over a dict's keys that stores
        a value in no arbitrary order under each key leaves none of the order its values had."""
        groups, key = node.iter, node.target
        if not (isinstance(groups, cst.Name) and groups.value in self.dicts and isinstance(key, cst.Name)):
            return
        entry = f"{groups.value}[{key.value}]"
        if _stores_every_pass(suite(node.body), groups.value, key.value) and self.bindings.get(entry, None) == ():
            kept = tuple(flow for flow in self.bindings.get(groups.value, ()) if flow.shape is not Shape.GROUPS)
            self.bindings[groups.value] = kept
            if not kept:
                del self.bindings[groups.value]

    def _bind_elements(self, target: cst.BaseExpression, flows: Flows) -> None:
        """A loop variable holding what each element holds: `for files in (train, val)` an ordered list,
        `for label, files in groups.items()` (the pairs of a GROUPS dict) the value of each pair."""
        inner = unnested(tuple(flow for flow in flows if flow.nested and flow.shape is not Shape.GROUPS))
        if inner and isinstance(target, cst.Name):
            self.bind(target.value, inner)
        pairs = [flow for flow in flows if flow.shape is Shape.GROUPS and flow.nested == 2]
        if pairs and isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
            value = target.elements[1].value
            if isinstance(value, cst.Name):
                self.bind(value.value, tuple(entry_of(entry_of(flow)) for flow in pairs))

    # -- expressions ------------------------------------------------------------------------------------
    def value(self, node: cst.CSTNode) -> Flows:
        handler = getattr(self, f"_v_{type(node).__name__}", None)
        if handler is not None:
            return handler(node)
        self._descend(node)
        return ()

    def _descend(self, node: cst.CSTNode) -> None:
        """Walk the sub-expressions of a node that does not pass order on (their flows are dropped)."""
        if isinstance(node, cst.Arg):
            self.value(node.value)
            return
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.value(child)
            elif isinstance(child, (cst.BaseStatement, cst.BaseSuite)):
                continue
            else:
                self._descend(child)

    def _quietly(self, node: cst.CSTNode) -> None:
        self.quiet += 1
        try:
            self._descend(node)
        finally:
            self.quiet -= 1

    def _v_Name(self, node: cst.Name) -> Flows:
        self.reads.add(node.value)
        return self.bindings.get(node.value, ())

    def _v_Attribute(self, node: cst.Attribute) -> Flows:
        base = self.value(node.value)
        if node.attr.value in self.index.table_row_attributes:
            rows = tuple(flow for flow in base if flow.shape is Shape.TABLE)
            if rows:
                return rows  # frame.values, frame.iloc: the rows in the table's order
        key = dotted_name(node)
        return self.bindings.get(key, ()) if key else ()

    def _v_Subscript(self, node: cst.Subscript) -> Flows:
        flows = self.value(node.value)
        for element in node.slice:
            self._descend(element)
        if dotted_name(node.value) in self.singletons:
            return ()  # the only item
        entry = self._entry(node)
        if entry is not None and entry in self.bindings:
            return self.bindings[entry]  # what was last stored under this key
        kept: list[Flow] = []
        for flow in flows:
            if flow.shape is Shape.GROUPS:
                kept.append(entry_of(flow))  # a value, in the order it was filled
                continue
            if flow.nested:
                kept.append(unnested((flow,))[0])  # an element of the container
                continue
            if flow.mark:
                self.consume((flow,), Reason(""))
                continue
            if flow.shape is Shape.MAP:
                continue  # a lookup by key
            if flow.role == Role.WALK_ENTRY:
                position = _literal_index(node)
                if position in (1, 2):
                    role = Role.DIRS if position == 1 else Role.FILES
                    kept.append(replace(flow, role=role, shape=Shape.SEQ))
                continue
            if flow.shape is Shape.TABLE and _selects_columns(node):
                kept.append(flow)  # frame[["a", "b"]], frame.loc[:, "a"]: columns, every row in its order
                continue
            if _is_full_slice(node) or isinstance(_literal_index(node), str) or _is_mask(node) or _every_row(node):
                # all of it, a column by name (`frame["label"]`) or the items a mask keeps
                # (`names[names != "README.md"]`), still in that order
                kept.append(flow)
            elif any(isinstance(element.slice, cst.Slice) for element in node.slice):
                reason = Reason(f"is sliced by position (`{self.code(node)}`), so an arbitrary part is kept")
                self.consume((flow,), reason, at=node)
            else:
                # list(s)[0] on a set is mostly the idiom for its only element, glob(...)[0] for the one
                # file of its kind (as next() is), and a literal position (`roses[0]`) for one example to
                # show or open: guesses, measured on public code as almost never hazards. A position from
                # the end (`checkpoints[-1]`, "the latest") is a choice made by the order.
                index = _literal_index(node)
                single = flow.source.kind == "set" and index in (0, -1)
                literal = isinstance(index, int) and not isinstance(index, bool) and index >= 0
                reason = Reason(f"is indexed by position (`{self.code(node)}`), so an arbitrary item is picked")
                self.consume((flow,), reason, Confidence.LOW if single or literal else None, at=node)
        return tuple(kept)

    def _v_BinaryOperation(self, node: cst.BinaryOperation) -> Flows:
        operator = type(node.operator).__name__
        if operator == "Modulo" and isinstance(
            node.left, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
        ):
            self._quietly(node)  # "%s" % (...): a message
            return ()
        left, right = self.value(node.left), self.value(node.right)
        if operator in _SET_OPERATORS and any(flow.shape is Shape.SET for flow in left + right):
            source = self.rule.order_set_result(self, node, (left, right), _SET_OPERATORS[operator])
            return (Flow(source, Shape.SET),) if source else ()
        if operator in ("Add", "Multiply"):
            both = left + right
            return _unique(tuple(reshaped(flow, Shape.SEQ) if flow.shape is Shape.SET else flow for flow in both))
        if operator in _ELEMENTWISE_OPERATORS:
            # `boxes[:, 2:] - boxes[:, :2]`, `images / 255`: arrays computed element by element, row by row
            return _unique(tuple(flow for flow in left + right if flow.shape in (Shape.SEQ, Shape.TABLE) and not flow.nested))
        return ()

    def _v_BooleanOperation(self, node: cst.BooleanOperation) -> Flows:
        return _unique(self.value(node.left) + self.value(node.right))

    def _v_IfExp(self, node: cst.IfExp) -> Flows:
        self.truth(node.test)
        return _unique(self.value(node.body) + self.value(node.orelse))

    def truth(self, node: cst.BaseExpression) -> None:
        """An expression used only for its truth value: `next(it, None)` there tests for emptiness."""
        if isinstance(node, cst.BooleanOperation):
            self.truth(node.left)
            self.truth(node.right)
        elif isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            self.truth(node.expression)
        elif _is_next_with_default(self, node):
            self._descend(node)
        else:
            self.drop(self.value(node))

    def _v_Comparison(self, node: cst.Comparison) -> Flows:
        # membership, emptiness and equality with what is not a sequence written out: no order involved
        # (`next(it, None) is None` tests emptiness)
        parts = [node.left, *(target.comparator for target in node.comparisons)]
        values: list[Flows] = []
        for part in parts:
            if _is_next_with_default(self, part):
                self._descend(part)
                values.append(())
            else:
                values.append(self.value(part))
        for position, target in enumerate(node.comparisons):
            left, right = parts[position], parts[position + 1]
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)):
                self._compare(node, left, values[position], right, values[position + 1], "`==`")
        for flows in values:
            self.drop(flows)
        return ()

    def _v_UnaryOperation(self, node: cst.UnaryOperation) -> Flows:
        self.truth(node.expression)
        return ()

    def _v_Await(self, node: cst.Await) -> Flows:
        return self.value(node.expression)

    def _v_StarredElement(self, node: cst.StarredElement) -> Flows:
        return self.value(node.value)

    def _v_NamedExpr(self, node: cst.NamedExpr) -> Flows:
        flows = self.value(node.value)
        if isinstance(node.target, cst.Name):
            self.bind(node.target.value, flows)
        return flows

    def _v_List(self, node: cst.List | cst.Tuple) -> Flows:
        carried: list[Flow] = []
        for item in node.elements:
            flows = self.value(item.value)
            if isinstance(item, cst.StarredElement):
                flows = tuple(reshaped(flow, Shape.SEQ) if flow.shape is Shape.SET else flow for flow in flows)
            else:
                flows = as_element(flows)
            carried.extend(flows)
        return _unique(tuple(carried))

    _v_Tuple = _v_List

    def _v_Set(self, node: cst.Set) -> Flows:
        for element in node.elements:
            self.value(element.value)
        source = self.rule.order_display_source(self, node)
        return (Flow(source, Shape.SET),) if source else ()

    def _v_Dict(self, node: cst.Dict) -> Flows:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self.value(element.key)
                self.consume(self.value(element.value), Reason("is stored in a dict", escape=True))
            else:
                self.value(element.value)
        return ()

    def _v_Lambda(self, node: cst.Lambda) -> Flows:
        saved = dict(self.bindings)
        for param in node.params.params:
            self.unbind(param.name.value)
        self.value(node.body)
        self.bindings = saved
        return ()

    def _v_FormattedString(self, node: cst.FormattedString) -> Flows:
        self._quietly(node)
        return ()

    def _v_Yield(self, node: cst.Yield) -> Flows:
        value = node.value
        if isinstance(value, cst.From):
            self.consume(self.value(value.item), Reason("is yielded item by item to the caller", returns=True), at=node)
        elif value is not None:
            self.consume(self.value(value), YIELDED, at=node)
        return ()

    # comprehensions ----------------------------------------------------------------------------------
    def _comprehension(self, node: cst.BaseComp) -> tuple[Flows, Flows]:
        """(flows of what is iterated, flows of the produced elements); comprehension variables are
        bound only inside."""
        saved = dict(self.bindings)
        iterated: list[Flow] = []
        generator: cst.CompFor | None = node.for_in
        while generator is not None:
            flows = self.value(generator.iter)
            self.unbind_target(generator.target)
            target = generator.target
            self._bind_elements(target, flows)
            self.consume([flow for flow in flows if flow.mark and not flow.nested], Reason(""))
            flows = tuple(flow for flow in flows if not flow.nested and not flow.mark)
            walks = [flow for flow in flows if flow.source.kind == "walk" and flow.role == Role.VALUE]
            if walks and isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) >= 3:
                self._bind_walk_lists(walks, target.elements[1].value, target.elements[2].value)
            targets = {name.value for name in _names_in(target)}
            if any(_matches_item(condition.test, targets) for condition in generator.ifs):
                flows = ()  # [f for f in os.listdir(d) if f == name]: at most one item
            iterated.extend(flows)
            for condition in generator.ifs:
                self.value(condition.test)
            generator = generator.inner_for_in
        if isinstance(node, cst.DictComp):
            self.value(node.key)
            # {k: v for k, v in groups.items() if v}: the values keep their order in the new dict
            produced, rest = as_values(self.value(node.value))
            self.consume(rest, Reason("is stored in a dict", escape=True))
        else:
            produced = as_element(self.value(node.elt))
        self.bindings = saved
        return _unique(tuple(iterated)), produced

    def _v_ListComp(self, node: cst.ListComp | cst.GeneratorExp) -> Flows:
        iterated, produced = self._comprehension(node)
        return _unique(tuple(reshaped(flow, Shape.SEQ) for flow in iterated) + produced)

    _v_GeneratorExp = _v_ListComp

    def _v_DictComp(self, node: cst.DictComp) -> Flows:
        iterated, values = self._comprehension(node)
        return _unique(tuple(reshaped(flow, Shape.MAP) for flow in iterated) + values)

    def _v_SetComp(self, node: cst.SetComp) -> Flows:
        self._comprehension(node)
        source = self.rule.order_display_source(self, node)
        return (Flow(source, Shape.SET),) if source else ()

    # calls -------------------------------------------------------------------------------------------
    def _v_Call(self, node: cst.Call) -> Flows:
        source = self.rule.order_call_source(self, node)
        if source is not None:
            self._descend(node)
            return (Flow(source, Shape.SET if source.kind == "set" else Shape.SEQ),)
        func = node.func
        if _records_metrics(node):
            # run.log({"acc": evaluate(files[:100])}): what is computed for the record is walked as usual;
            # the record itself is for people
            for arg in node.args:
                if isinstance(arg.value, cst.Dict):
                    for element in arg.value.elements:
                        if isinstance(element, cst.DictElement):
                            self.value(element.key)
                        self.drop(self.value(element.value))
                else:
                    self.drop(self.value(arg.value))
            return ()
        if isinstance(func, cst.Attribute):
            if self.diagnostic(node):
                self._quietly(node)  # LOGGER.info(...), also when LOGGER is imported
                return ()
            receiver = self.value(func.value)
            if isinstance(func.value, cst.Name) and func.value.value in self.dicts:
                entry = self.index.value_methods.get(func.attr.value)
                if not (entry and entry["effect"] == "views") and func.attr.value not in self.index.mappings["lookup_methods"]:
                    self._drop_entries(func.value.value)  # groups.update(...), groups.clear()
            if receiver:
                return self._method_on_value(node, func, receiver)
            qualified = self.callee(func)
            imports = self.context.imports
            if imports.resolve(func) is None:
                # a builtin's method counts when catalogued (`dict.fromkeys`); otherwise it is a method
                exact = qualified in self.index.consumer_callables
            else:
                exact = not imports.resolved_through_star(func)
            if qualified is None or not exact or imports.resolve(func.value) in self.index.method_receivers:
                return self._method_on_other(node, func)  # also `os.pathsep.join(...)`: a string's method
            return self._function(node, qualified)
        if isinstance(func, cst.Name):
            self.reads.add(func.value)
            return self._function(node, self.callee(func))
        self.value(func)
        return self._function(node, None)

    def _args(self, node: cst.Call, *, order_free: bool = False, only: frozenset[str] = frozenset()) -> list[tuple[cst.Arg, Flows]]:
        """Each argument with its flows. A callee that ignores the order of its arguments (`order_free`;
        with `only`, of those keyword arguments) ignores it in the dicts written into the call too
        (`setup(package_data={"pkg": files})`)."""

        def free(arg: cst.Arg) -> bool:
            return order_free and (not only or (arg.keyword is not None and arg.keyword.value in only))

        return [
            (arg, self._entries(arg.value) if free(arg) and isinstance(arg.value, cst.Dict) else self.value(arg.value))
            for arg in node.args
        ]

    def _entries(self, node: cst.Dict) -> Flows:
        """The flows of a dict display's keys and values, none of them used."""
        flows: list[Flow] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                flows.extend(self.value(element.key))
            flows.extend(self.value(element.value))
        return tuple(flows)

    def _function(self, node: cst.Call, qualified: str | None) -> Flows:
        entry = self.index.consumer_callables.get(qualified) if qualified else None
        effect = entry["effect"] if entry else None
        if effect == "diagnostic":
            self._quietly(node)
            return ()
        only = frozenset(entry.get("keywords", ())) if entry else frozenset()
        args = self._args(node, order_free=effect in ("sorts", "ignores-order"), only=only)
        if effect is not None and effect != "keeps-order-as-mapping":
            args = [(arg, as_keys(flows)) for arg, flows in args]  # `list(groups)`: the keys
        assertion = self.index.assertion_callables.get(qualified) if qualified else None
        if assertion is not None:
            return self._assertion(node, assertion["effect"], args)
        if effect in ("sorts", "ignores-order"):
            chosen = [(arg, flows) for arg, flows in args if not only or (arg.keyword and arg.keyword.value in only)]
            self.drop(flow for _, flows in chosen for flow in flows)
            others = [(arg, flows) for arg, flows in args if all(arg is not other for other, _ in chosen)]
            passed = self._pass_on(node, others, f"{self.code(node.func, 30)}(...)") if others else ()
            if effect == "sorts":
                # `sorted(groups.items())`: the pairs are sorted, each value keeps the order it was filled in
                return _unique(passed + tuple(flow for _, flows in chosen for flow in flows if flow.nested))
            return passed
        if effect == "builds-table":
            chosen = _chosen(args, entry.get("arguments", "first"))
            return _unique(tuple(replace(flow, shape=Shape.TABLE, nested=0) for _, flows in chosen for flow in flows))
        if effect in ("preserves-order", "keeps-order-as-mapping"):
            if effect == "keeps-order-as-mapping":  # dict(files=listing): a value stored under a key
                stored = tuple(flow for arg, flows in args if arg.keyword for flow in flows)
                self.consume(stored, Reason("is stored in a dict", escape=True))
            chosen = _chosen(args, entry.get("arguments", "first"))
            shape = Shape.MAP if effect == "keeps-order-as-mapping" else Shape.SEQ
            if entry.get("joins"):
                return _unique(tuple(replace(flow, shape=shape) for _, flows in chosen for flow in unnested(flows)))
            if entry.get("same_type"):
                return _unique(tuple(flow for _, flows in chosen for flow in flows))
            return _unique(tuple(reshaped(flow, shape) for _, flows in chosen for flow in flows))
        callee = self.code(node.func, 30) if effect or any(flows for _, flows in args) else ""
        if effect == "loads-in-order":
            chosen = _chosen(args, entry.get("arguments", "first"), entry.get("keyword"))
            rest = tuple(flow for arg, flows in args if all(arg is not other for other, _ in chosen) for flow in flows)
            self.consume(rest, Reason(f"is passed to `{callee}`", escape=True, passed=True), at=node)
            loaded = tuple(flow for _, flows in chosen for flow in flows)
            return _carrying(loaded, entry["reason"].format(callee=callee), node)
        if effect == "uses-order":
            chosen = _chosen(args, entry.get("arguments", "first"))
            flows = tuple(flow for _, flows in chosen for flow in flows)
            if qualified == "next":
                entries = tuple(replace(flow, role=Role.WALK_ENTRY) for flow in flows if _is_walk_value(flow))
                flows = tuple(flow for flow in flows if not _is_walk_value(flow))
                self._use_first(node, flows, entry["reason"].format(callee=f"{callee}()"), the_only_item=True)
                return entries
            if qualified == "itertools.islice":
                self._use_first(node, flows, entry["reason"].format(callee=callee))
                return ()
            if qualified == "enumerate":
                # judged where the numbered pairs are used: a loop that only deletes by index is fine
                mark = entry["reason"].format(callee=callee)
                numbered = (
                    replace(flow, mark=flow.mark or mark, sticky=True, nested=0, mark_at=flow.mark_at or node)
                    for flow in flows
                )
                return _unique(tuple(numbered))
            if entry.get("aligns_one_source") and _one_source(chosen):
                # zip(files, labels) of lists filled item by item from one listing: pairs stay matched
                return _unique(tuple(reshaped(flow, Shape.SEQ) for flow in flows if not flow.nested))
            cap = Confidence(entry["confidence"]) if entry.get("confidence") else None
            reason = entry["reason"].format(callee=callee)
            if entry.get("draws") and not _seeds_anything(self.rule, self.context.module):
                cap = Confidence.LOW  # random until something seeds it: DET101's finding, not an order one
            self.consume(flows, Reason(reason), cap, at=node)
            shuffled = dotted_name(chosen[0][0].value) if entry.get("in_place") and chosen else None
            if shuffled:
                self.bind(shuffled, ())  # from here on its order is the shuffle's
            return ()
        return self._pass_on(node, args, f"{callee}(...)")

    def _assertion(self, node: cst.Call, effect: str, args: list[tuple[cst.Arg, Flows]]) -> Flows:
        """A test assertion: an ordered comparison of the first two arguments depends on the order of a
        sequence among them (see `_compare`); any other assertion ignores it."""
        compared = [(arg.value, flows) for arg, flows in args if not arg.keyword and not arg.star][:2]
        if effect == "compares-order" and len(compared) == 2:
            self._compare(node, *compared[0], *compared[1], f"`{self.code(node.func, 30)}`")
        self.drop(flow for _, flows in args for flow in flows)
        return ()

    def _compare(
        self, node: cst.CSTNode, left: cst.BaseExpression, left_flows: Flows,
        right: cst.BaseExpression, right_flows: Flows, by: str,
    ) -> None:  # fmt: skip
        """`left` and `right` compared item by item: the order of a sequence on one side decides the verdict
        when the other side is a sequence written out with two items or more. (Against anything else the
        order is unknown: `assertEqual(names, os.listdir(d))` compares two listings of one directory.)"""
        for flows, other in ((left_flows, right), (right_flows, left)):
            ordered = tuple(flow for flow in flows if flow.shape is Shape.SEQ and not flow.nested)
            if ordered and _written_out_sequence(other):
                self.consume(ordered, Reason(f"is compared item by item with {by}", compares=True), at=node)

    def _use_first(self, node: cst.Call, flows: Flows, reason: str, *, the_only_item: bool = False) -> None:
        """`next(...)` of a set or a listing is mostly the idiom for its only item (the one element, the
        one file a pattern names in an exported model's directory): a guess that makes no finding, unlike
        `islice`'s first n."""
        for flow in flows:
            if flow.nested:
                continue
            only = the_only_item or flow.shape is Shape.SET
            self.consume((flow,), Reason(reason), Confidence.LOW if only else None, at=node)

    def _pass_on(self, node: cst.Call, args: list[tuple[cst.Arg, Flows]], callee: str) -> Flows:
        """Arguments of a function that is not catalogued. A function defined in this file is read to see
        what it does with the parameter; anything else is assumed to depend on the order."""
        definition = self._local_definition(node.func)
        returned: list[Flow] = []
        for (index, arg), (_, flows) in zip(_positions([arg for arg, _ in args]), args):
            if not flows or arg.star == "**":
                continue
            if arg.star:
                # f(*names) fills `def f(*args)` with the items in their order
                param = _star_parameter(definition[0], definition[1] + index) if definition and index >= 0 else None
                flows = tuple(reshaped(flow, Shape.SEQ) for flow in flows)
                verb, escape = "is unpacked into the arguments of", False
            else:
                param = _parameter(definition[0], definition[1] + index, arg) if definition and index >= 0 else None
                verb, escape = "is passed to", True
            summary = self._summary(definition[0], param, flows) if definition and param else None
            if summary is None:
                self.consume(flows, Reason(f"{verb} `{callee}`", escape=escape, passed=True), at=node)
                continue
            uses, returns = summary
            constructor = definition[0].name.value == "__init__"
            for use in uses:
                subject = use.via or f"`{param}`"
                # what a callee of the callee does with it is a guess twice removed
                cap = Confidence.weakest(use.confidence, Confidence.MEDIUM if use.escape else None)
                reason = Reason(f"{verb} `{callee}`, where {subject} {use.reason}", compares=use.compares)
                if constructor and not _inside(self.rule, definition[0], use.at):
                    # kept by the object and used by its other methods: used where the object is read
                    returned.extend(_carrying(flows, reason.text, use.at or node, cap))
                    continue
                self.consume(flows, reason, cap, at=use.at or node)
            for flow in flows:
                # in the form the function hands it back: `list(s)` a list, `d` the dict, `[root, files]`
                # a list holding it
                for shape, nested in returns.get((flow.shape, flow.nested), ()):
                    returned.append(replace(flow, shape=shape, nested=nested))
        returned.extend(self._returned_by(node, definition))
        return _unique(tuple(returned))

    def _returned_by(self, node: cst.Call, definition: tuple[cst.FunctionDef, int] | None) -> Flows:
        """The order that a function of this file returns from listings (or sets) made inside it, judged
        here, where its caller uses the value: fresh copies of those sources, so that each caller's
        uses are its own (the function's own walk leaves them to its callers)."""
        candidates = [definition[0]] if definition else []
        candidates += [found for found in self._overrides_called(node.func) if found not in candidates]
        summaries = [summary for summary in map(self._return_summary, candidates) if summary]
        if not summaries:
            return ()
        whole = _unique(tuple(flow for flows, _ in summaries for flow in flows))
        items: dict[int, tuple[Flows, ...]] = {}
        for _, by_width in summaries:
            for width, flows in by_width.items():
                earlier = items.get(width, ((),) * width)
                items[width] = tuple(_unique(old + new) for old, new in zip(earlier, flows))
        copies: dict[int, Source] = {}
        label = f"what `{self.code(node.func, 30)}(...)` returns"

        def copied(flows: Flows) -> Flows:
            out = []
            for flow in flows:
                source = copies.get(id(flow.source))
                if source is None:
                    source = copies[id(flow.source)] = replace(flow.source, uses=[])
                    self.sources.append(source)
                out.append(replace(flow, source=source, via=label))
            return tuple(out)

        if items:
            self.returned_items[id(node)] = {width: tuple(map(copied, flows)) for width, flows in items.items()}
        return copied(whole)

    def _overrides_called(self, func: cst.BaseExpression) -> list[cst.FunctionDef]:
        """What `self.<name>(...)` may also run: the overrides in the file's subclasses of the class walked."""
        stack = self.context.scope_stack
        receiver = func.value if isinstance(func, cst.Attribute) else None
        if not (isinstance(receiver, cst.Name) and receiver.value in ("self", "cls") and len(stack) >= 2):
            return []
        return _overrides(self.rule, self.context.module, stack[0], func.attr.value)

    def _return_summary(self, definition: cst.FunctionDef) -> tuple[Flows, dict[int, tuple[Flows, ...]]] | None:
        """The flows of arbitrary order made inside `definition` that its return value carries: as a
        whole, and item by item for the tuples its `return` statements hand back (by tuple length). A
        generator carries what it yields: the items of `yield from` and of a loop yielding each item,
        a whole value `yield files` as one item. None when it returns no such order or cannot be read."""
        memo: dict = self.rule.__dict__.setdefault("_order_returns", {})
        key = (id(definition), self.depth)  # deeper down, fewer calls are followed
        if key in memo:
            return memo[key]
        if self.depth >= _CALLS_FOLLOWED:
            return None
        memo[key] = None  # a recursive call returns no known order
        walker = ScopeWalker(self.rule, "function", self.depth + 1)
        nested = _nested_definition(self.rule, self.function, definition.name.value) is definition
        walker.scope = (
            f"{self.scope}.{definition.name.value}"
            if nested
            else _definition_scope(self.rule, self.context.module, definition)
        )
        walker.function = definition
        walker.parameters(definition)
        walker.block(suite(definition.body))
        tuples = walker.returned_tuples
        whole = [flow for flows in walker.returned_values for flow in flows]
        whole.extend(flow for items in tuples for flows in items for flow in as_element(flows))
        for source in walker.sources:
            for use in source.uses:
                if use.returns and use.reason != RETURNED.text:
                    nested = use.nested + int(use.reason == YIELDED.text)  # `yield files`: each item a list
                    shape = use.shape if use.shape is Shape.GROUPS else Shape.SEQ  # a set comes back as a list
                    whole.append(Flow(source, shape, role=use.role, nested=nested))
        widths = {len(value) for value in tuples}
        items = {
            width: tuple(
                _unique(tuple(flow for value in tuples if len(value) == width for flow in value[i]))
                for i in range(width)
            )
            for width in widths
        }
        if whole:
            memo[key] = (_unique(tuple(whole)), items)
        return memo[key]

    def _local_definition(self, func: cst.BaseExpression) -> tuple[cst.FunctionDef, int] | None:
        """A module-level function, a method of the enclosing module-level class (or one it inherits
        from a class of the file) called on `self`/`cls`, or the `__call__` of an object of a class of the
        file called where it is made, with the number of leading parameters the call does not pass."""
        functions, classes = _definitions(self.rule, self.context.module)
        if isinstance(func, cst.Name):
            imported = func.value in self.context.imports.bindings and func.value not in _redefined(self.rule, self.context.module)
            if imported or func.value in self.bindings:
                return None
            definition = functions.get(func.value) or _nested_definition(self.rule, self.function, func.value)
            if definition is None and func.value in classes:
                definition = classes[func.value].get("__init__")  # MyDataset(files): what its constructor does
                return (definition, 1) if definition is not None else None
            return (definition, 0) if definition is not None else None
        if isinstance(func, cst.Call) and isinstance(func.func, cst.Name) and func.func.value in classes:
            # Augment(...)(files): what the object made here does when called
            if func.func.value in self.bindings or func.func.value in self.context.imports.bindings:
                return None
            definition = _method_in_hierarchy(self.rule, self.context.module, func.func.value, "__call__")
            return (definition, 1) if definition is not None else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = func.value.value
            if owner in ("self", "cls"):
                stack = self.context.scope_stack
                definition = (
                    _method_in_hierarchy(self.rule, self.context.module, stack[0], func.attr.value)
                    if len(stack) >= 2
                    else None
                )
            elif owner in classes and owner not in self.bindings:
                # ClassName.method(...): only static and class methods skip nothing
                definition = classes[owner].get(func.attr.value)
            else:
                return None
            if definition is None:
                return None
            decorators = {dotted_name(decorator.decorator) for decorator in definition.decorators}
            if "staticmethod" in decorators:
                return definition, 0
            if owner not in ("self", "cls") and "classmethod" not in decorators:
                return None  # an unbound method called with an explicit instance
            return definition, 1
        return None

    def _summary(self, definition: cst.FunctionDef, param: str, flows: Flows) -> tuple[tuple[Use, ...], Forms] | None:
        """What `definition` does with the order of `param`: its order-sensitive uses, and the forms in
        which the return value hands each (shape, nesting) of it back (`return list(d)`: a dict's keys as
        a list; `return [module, edges]`: a list as an element). None when it cannot be told."""
        memo: dict = self.rule.__dict__.setdefault("_order_summaries", {})
        # a dict filled in loop order brings its keys' order and its values' (MAP and GROUPS flows)
        shapes = tuple(dict.fromkeys((flow.shape, flow.nested) for flow in flows))
        kind = "walk" if any(_is_walk_value(flow) for flow in flows) else flows[0].source.kind
        key = (id(definition), param, shapes, kind, self.depth)  # deeper down, fewer calls are followed
        if key in memo:
            return memo[key]
        if self.depth >= _CALLS_FOLLOWED:
            return None
        memo[key] = None  # recursion falls back to "depends on the order"
        walker = ScopeWalker(self.rule, "function", self.depth + 1)
        walker.function = definition
        # one probe per form, to tell which of them comes back in which form
        probes = {form: Source(definition, None, "", Confidence.HIGH, kind=kind) for form in shapes}
        walker.bindings[param] = tuple(
            Flow(probe, shape, via=f"`{param}`", nested=nested) for (shape, nested), probe in probes.items()
        )
        walker.block(suite(definition.body))
        if "." in param:
            walker.bindings.pop(param, None)  # an attribute read and left as it was is no new use
        walker._kept_attributes()
        uses = tuple(use for probe in probes.values() for use in probe.uses if use.reason != RETURNED.text)
        returned = [flow for flows in walker.returned_values for flow in flows]
        returned += [flow for items in walker.returned_tuples for flows in items for flow in as_element(flows)]
        forms = {
            form: tuple(dict.fromkeys((flow.shape, flow.nested) for flow in returned if flow.source is probe))
            for form, probe in probes.items()
        }
        memo[key] = (uses, {form: back for form, back in forms.items() if back})
        return memo[key]

    def _method_on_table(self, node: cst.Call, func: cst.Attribute, receiver: Flows) -> Flows:
        """A method of a table whose rows came in an arbitrary order: one not catalogued returns a table
        with the rows in the same order (`with_columns`, `filter`, `merge`)."""
        method = func.attr.value
        entry = self.index.table_methods.get(method)
        effect = entry["effect"] if entry else None
        self._args(node)
        if effect == "sorts":
            key = dotted_name(func.value)
            inplace = argument(node, "inplace")
            if key and inplace is not None and literal_value(inplace.value) is True:
                self.bind(key, ())  # frame.sort_values(..., inplace=True)
            return ()
        if effect == "ignores-order":
            return ()
        if effect == "rows":
            return tuple(replace(flow, shape=Shape.SEQ) for flow in receiver)
        if effect == "uses-order":
            self.consume(receiver, Reason(entry["reason"].format(method=method)), at=node)
            return ()
        return receiver

    def _method_on_value(self, node: cst.Call, func: cst.Attribute, receiver: Flows) -> Flows:
        method = func.attr.value
        if any(flow.shape is Shape.TABLE for flow in receiver):
            return self._method_on_table(node, func, receiver)
        entry = self.index.value_methods.get(method)
        effect = entry["effect"] if entry else None
        base = func.value
        key = dotted_name(base)
        groups = tuple(flow for flow in receiver if flow.shape is Shape.GROUPS)
        if groups and method in self.index.mappings["lookup_methods"]:
            self._args(node)
            return tuple(entry_of(flow) for flow in groups if flow.nested == 1)  # groups.get(label, [])
        if effect == "collects":
            flows = tuple(flow for _, flows in self._args(node) for flow in flows)
            if key:
                self.add_to(key, flows if method.startswith("extend") else as_element(flows))
            return ()
        if effect == "ignores-order" and method in self.index.sets["insert_methods"]:
            if any(flow.shape is Shape.SET for flow in receiver) and node.args:
                self.rule.order_set_insert(self, receiver, node.args[0].value, method != "add")
        args = self._args(node)
        if effect == "sorts":
            if key:
                self.bind(key, ())
            elif isinstance(base, cst.Subscript) and (entry_key := self._entry(base)) is not None:
                self.bindings[entry_key] = ()  # groups[key].sort()
            return ()
        if effect == "preserves-order":
            return receiver
        if effect == "views":
            holds = entry["holds"]
            keys = tuple(replace(flow, shape=Shape.SEQ) for flow in receiver if flow.shape is Shape.MAP)
            if holds == "values":
                return keys + tuple(replace(flow, shape=Shape.SEQ) for flow in groups)  # a list of ordered lists
            if holds == "pairs":
                return keys + tuple(replace(flow, nested=flow.nested + 1) for flow in groups)
            return keys
        if effect == "set-algebra":
            source = self.rule.order_set_result(self, node, (receiver, *(flows for _, flows in args)), method)
            return (Flow(source, Shape.SET),) if source else ()
        if effect == "uses-order":
            reason = Reason(entry["reason"].format(method=method))
            for flow in receiver:
                if flow.shape is Shape.MAP and method == "pop":
                    continue  # d.pop(key)
                self.consume((flow,), reason, Confidence.LOW if flow.shape is Shape.SET else None, at=node)
        return ()

    def _method_on_other(self, node: cst.Call, func: cst.Attribute) -> Flows:
        method = func.attr.value
        base = func.value
        consumer = self.index.consumer_methods.get(method)
        args = self._args(node)
        assertion = self.index.assertion_methods.get(method)
        if assertion is not None:
            return self._assertion(node, assertion["effect"], args)
        flows = tuple(flow for _, flows in args for flow in flows)
        if consumer is not None and consumer["effect"] == "ignores-order":
            self.drop(flows)
            return ()
        made_by = self.makers.get(dotted_name(base) or "")
        if consumer is not None and consumer["effect"] == "preserves-order" and made_by in consumer.get("made_by", ()):
            chosen = _chosen(args, consumer.get("arguments", "first"))  # pool.imap(f, files): results in order
            others = [(arg, flows) for arg, flows in args if all(arg is not other for other, _ in chosen)]
            self.consume(
                (flow for _, flows in others for flow in flows),
                Reason(f"is passed to `{self.code(base, 25)}.{method}(...)`", escape=True, passed=True),
                at=node,
            )
            return _unique(tuple(reshaped(flow, Shape.SEQ) for _, flows in chosen for flow in flows))
        if consumer is not None and consumer["effect"] == "uses-order":
            # sep.join(...): judged where the text goes (an error message is fine)
            mark = consumer["reason"]
            joined = (flow for flow in flows if not flow.nested)  # joining a container's items, not a set's
            joined_flows = (
                replace(flow, mark=flow.mark or mark, shape=Shape.SEQ, mark_at=flow.mark_at or node) for flow in joined
            )
            return _unique(tuple(joined_flows))
        entry = self.index.value_methods.get(method)
        effect = entry["effect"] if entry else None
        if effect == "collects":
            if method.startswith("extend"):
                flows = tuple(reshaped(flow, Shape.SEQ) for flow in flows)
            else:
                flows = as_element(flows)
            if dotted_name(base):
                self.add_to(dotted_name(base), flows)
            else:
                self.consume(flows, Reason(f"is added to `{self.code(base)}`", escape=True))
            return ()
        if effect == "set-algebra" and any(flow.shape is Shape.SET for flow in flows):
            source = self.rule.order_set_result(self, node, ((), *(flows for _, flows in args)), method)
            return (Flow(source, Shape.SET),) if source else ()
        if effect in ("ignores-order", "sorts", "set-algebra"):
            return ()
        if not flows:
            return self._returned_by(node, self._local_definition(func))
        return self._pass_on(node, args, f"{self.code(base, 25)}.{method}(...)")


# -- helpers that ask the walker ------------------------------------------------------------------------


def annotation_names(walker: ScopeWalker, node: cst.BaseExpression) -> list[str]:
    """The qualified names of what an annotation declares: `Path`, `Path | None`, `Optional[Path]`,
    `"Path"`, `set[str]` (-> `set`); never the types inside a container (`list[Path]` is a list)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return annotation_names(walker, node.left) + annotation_names(walker, node.right)
    if isinstance(node, cst.Subscript):
        head = walker.callee(node.value) or ""
        if head.rsplit(".", 1)[-1] in ("Optional", "Union"):
            return [
                name
                for element in node.slice
                if isinstance(element.slice, cst.Index)
                for name in annotation_names(walker, element.slice.value)
            ]
        return [head] if head else []
    if isinstance(node, cst.SimpleString):
        text = node.evaluated_value if isinstance(node.evaluated_value, str) else ""
        try:
            parsed = cst.parse_expression(text)
        except cst.ParserSyntaxError:
            return []
        return annotation_names(walker, parsed)
    if isinstance(node, (cst.Name, cst.Attribute)):
        name = walker.callee(node)
        return [name] if name else []
    return []


def _is_next_with_default(walker: ScopeWalker, node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and walker.callee(node.func) == "next"
        and len(node.args) == 2
        and not any(arg.keyword or arg.star for arg in node.args)
    )
