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
from dataclasses import dataclass, field, replace
from enum import Enum

import libcst as cst

from detlint.analysis.statements import blocks, descendants, parameters
from detlint.checks.base import FixSpec, Report
from detlint.facts.collector import is_main_guard
from detlint.facts.model import is_test_path, is_tooling_path
from detlint.finding import Confidence
from detlint.names import BUILTIN_NAMES, NOT_LITERAL, argument, code_of, dotted_name, literal_value

_LOGGER_WORDS = frozenset({"log", "logging", "logs", "warnings"})
_SET_OPERATORS = {"BitOr": "|", "BitAnd": "&", "Subtract": "-", "BitXor": "^"}
_ELEMENTWISE_OPERATORS = frozenset({"Subtract", "Divide", "FloorDivide", "Power"})


class Shape(Enum):
    SEQ = "sequence"  # a list, tuple, iterator: its order is the source's order
    MAP = "mapping"  # a dict built in the source's order: lookups are fine, iterating it is not
    SET = "set"  # a set: only iterating it (or converting it to a sequence) exposes hash order
    TABLE = "table"  # a DataFrame whose rows came in the source's order: its methods say what they keep


class Role:
    VALUE = ""  # the source's own value (for a walk: the order in which directories are visited)
    WALK_ENTRY = "walk-entry"  # one (dirpath, dirnames, filenames) tuple of a walk
    DIRS = "dirs"  # a walk's list of subdirectory names
    FILES = "files"  # a walk's list of file names


@dataclass(frozen=True)
class Use:
    """One order-sensitive use of a source: `reason` completes "<subject> ..."; `at` is where it happens."""

    reason: str
    confidence: Confidence
    role: str
    via: str
    escape: bool = False
    compares: bool = False  # an order-sensitive comparison (`assertEqual(files, ["a", "b"])`)
    at: cst.CSTNode | None = field(default=None, compare=False)
    returns: bool = False  # handed back to the caller (returned or yielded): the callers decide
    passed: bool = False  # passed to a function that is not read (not returned, stored or kept)


@dataclass(eq=False)
class Source:
    """An expression whose value has an arbitrary order, and what was done with it in its scope."""

    node: cst.CSTNode
    statement: cst.CSTNode | None
    label: str  # how messages name it, e.g. "`os.listdir(...)`"
    confidence: Confidence
    kind: str = "listing"  # "listing", "walk" or "set"
    hint: str = ""  # the sorted form to suggest
    sort_template: str = ""  # the sorted form as code, `{call}` standing for the expression (for fixes)
    bottom_up: bool = False  # a walk with topdown=False: sorting dirnames in place changes nothing
    elements: str = "unknown"  # for sets: "str", "number", "unknown" or "empty"
    names: dict[str, str] = field(default_factory=dict)  # role -> variable name (walks)
    uses: list[Use] = field(default_factory=list)
    scope: str = ""  # the dotted scope it is made in (a finding's scope, part of its fingerprint)


@dataclass(frozen=True)
class Flow:
    """A value carries `source`'s order in `shape`; `via` names the variable it travelled through."""

    source: Source
    shape: Shape
    role: str = Role.VALUE
    via: str = ""
    cap: Confidence = Confidence.HIGH
    # The value only holds the ordered value as an element, this many containers deep (`[files, labels]`
    # 1, a list of `(root, dirs, files)` tuples 2): its own order is not the source's; indexing it, or
    # iterating it, gives the element one level up.
    nested: int = 0
    # The order is already baked in (`enumerate(...)` numbers, `"".join(...)` text): whatever is done
    # with the value next, the use is this (text completing "<subject> ...").
    mark: str = ""
    # With `mark`: even order-free consumers (`sorted(enumerate(s))`) keep the damage.
    sticky: bool = False
    mark_at: cst.CSTNode | None = field(default=None, compare=False)  # where the mark was made
    # With `mark`: a value that holds the order as its data (a Dataset of this file, a loader), whose
    # mark says how it reads it. It uses the order where it is read (iterated, loaded, handed on);
    # built and never read, it uses nothing. Kept in a name for code elsewhere, it is like the order.
    carried: bool = False


Flows = tuple[Flow, ...]


def as_element(flows: Flows) -> Flows:
    """The flows of a value put into a container as one element."""
    return tuple(replace(flow, nested=flow.nested + 1) for flow in flows)


def reshaped(flow: Flow, shape: Shape) -> Flow:
    """The flow of a value rebuilt in another container type; an element keeps its own type."""
    return flow if flow.nested else replace(flow, shape=shape)


def unnested(flows: Flows) -> Flows:
    """The flows of an element taken out of a container."""
    return tuple(replace(flow, nested=max(flow.nested - 1, 0)) for flow in flows)


@dataclass(frozen=True)
class Reason:
    text: str
    escape: bool = False  # the value leaves the scope (returned, stored, passed on): a set may, a dict likely
    compares: bool = False  # compared with an ordered value: what a test's verdict depends on
    returns: bool = False  # handed back to the caller: what the callers do with it decides
    passed: bool = False  # passed to a function that is not read


RETURNED = Reason("is returned to the caller", escape=True, returns=True)
YIELDED = Reason("is yielded to the caller", escape=True, returns=True)
YIELDED_EACH = "yields each item in that order"  # what a loop over the value does


def suite(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return body.body
    return ()


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
                reason.passed,
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
        after): the object, and the order it holds, end with the call."""
        function, root = self.function, name.split(".")[0]
        if self.scope_kind != "function" or function is None or self.depth or root in ("self", "cls"):
            return False
        return _made_and_kept_here(function, root, self._lent_without_keeping(function, root))

    def _lent_without_keeping(self, function: cst.FunctionDef, name: str) -> frozenset[int]:
        """The ids of the places `function` hands `name`'s object to code that keeps no reference to it: a
        message (`logger.info("Arguments: " + str(args))`), or a function of this file that reads the
        parameter only through its attributes (`cfg = setup_cfg(args)`)."""
        lent: set[int] = set()
        for call in descendants(function.body, cst.Call):
            if self.diagnostic(call):
                lent.update(id(found) for found in descendants(call, cst.Name) if found.value == name)
                continue
            if not any(isinstance(arg.value, cst.Name) and arg.value.value == name for arg in call.args):
                continue
            local = self._local_definition(call.func)
            if local is None:
                continue
            definition, skipped = local
            positional = [param.name.value for param in (*definition.params.posonly_params, *definition.params.params)]
            for position, arg in enumerate(call.args):
                if arg.star or not (isinstance(arg.value, cst.Name) and arg.value.value == name):
                    continue
                if arg.keyword is not None:
                    parameter = arg.keyword.value
                elif skipped + position < len(positional) and not any(other.star for other in call.args[:position]):
                    parameter = positional[skipped + position]
                else:
                    continue
                if parameter in parameters(definition) and _only_through_attributes(definition, parameter):
                    lent.add(id(arg.value))
        return frozenset(lent)

    def diagnostic(self, call: cst.Call) -> bool:
        """A message for people: `print(...)`, `logging.info(...)`, `LOGGER.info(...)`, `"...".format(...)`."""
        func = call.func
        if isinstance(func, cst.Attribute):
            consumer = self.index.consumer_methods.get(func.attr.value)
            if consumer is not None and consumer["effect"] == "diagnostic":
                if func.attr.value == "format" or _looks_like_logger(func.value):
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
            if name in self.reads or name.startswith("__") or "." in name:
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
        function), which the walk cannot follow."""
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
        calls = [owner for owner in references.calls.get(key, ()) if owner is not function] if key else []
        # a wrapper that returns `self.backend.<name>(...)` and that nothing in the file names hands the
        # result on to callers elsewhere, as this function would
        passed_on = [
            owner
            for owner, owner_class in references.forwarded.get(name, ())
            if owner is not function
            and not [other for other in references.mentions((owner_class, owner.name.value), owner.name.value) if other is not owner]
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
        self.facts.pop(name, None)
        self.makers.pop(name, None)
        self.aliases.pop(name, None)
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
        self.facts.pop(name, None)
        self.makers.pop(name, None)
        self.aliases.pop(name, None)

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
                self.consume(flows, Reason(f"is stored in `{self.code(target)}`", escape=True))
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
        inner = unnested(tuple(flow for flow in flows if flow.nested))
        # Iterating a table gives its columns (pandas labels, polars Series), not its rows.
        flows = tuple(flow for flow in flows if not flow.nested and flow.shape is not Shape.TABLE)
        if inner and isinstance(node.target, cst.Name):
            self.bind(node.target.value, inner)  # for files in (train_files, val_files)
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
        if effects is not None:
            if effects.ordered:
                what, where = effects.ordered[0]
                reason = Reason(f"is iterated by a loop that {what}", returns=what == YIELDED_EACH)
                self.consume(judged, reason, at=where)
            else:
                for name, shape in effects.sinks.items():
                    self.add_to(name, tuple(judged), shape, via=f"`{name}`, filled in that order,")
                if effects.unknown:
                    what, where = effects.unknown[0]
                    reason = f"is iterated by a loop that {what} for each item, which may depend on the order"
                    self.consume(judged, Reason(reason), Confidence.LOW, at=where)
                if effects.first:
                    what, where = effects.first[0]
                    self.consume(judged, Reason(f"is iterated by a loop that {what}"), Confidence.LOW, at=where)
        if node.orelse is not None:
            self.block(suite(node.orelse.body))

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
        kept: list[Flow] = []
        for flow in flows:
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
            inner = unnested(tuple(flow for flow in flows if flow.nested))
            if inner and isinstance(target, cst.Name):
                self.bind(target.value, inner)
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
            self.consume(self.value(node.value), Reason("is stored in a dict", escape=True))
            produced: Flows = ()
        else:
            produced = as_element(self.value(node.elt))
        self.bindings = saved
        return _unique(tuple(iterated)), produced

    def _v_ListComp(self, node: cst.ListComp | cst.GeneratorExp) -> Flows:
        iterated, produced = self._comprehension(node)
        return _unique(tuple(reshaped(flow, Shape.SEQ) for flow in iterated) + produced)

    _v_GeneratorExp = _v_ListComp

    def _v_DictComp(self, node: cst.DictComp) -> Flows:
        iterated, _ = self._comprehension(node)
        return _unique(tuple(reshaped(flow, Shape.MAP) for flow in iterated))

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
        if isinstance(func, cst.Attribute):
            consumer = self.index.consumer_methods.get(func.attr.value)
            if consumer is not None and consumer["effect"] == "diagnostic" and _looks_like_logger(func.value):
                self._quietly(node)  # LOGGER.info(...), also when LOGGER is imported
                return ()
            receiver = self.value(func.value)
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
        assertion = self.index.assertion_callables.get(qualified) if qualified else None
        if assertion is not None:
            return self._assertion(node, assertion["effect"], args)
        if effect in ("sorts", "ignores-order"):
            chosen = [(arg, flows) for arg, flows in args if not only or (arg.keyword and arg.keyword.value in only)]
            self.drop(flow for _, flows in chosen for flow in flows)
            others = [(arg, flows) for arg, flows in args if all(arg is not other for other, _ in chosen)]
            return self._pass_on(node, others, f"{self.code(node.func, 30)}(...)") if others else ()
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
        position = 0
        for arg, flows in args:
            index, position = position, position + (0 if arg.keyword or arg.star else 1)
            if arg.star:
                position = -1_000_000  # later positions are unknowable
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
            if returns:
                returned.extend(reshaped(flow, Shape.SEQ) for flow in flows)  # a set comes back as a list
        returned.extend(self._returned_by(node, definition))
        return _unique(tuple(returned))

    def _returned_by(self, node: cst.Call, definition: tuple[cst.FunctionDef, int] | None) -> Flows:
        """The order that a function of this file returns from listings (or sets) made inside it, judged
        here, where its caller uses the value: fresh copies of those sources, so that each caller's
        uses are its own (the function's own walk leaves them to its callers)."""
        summary = self._return_summary(definition[0]) if definition else None
        if not summary:
            return ()
        whole, items = summary
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

    def _return_summary(self, definition: cst.FunctionDef) -> tuple[Flows, dict[int, tuple[Flows, ...]]] | None:
        """The flows of arbitrary order made inside `definition` that its return value carries: as a
        whole, and item by item for the tuples its `return` statements hand back (by tuple length). A
        generator carries what it yields: the items of `yield from` and of a loop yielding each item,
        a whole value `yield files` as one item. None when it returns no such order or cannot be read."""
        memo: dict = self.rule.__dict__.setdefault("_order_returns", {})
        key = (id(definition), self.depth)  # deeper down, fewer calls are followed
        if key in memo:
            return memo[key]
        if self.depth >= 2:
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
                    whole.append(Flow(source, Shape.SEQ, role=use.role, nested=int(use.reason == YIELDED.text)))
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
        """A module-level function, or a method of the enclosing module-level class called on `self`/`cls`,
        with the number of leading parameters the call does not pass."""
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
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = func.value.value
            if owner in ("self", "cls"):
                stack = self.context.scope_stack
                methods = classes.get(stack[0], {}) if len(stack) >= 2 else {}
            elif owner in classes and owner not in self.bindings:
                methods = classes[owner]  # ClassName.method(...): only static and class methods skip nothing
            else:
                return None
            definition = methods.get(func.attr.value)
            if definition is None:
                return None
            decorators = {dotted_name(decorator.decorator) for decorator in definition.decorators}
            if "staticmethod" in decorators:
                return definition, 0
            if owner not in ("self", "cls") and "classmethod" not in decorators:
                return None  # an unbound method called with an explicit instance
            return definition, 1
        return None

    def _summary(self, definition: cst.FunctionDef, param: str, flows: Flows) -> tuple[tuple[Use, ...], bool] | None:
        """What `definition` does with the order of `param`: its order-sensitive uses, and whether the
        parameter's order comes back in the return value. None when it cannot be told."""
        memo: dict = self.rule.__dict__.setdefault("_order_summaries", {})
        shape = flows[0].shape
        kind = "walk" if any(_is_walk_value(flow) for flow in flows) else flows[0].source.kind
        key = (id(definition), param, shape, kind)
        if key in memo:
            return memo[key]
        if self.depth >= 2:
            return None
        memo[key] = None  # recursion falls back to "depends on the order"
        walker = ScopeWalker(self.rule, "function", self.depth + 1)
        walker.function = definition
        probe = Source(definition, None, "", Confidence.HIGH, kind=kind)
        walker.bindings[param] = (Flow(probe, shape, via=f"`{param}`"),)
        walker.block(suite(definition.body))
        if "." in param:
            walker.bindings.pop(param, None)  # an attribute read and left as it was is no new use
        walker._kept_attributes()
        uses = tuple(use for use in probe.uses if use.reason != RETURNED.text)
        memo[key] = (uses, len(uses) < len(probe.uses))
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
            return ()
        if effect == "preserves-order":
            return receiver
        if effect == "views":
            return tuple(replace(flow, shape=Shape.SEQ) for flow in receiver if flow.shape is Shape.MAP)
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
        if consumer is not None and consumer["effect"] == "diagnostic":
            if method == "format" or _looks_like_logger(base):
                self._quietly(node)
                return ()
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


# -- loop bodies ----------------------------------------------------------------------------------------


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
        self.counters: set[str] = set()
        self.breaks: list[tuple[bool, cst.CSTNode]] = []  # per top-level break: whether only flags are set before it

    def scan(self, body: Sequence[cst.CSTNode]) -> LoopScan:
        self.counters = _counters(body)
        self.item_names = self.targets | _assigned_names(body)
        self.fresh = _fresh_containers(body)
        if self.walk and body and isinstance(body[-1], cst.If) and _is_break_only(body[-1]):
            body = body[:-1]
        self._block(body, 0, False)
        for flag_only, node in self.breaks:
            if not flag_only:
                self.first.append(("stops at the first match (`break`), so which item wins depends on the order", node))
            elif self.sinks or self.unknown:
                self.ordered.append(("stops early (`break`), so which items are processed depends on the order", node))
        return self

    def _block(self, statements: Sequence[cst.CSTNode], depth: int, guarded: bool) -> None:
        """`guarded`: inside `if item == value:`, where the first match is the only match."""
        smalls = [
            small
            for statement in statements
            for small in (statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement])
        ]
        flag_only = not any(
            isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign))
            and small.value is not None
            and self._depends_on_item(small.value)
            for small in smalls
        )
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._small(small, depth, flag_only or guarded, guarded)
            elif isinstance(statement, cst.BaseSmallStatement):
                self._small(statement, depth, flag_only or guarded, guarded)
            else:
                self._compound(statement, depth, guarded)

    def _compound(self, node: cst.CSTNode, depth: int, guarded: bool) -> None:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return
        if isinstance(node, cst.If):
            self._expr(node.test)
            breaks = len(self.breaks)
            self._block(suite(node.body), depth, guarded or _matches_item(node.test, self.targets))
            if self._asks_user(node.test):
                del self.breaks[breaks:]  # `if cv2.waitKey(0) == 27: break`: the person watching stops it
            if isinstance(node.orelse, cst.If):
                self._compound(node.orelse, depth, guarded)
            elif node.orelse is not None:
                self._block(suite(node.orelse.body), depth, guarded)
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

    def _small(self, node: cst.CSTNode, depth: int, flag_only: bool, guarded: bool = False) -> None:
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
            if node.value is not None and self._depends_on_item(node.value) and not guarded:
                self.first.append(
                    ("returns the first match from inside the loop, so which item wins depends on the order", node)
                )
        elif isinstance(node, cst.Break) and depth == 0:
            self.breaks.append((flag_only, node))

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
        if known is not None or consumer is not None or walker.diagnostic(call):
            return  # a per-item filesystem operation, print, sorted(...), a logger's message, ...
        if method is not None and not resolved:
            effect = walker.index.loop_methods.get(method)
            if effect is not None:
                if effect["effect"] == "collects":
                    if dotted_name(func.value):
                        self.sinks.setdefault(dotted_name(func.value), Shape.SEQ)
                    elif self._keyed_by_item(func.value):
                        # `ratings[item].append(stars)`: each item adds to a list of its own
                        self.sinks.setdefault(dotted_name(func.value.value), Shape.MAP)  # type: ignore[attr-defined]
                    elif _root_name(func.value) not in self.fresh:
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

    def _keyed_by_item(self, receiver: cst.BaseExpression) -> bool:
        """`ratings[item]` of a named mapping, keyed by the loop's own variable: a different entry for
        each item (the items of a listing or a set are distinct)."""
        if not (isinstance(receiver, cst.Subscript) and dotted_name(receiver.value) and len(receiver.slice) == 1):
            return False
        key = receiver.slice[0].slice
        return isinstance(key, cst.Index) and isinstance(key.value, cst.Name) and key.value.value in self.targets

    def _made_per_item(self, receiver: cst.BaseExpression) -> bool:
        """A receiver bound in the loop body (`with open(out, "w") as fh:`): each item's output of its own."""
        name = dotted_name(receiver)
        return bool(name) and name.split(".")[0] in self.item_names - self.targets

    def _store(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Subscript):
            base = target.value
            counted = [*target.slice, value] if value is not None else list(target.slice)
            # d[item] = len(d), d[item] = i (with i += 1), arr[i] = item: positions counted in loop order
            position = any(name.value in self.counters for part in counted for name in _names_in(part)) or any(
                _calls_len(part, self.item_names) for part in counted
            )
            if dotted_name(base):
                if position:
                    self.ordered.append(
                        (f"writes into `{dotted_name(base)}` at positions or numbers counted in that order", target)
                    )
                else:
                    self.sinks.setdefault(dotted_name(base), Shape.MAP)
            elif position:
                self.ordered.append(
                    (f"writes into `{self.walker.code(base)}` at positions or numbers counted in that order", target)
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
        elif _root_name(target) not in self.fresh:
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


def _matches_item(test: cst.BaseExpression, targets: set[str]) -> bool:
    """`item == value` or `item.name == value`, `item` being one of `targets`: at most one entry of a
    directory (or set) matches."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    comparison = test.comparisons[0]
    if not isinstance(comparison.operator, (cst.Equal, cst.Is)):
        return False
    sides = (test.left, comparison.comparator)

    def is_item(node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Attribute) and node.attr.value == "name":
            node = node.value
        return isinstance(node, cst.Name) and node.value in targets

    def mentions_item(node: cst.BaseExpression) -> bool:
        return any(name.value in targets for name in _names_in(node))

    return any(is_item(side) and not mentions_item(other) for side, other in (sides, sides[::-1]))


def _written_out_sequence(node: cst.BaseExpression) -> bool:
    """A list or tuple written out with an order of its own: two items or more, or a comprehension."""
    if isinstance(node, (cst.List, cst.Tuple)):
        return len(node.elements) >= 2 or any(isinstance(e, cst.StarredElement) for e in node.elements)
    return isinstance(node, cst.ListComp)


def _is_next_with_default(walker: ScopeWalker, node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and walker.callee(node.func) == "next"
        and len(node.args) == 2
        and not any(arg.keyword or arg.star for arg in node.args)
    )


def _length_one(test: cst.BaseExpression, *, asserted: bool) -> set[str]:
    """Names a test proves to hold one item: asserted `len(x) == 1`, or `len(x) != 1` / `len(x) > 1`
    guarding a `raise`/`return`."""
    names: set[str] = set()
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And if asserted else cst.Or):
        return _length_one(test.left, asserted=asserted) | _length_one(test.right, asserted=asserted)
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return names
    comparison = test.comparisons[0]
    left, right, operator = test.left, comparison.comparator, comparison.operator
    if literal_value(left) == 1 and not isinstance(literal_value(left), bool):
        left, right = right, left
    if not (isinstance(left, cst.Call) and isinstance(left.func, cst.Name) and left.func.value == "len"):
        return names
    if len(left.args) != 1 or literal_value(right) != 1:
        return names
    wanted = (cst.Equal,) if asserted else (cst.NotEqual, cst.GreaterThan)
    if isinstance(operator, wanted):
        name = dotted_name(left.args[0].value)
        if name:
            names.add(name)
    return names


def _terminates(statement: cst.CSTNode) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        statement = statement.body[-1]
    return isinstance(statement, (cst.Raise, cst.Return, cst.Continue, cst.Break))


def _is_break_only(node: cst.If) -> bool:
    body = suite(node.body)
    if node.orelse is not None or len(body) != 1:
        return False
    only = body[0]
    if isinstance(only, cst.SimpleStatementLine):
        return len(only.body) == 1 and isinstance(only.body[0], cst.Break)
    return isinstance(only, cst.Break)


def _index_only_checked(target: cst.BaseExpression, body: Sequence[cst.CSTNode]) -> bool:
    """`for i, item in enumerate(...)` whose index is only deleted by (`del items[i]`), tested in
    conditions, or printed: the numbering does not reach any data."""
    if not isinstance(target, (cst.Tuple, cst.List)) or not target.elements:
        return False
    index = target.elements[0].value
    if not isinstance(index, cst.Name):
        return False
    name = index.value
    total = allowed = 0
    for node in _walk_statements(body):
        parts: list[tuple[cst.CSTNode, bool]] = []
        if isinstance(node, cst.Del):
            parts.append((node.target, True))
        elif isinstance(node, (cst.If, cst.While)):
            parts.append((node.test, True))
        elif isinstance(node, (cst.Raise, cst.Assert)):
            parts.append((node, True))
        elif isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
            func = node.value.func
            quiet = (isinstance(func, cst.Name) and func.value == "print") or (
                isinstance(func, cst.Attribute) and _looks_like_logger(func.value)
            )
            parts.append((node, quiet))
        elif isinstance(node, cst.For):
            parts.append((node.iter, False))
        elif isinstance(node, cst.With):
            parts.extend((item, False) for item in node.items)  # its body is walked statement by statement
        elif isinstance(node, cst.BaseSmallStatement):
            parts.append((node, False))
        for part, ok in parts:
            count = sum(1 for found in _names_in(part) if found.value == name)
            total += count
            allowed += count if ok else 0
    return total == allowed


def _parameter(definition: cst.FunctionDef, position: int, arg: cst.Arg) -> str | None:
    params = definition.params
    if arg.keyword is not None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        return arg.keyword.value if any(param.name.value == arg.keyword.value for param in every) else None
    positional = [*params.posonly_params, *params.params]
    return positional[position].name.value if 0 <= position < len(positional) else None


def _star_parameter(definition: cst.FunctionDef, position: int) -> str | None:
    """`args` of `def f(a, *args)` when unpacked items start at `position`, past the named parameters."""
    params = definition.params
    star = params.star_arg
    if not isinstance(star, cst.Param) or position < len([*params.posonly_params, *params.params]):
        return None
    return star.name.value


Definitions = tuple[dict[str, cst.FunctionDef], dict[str, dict[str, cst.FunctionDef]]]


def _definitions(rule: object, module: cst.Module) -> Definitions:
    """The file's module-level functions and the methods of its module-level classes (cached per file)."""
    cached = rule.__dict__.get("_order_definitions")
    if cached is None:
        functions: dict[str, cst.FunctionDef] = {}
        classes: dict[str, dict[str, cst.FunctionDef]] = {}
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef):
                functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                classes[statement.name.value] = {
                    item.name.value: item for item in suite(statement.body) if isinstance(item, cst.FunctionDef)
                }
        cached = rule.__dict__["_order_definitions"] = (functions, classes)
    return cached


def _only_shown(value: cst.BaseExpression) -> bool:
    """A statement's value that computes nothing but itself (`files[-1]`, `names, labels`): no call,
    await, yield or assignment inside."""
    if not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.Tuple)):
        return False
    effects = (cst.Call, cst.Await, cst.Yield, cst.NamedExpr)
    return not any(True for _ in descendants(value, effects))


def _read_in_definitions(rule: object, module: cst.Module) -> set[str]:
    """The names the file's functions, lambdas and classes mention without binding them first: the
    globals they may read. (`def setup(args)` reads its parameter, not a global `args`.)"""
    cached = rule.__dict__.get("_order_read_in_definitions")
    if cached is None:
        cached = rule.__dict__["_order_read_in_definitions"] = set()
        for definition in descendants(module, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            own = _own_names(definition)
            cached.update(name.value for name in descendants(definition, cst.Name) if name.value not in own)
    return cached


def _own_names(definition: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> set[str]:
    """The names a function or lambda binds for itself: its parameters and, for a function, what its body
    assigns, less what it declares `global` or `nonlocal`. A class body's names are not its methods'."""
    if isinstance(definition, cst.ClassDef):
        return set()
    own = set(parameters(definition))
    if isinstance(definition, cst.FunctionDef):
        body = suite(definition.body)
        declared = {
            item.name.value
            for node in _walk_statements(body)
            if isinstance(node, (cst.Global, cst.Nonlocal))
            for item in node.names
        }
        own |= _assigned_names(body) - declared
    return own


def _redefined(rule: object, module: cst.Module) -> set[str]:
    """Names the module imports and then defines again with `def`: the definition is what they call."""
    cached = rule.__dict__.get("_order_redefined")
    if cached is None:
        last: dict[str, bool] = {}  # name -> whether its last module-level binding is a `def`
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef):
                last[statement.name.value] = True
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                        for alias in small.names:
                            bound = alias.asname.name if alias.asname else alias.name
                            last[code_of(bound).split(".")[0]] = False
        cached = rule.__dict__["_order_redefined"] = {name for name, defined in last.items() if defined}
    return cached


# -- small helpers --------------------------------------------------------------------------------------


def _nested_definition(rule: object, function: cst.FunctionDef | None, name: str) -> cst.FunctionDef | None:
    """A function defined directly in `function`'s body under `name` (the last definition wins); the
    table of each function is made once per file."""
    if function is None:
        return None
    tables: dict = rule.__dict__.setdefault("_order_nested", {})
    table = tables.get(id(function))
    if table is None:
        table = tables[id(function)] = {
            item.name.value: item for item in suite(function.body) if isinstance(item, cst.FunctionDef)
        }
    return table.get(name)


def _nested_references(enclosing: cst.FunctionDef, function: cst.FunctionDef) -> tuple[int, bool]:
    """`_callers_in_file` for a function nested in `enclosing`: the calls by its name in the enclosing
    body outside its own (not in a lambda), and whether it is named there some other way."""
    name = function.name.value
    inside = {id(node) for node in descendants(function, cst.Name)}
    mentions = [node for node in descendants(enclosing, cst.Name) if node.value == name and id(node) not in inside]
    mentions = [node for node in mentions if node is not function.name]
    calls = [
        call
        for call in descendants(enclosing, cst.Call, skip=(cst.Lambda,))
        if isinstance(call.func, cst.Name) and call.func.value == name and id(call.func) not in inside
    ]
    return len(calls), len(mentions) > len(calls)


def _definition_scope(rule: object, module: cst.Module, definition: cst.FunctionDef) -> str:
    """The dotted scope of a module-level function or a method of a module-level class."""
    functions, classes = _definitions(rule, module)
    owner = next((name for name, methods in classes.items() if definition in methods.values()), None)
    return f"{owner}.{definition.name.value}" if owner else definition.name.value


_CONTAINER_METHODS = frozenset(name for kind in (dict, list, set, str, tuple) for name in dir(kind))


@dataclass
class _References:
    """Where a file names its functions and methods: `calls` by `_local_definition`'s key (`("", name)`
    or `(class, name)`); `names`, bare names outside class bodies' own statements; `class_names`, bare
    names in a class body's own statements (`__iter__ = items`), by (class, name); `attributes`,
    `x.name` by name. Each entry is the top-level function or method the reference is in (None outside
    any)."""

    calls: dict[tuple[str, str], list[cst.FunctionDef | None]] = field(default_factory=dict)
    names: dict[str, list[cst.FunctionDef | None]] = field(default_factory=dict)
    class_names: dict[tuple[str, str], list[cst.FunctionDef | None]] = field(default_factory=dict)
    attributes: dict[str, list[cst.FunctionDef | None]] = field(default_factory=dict)
    # `return x.name(...)`, `yield from x.name(...)`: by name, the function or method (and its class)
    # that hands what the call returns straight back to its own callers
    forwarded: dict[str, list[tuple[cst.FunctionDef, str]]] = field(default_factory=dict)

    def mentions(self, key: tuple[str, str] | None, name: str) -> list[cst.FunctionDef | None]:
        """The references that may name the function or method `key`: a method is named through an
        attribute, or by its bare name in its class's body (a bare name in any function is never a
        method: a local variable `items` is not `self.items`)."""
        if key is not None and key[0]:
            return self.attributes.get(name, []) + self.class_names.get(key, [])
        return self.names.get(name, []) + self.attributes.get(name, [])


def _references(rule: object, module: cst.Module, classes: dict[str, dict[str, cst.FunctionDef]]) -> _References:
    cached = rule.__dict__.get("_order_references")
    if cached is not None:
        return cached
    found = rule.__dict__["_order_references"] = _References()
    definitions = {id(node.name) for node in descendants(module, cst.FunctionDef)}
    parts: list[tuple[cst.CSTNode, cst.FunctionDef | None, str | None]] = []
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            parts.append((statement, statement, None))
        elif isinstance(statement, cst.ClassDef):
            for item in suite(statement.body):
                owner = item if isinstance(item, cst.FunctionDef) else None
                parts.append((item, owner, statement.name.value))
        else:
            parts.append((statement, None, None))
    for part, owner, class_name in parts:
        attributes = list(descendants(part, cst.Attribute))
        skipped = definitions | {id(attribute.attr) for attribute in attributes}
        for name in descendants(part, cst.Name):
            if id(name) in skipped:
                continue
            if class_name is not None and owner is None:
                found.class_names.setdefault((class_name, name.value), []).append(owner)
            else:
                found.names.setdefault(name.value, []).append(owner)
        for attribute in attributes:
            receiver = attribute.value
            own = isinstance(receiver, cst.Name) and (receiver.value in ("self", "cls") or receiver.value in classes)
            # `d.items()` on any other receiver is a dict's, not a method of this file's classes
            if own or attribute.attr.value not in _CONTAINER_METHODS:
                found.attributes.setdefault(attribute.attr.value, []).append(owner)
        for call in descendants(part, cst.Call, skip=(cst.Lambda,)):
            key = _call_key(call.func, class_name, classes)
            if key is not None:
                found.calls.setdefault(key, []).append(owner)
        if owner is not None:
            for handed in descendants(part, (cst.Return, cst.Yield), skip=(cst.Lambda,)):
                value = handed.value.item if isinstance(handed.value, cst.From) else handed.value
                if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                    found.forwarded.setdefault(value.func.attr.value, []).append((owner, class_name or ""))
    return found


def _call_key(
    func: cst.BaseExpression, class_name: str | None, classes: dict[str, dict[str, cst.FunctionDef]]
) -> tuple[str, str] | None:
    """The callee key of a call as `_local_definition` resolves it, without the walk's bindings."""
    if isinstance(func, cst.Name):
        return ("", func.value)
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    owner = func.value.value
    if owner in ("self", "cls") and class_name is not None:
        return (class_name, func.attr.value)
    method = classes.get(owner, {}).get(func.attr.value)
    if method is None:
        return None
    decorators = {dotted_name(decorator.decorator) for decorator in method.decorators}
    return (owner, func.attr.value) if decorators & {"staticmethod", "classmethod"} else None


def _carrying(flows: Flows, reason: str, at: cst.CSTNode, cap: Confidence | None = None) -> Flows:
    """The flows of a value that holds the order as its data and reads it as `reason` says (see
    `Flow.carried`); an order it already carries keeps its first reason."""
    return _unique(
        tuple(
            replace(
                flow, shape=Shape.SEQ, mark=flow.mark or reason, mark_at=flow.mark_at or at, carried=True,
                cap=Confidence.weakest(flow.cap, cap),
            )
            for flow in flows
            if not flow.nested
        )
    )  # fmt: skip


def _inside(rule: object, function: cst.FunctionDef, node: cst.CSTNode | None) -> bool:
    """Whether `node` is part of `function` (the node sets of functions are made once per file)."""
    tables: dict = rule.__dict__.setdefault("_order_inside", {})
    nodes = tables.get(id(function))
    if nodes is None:
        nodes = tables[id(function)] = {id(found) for found in descendants(function, cst.CSTNode)}
    return node is not None and id(node) in nodes


def _unique(flows: Flows) -> Flows:
    seen: list[Flow] = []
    for flow in flows:
        if flow not in seen:
            seen.append(flow)
    return tuple(seen)


def _one_source(args: list[tuple[cst.Arg, Flows]]) -> bool:
    """Every argument carries the order of one and the same source (two lists filled in one loop over a
    listing, a listing and a comprehension over it): items paired by position came from the same item."""
    sources = [{flow.source for flow in flows if not flow.nested and not flow.mark} for _, flows in args]
    return len(sources) >= 2 and all(sources) and bool(set.intersection(*sources))


def _seeds_anything(rule: object, module: cst.Module) -> bool:
    """Whether the file calls anything named for seeding (`random.seed`, `set_seed(...)`, a project's
    `seed_everything`): where nothing is, a global generator's draws are random in every run anyway."""
    cached = rule.__dict__.get("_order_seeds")
    if cached is None:
        cached = rule.__dict__["_order_seeds"] = any(
            "seed" in (dotted_name(node.func) or "").rpartition(".")[2].lower()
            for node in descendants(module, cst.Call)
        )
    return cached


def _off_default(state: dict[str, Flows], default: dict[str, Flows]) -> dict[str, Flows]:
    """`state` (a branch the code does not take by default) without the flows the default branch does
    not carry: the order is used only when a caller asks for it."""
    return {name: tuple(flow for flow in flows if flow in default.get(name, ())) for name, flows in state.items()}


def _merge(*states: dict[str, Flows]) -> dict[str, Flows]:
    merged: dict[str, Flows] = {}
    for state in states:
        for name, flows in state.items():
            merged[name] = _unique(merged.get(name, ()) + flows)
    return merged


def _chosen(args: list[tuple[cst.Arg, Flows]], which: str, keyword: str | None = None) -> list[tuple[cst.Arg, Flows]]:
    positional = [(arg, flows) for arg, flows in args if not arg.keyword and arg.star != "**"]
    if which == "first":
        named = [(arg, flows) for arg, flows in args if arg.keyword is not None and arg.keyword.value == keyword]
        return positional[:1] or named
    if which == "after-first":
        return positional[1:]
    return positional


def _is_walk_value(flow: Flow) -> bool:
    return flow.source.kind == "walk" and flow.role == Role.VALUE


def _is_full_slice(node: cst.Subscript) -> bool:
    return len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice) and _is_full_part(node.slice[0].slice)


def _every_row(node: cst.Subscript) -> bool:
    """`boxes[:, 2:4]`, `boxes[..., 0]`: an array's columns, taken from every row in the rows' order."""
    if len(node.slice) < 2:
        return False
    first = node.slice[0].slice
    if isinstance(first, cst.Slice):
        return _is_full_part(first)
    return isinstance(first, cst.Index) and isinstance(first.value, cst.Ellipsis)


def _is_full_part(part: cst.Slice) -> bool:
    return part.lower is None and part.upper is None and part.step is None


def _is_mask(node: cst.Subscript) -> bool:
    """`a[a != x]`, `df[(df.x > 0) & ~(df["y"] == 3)]`: a boolean mask made by comparing the value itself
    item by item keeps its items in their order (NumPy, pandas). (`files[len(files) > 1]` is a position.)"""
    base = _root_name(node.value)

    def elementwise(side: cst.BaseExpression) -> bool:
        return not isinstance(side, cst.Call) and base is not None and _root_name(side) == base

    def mask(expression: cst.BaseExpression) -> bool:
        if isinstance(expression, cst.Comparison):
            return elementwise(expression.left) or any(elementwise(target.comparator) for target in expression.comparisons)
        if isinstance(expression, cst.UnaryOperation) and isinstance(expression.operator, cst.BitInvert):
            return mask(expression.expression)
        if isinstance(expression, cst.BinaryOperation) and isinstance(
            expression.operator, (cst.BitAnd, cst.BitOr, cst.BitXor)
        ):
            return mask(expression.left) and mask(expression.right)
        return False

    return len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) and mask(node.slice[0].slice.value)


def _root_name(node: cst.BaseExpression) -> str | None:
    """`df` of `df`, `df.x`, `df["x"]`."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _selects_columns(node: cst.Subscript) -> bool:
    """`frame["a"]`, `frame[["a", "b"]]`, `frame.loc[:, "a"]`: columns by name, or every row."""
    first = node.slice[0].slice
    if isinstance(first, cst.Slice):
        return _is_full_part(first)
    value = literal_value(first.value)
    return isinstance(value, str) or (
        isinstance(value, (list, tuple)) and bool(value) and all(isinstance(item, str) for item in value)
    )


def _literal_index(node: cst.Subscript) -> object:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return literal_value(node.slice[0].slice.value)
    return NOT_LITERAL


def _looks_like_logger(node: cst.BaseExpression) -> bool:
    """A receiver named like a logger: a word of its last part is `log`, `logging`, `logs`, `warnings` or
    ends in `logger` (`LOGGER`, `_log`, `wandb_logger`), not `logits` or `catalog`."""
    dotted = dotted_name(node) or ""
    words = re.split(r"[_\W]+", dotted.rsplit(".", 1)[-1].lower())
    return any(word in _LOGGER_WORDS or word.endswith("logger") for word in words)


def _names_in(node: cst.CSTNode) -> list[cst.Name]:
    """The names an expression reads, not those of a lambda's own body."""
    return list(descendants(node, cst.Name, skip=(cst.Lambda,)))


def _reads(function: cst.FunctionDef, dotted: str) -> bool:
    """Whether `function` reads `dotted` (`self.files`) as it finds it: it mentions it, and not first
    to assign it a new value."""
    for statement in _walk_statements(suite(function.body)):
        if not _mentions(statement, dotted):
            continue
        if isinstance(statement, (cst.Assign, cst.AnnAssign)) and statement.value is not None:
            targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) else [statement.target]
            assigned = any(dotted_name(target) == dotted for target in targets)
            return not assigned or _mentions(statement.value, dotted)
        return True
    return False


def _mentions(node: cst.CSTNode, dotted: str) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Attribute) and dotted_name(current) == dotted:
            return True
        if not isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            stack.extend(current.children)
    return False


def _calls_len(node: cst.CSTNode, item_names: set[str]) -> bool:
    """`len(ids)`, a count that grows in loop order; not `len(item)`, a property of the item."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call) and isinstance(current.func, cst.Name) and current.func.value == "len":
            if not any(name.value in item_names for name in _names_in(current)):
                return True
        stack.extend(current.children)
    return False


def _walk_statements(statements: Sequence[cst.CSTNode]) -> Iterable[cst.CSTNode]:
    """Every small statement and compound header in a body, not entering nested functions or classes."""
    stack = list(reversed(statements))
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(node, cst.SimpleStatementLine):
            yield from node.body
            continue
        yield node
        for name in ("body", "orelse", "finalbody"):
            part = getattr(node, name, None)
            if isinstance(part, cst.BaseSuite):
                stack.extend(reversed(suite(part)))
            elif isinstance(part, (cst.Else, cst.Finally)):
                stack.extend(reversed(suite(part.body)))
            elif isinstance(part, cst.If):
                stack.append(part)
        for handler in getattr(node, "handlers", ()):
            stack.extend(reversed(suite(handler.body)))
        for case in getattr(node, "cases", ()):
            stack.extend(reversed(suite(case.body)))


def _assigned_names(body: Sequence[cst.CSTNode]) -> set[str]:
    """Names bound in a loop body (assignments, inner loop variables, `with ... as`)."""
    return {name.value for node in _walk_statements(body) for name in _assignment_targets(node)}


def _fresh_containers(body: Sequence[cst.CSTNode]) -> set[str]:
    """Names a loop body binds to a new, empty container (`groups = {}`, `shard = {"files": []}`) once,
    with every mention of them in the body after that binding and in the same block: on each pass the
    container starts afresh before it is used, or (bound under `if failed:` and used only there) is not
    used at all, so what is added into it is each item's own. (Reset after use, when full, the
    container collects across items.)"""
    bound = [name.value for node in _walk_statements(body) for name in _assignment_targets(node)]

    def mentions(statements: Sequence[cst.CSTNode]) -> list[str]:
        return [name.value for statement in statements for name in descendants(statement, cst.Name)]

    everywhere = mentions(body)
    fresh: set[str] = set()
    blocks_to_visit = [body]
    while blocks_to_visit:
        block = blocks_to_visit.pop()
        for position, statement in enumerate(block):
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue
            blocks_to_visit.extend(blocks(statement))
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                name = _emptied(small)
                if name is not None and bound.count(name) == 1:
                    if mentions(block[position:]).count(name) == everywhere.count(name):
                        fresh.add(name)
    return fresh


def _emptied(statement: cst.BaseSmallStatement) -> str | None:
    """The name `statement` binds to a new container holding no values (`by_file = {}`,
    `shard = {"files": []}`)."""
    if (
        isinstance(statement, cst.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Name)
        and isinstance(statement.value, (cst.Dict, cst.List, cst.Set))
        and not any(True for _ in descendants(statement.value, cst.Name))
    ):
        return statement.targets[0].target.value
    return None


def _assignment_targets(node: cst.CSTNode) -> list[cst.Name]:
    """The names a statement, header or clause binds: assignment targets, loop variables, `with`,
    `except` and `import ... as`, a walrus; and those `global`/`nonlocal` declare."""
    if isinstance(node, cst.Assign):
        return [name for target in node.targets for name in _target_names(target.target)]
    if isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.NamedExpr)):
        return _target_names(node.target)
    if isinstance(node, cst.With):
        return [name for item in node.items if item.asname is not None for name in _target_names(item.asname.name)]
    if isinstance(node, cst.AsName):
        return _target_names(node.name)
    if isinstance(node, (cst.Global, cst.Nonlocal)):
        return [item.name for item in node.names]
    return []


def _target_names(target: cst.BaseExpression) -> list[cst.Name]:
    """The names an assignment target binds: `a`, `a, (b, *c)`; not `x.attr` or `x[i]`."""
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def _made_and_kept_here(function: cst.FunctionDef, name: str, lent: frozenset[int]) -> bool:
    """Whether `name` is a local of `function` bound only to calls' results (`args = parser.parse_args()`:
    an object made here, not an alias of one from elsewhere) and otherwise used only through its
    attributes, never whole (returned, passed, stored, captured by a nested function) but at the
    places in `lent` (the ids of names handed to code that does not keep them)."""
    if name in parameters(function):
        return False
    nodes = list(descendants(function.body, cst.CSTNode))
    bindings = 0
    for node in nodes:
        if isinstance(node, cst.Assign) and any(
            isinstance(target.target, cst.Name) and target.target.value == name for target in node.targets
        ):
            if len(node.targets) != 1 or not isinstance(node.value, cst.Call):
                return False
            bindings += 1
    whole = _whole_uses(function, name, nodes)
    return bindings > 0 and whole is not None and all(id(node) in lent for node in whole)


def _only_through_attributes(function: cst.FunctionDef, parameter: str) -> bool:
    """Whether `function` reads its `parameter` only through attributes (`args.config_file`): it never
    rebinds, returns, passes, stores or captures the object, so it keeps no reference to it."""
    nodes = list(descendants(function.body, cst.CSTNode))
    if any(isinstance(node, cst.Assign) and parameter in _assigned_names([node]) for node in nodes):
        return False
    return _whole_uses(function, parameter, nodes) == []


def _whole_uses(function: cst.FunctionDef, name: str, nodes: list[cst.CSTNode]) -> list[cst.Name] | None:
    """The places `function`'s local `name` is used whole: not through an attribute, not as a plain
    assignment's target. None when it is bound another way (loop, `with`, walrus, `global`) or a
    nested function, lambda or class captures it."""
    for inner in descendants(function.body, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if any(found.value == name for found in descendants(inner, cst.Name)):
            return None  # captured: a nested function may read it whenever it runs
    other_bindings = (cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For, cst.AsName, cst.Global, cst.Nonlocal)
    if any(isinstance(node, other_bindings) and name in {found.value for found in _assignment_targets(node)} for node in nodes):
        return None
    bound = {id(node.targets[0].target) for node in nodes if isinstance(node, cst.Assign)}
    through = {id(node.value) for node in nodes if isinstance(node, cst.Attribute)}
    return [node for node in nodes if isinstance(node, cst.Name) and node.value == name and id(node) not in bound | through]


def _counters(body: Sequence[cst.CSTNode]) -> set[str]:
    """Names increased by a number in the loop body (`i += 1`): positions counted in loop order."""
    return {
        node.target.value
        for node in _walk_statements(body)
        if isinstance(node, cst.AugAssign)
        and isinstance(node.target, cst.Name)
        and isinstance(literal_value(node.value), int)
    }


def _sorts_in_place(body: Sequence[cst.CSTNode], name: str) -> bool:
    """`name.sort(...)` or `name[:] = sorted(...)` somewhere in the body."""
    for node in _walk_statements(body):
        if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
            func = node.value.func
            if isinstance(func, cst.Attribute) and func.attr.value == "sort" and dotted_name(func.value) == name:
                return True
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
            callee = node.value.func
            sorted_call = isinstance(callee, cst.Name) and callee.value == "sorted"
            for target in node.targets:
                subscript = target.target
                if (
                    sorted_call
                    and isinstance(subscript, cst.Subscript)
                    and dotted_name(subscript.value) == name
                    and _is_full_slice(subscript)
                ):
                    return True
    return False


def _first_iteration_only(body: Sequence[cst.CSTNode]) -> bool:
    """The loop body ends with an unconditional `break` or `return`: only the first item is used (for a
    walk, the top directory, which always comes first)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    return isinstance(last, (cst.Break, cst.Return))
