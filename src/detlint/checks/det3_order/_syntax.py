"""What the order rules read from syntax alone, with no walk and no imports: the names a statement
binds, what a loop body does with its counters and containers, slices and masks, tests of an item,
and how a function uses a local object."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import libcst as cst

from detlint.analysis.statements import blocks, descendants, parameters
from detlint.names import NOT_LITERAL, dotted_name, literal_value

_LOGGER_WORDS = frozenset({"log", "logging", "logs", "warnings"})
_PROGRESS_WORDS = frozenset({"bar", "pbar", "progress", "progressbar", "tqdm"})
# Calls that build a path from their arguments as they are.
_PATH_BUILDERS = frozenset({"join", "joinpath", "str", "Path", "PurePath", "fspath"})
_PLAIN_VALUES = (cst.Name, cst.Integer, cst.SimpleString, cst.FormattedString)
_PROGRESS_METHODS = frozenset({"update", "set_description", "set_postfix", "set_postfix_str", "refresh"})
# Constructors of an empty container; `defaultdict` takes only a factory, which holds no values.
_EMPTY_CONSTRUCTORS = frozenset({"dict", "list", "set", "OrderedDict", "defaultdict", "Counter", "deque"})
_MAPPING_CONSTRUCTORS = frozenset({"dict", "OrderedDict", "defaultdict"})


def suite(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return body.body
    return ()


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
    conditions, printed, logged or shown on a progress bar (`bar.update(i)`): the numbering does not
    reach any data."""
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
            quiet = (
                (isinstance(func, cst.Name) and func.value == "print")
                or (isinstance(func, cst.Attribute) and _looks_like_logger(func.value))
                or _moves_progress_bar(node.value)
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


def _positions(args: Sequence[cst.Arg]) -> Iterable[tuple[int, cst.Arg]]:
    """Each argument with the position it fills among the positional parameters (keywords and
    unpacked ones count none); negative after an unpacked argument, where positions are unknowable."""
    position = 0
    for arg in args:
        index, position = position, position + (0 if arg.keyword or arg.star else 1)
        if arg.star:
            position = -1_000_000
        yield index, arg


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


def _is_name(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _only_shown(value: cst.BaseExpression) -> bool:
    """A statement's value that computes nothing but itself (`files[-1]`, `names, labels`): no call,
    await, yield or assignment inside."""
    if not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.Tuple)):
        return False
    effects = (cst.Call, cst.Await, cst.Yield, cst.NamedExpr)
    return not any(True for _ in descendants(value, effects))


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


def _name_words(node: cst.BaseExpression) -> list[str]:
    """The words of the last part of a dotted name (`wandb_logger` -> wandb, logger; `runLog` -> run, log)."""
    dotted = dotted_name(node) or ""
    last = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", dotted.rsplit(".", 1)[-1])
    return re.split(r"[_\W]+", last.lower())


def _looks_like_logger(node: cst.BaseExpression) -> bool:
    """A receiver named like a logger: a word of its last part is `log`, `logging`, `logs`, `warnings` or
    ends in `logger` (`LOGGER`, `_log`, `wandb_logger`, `runLog`), not `logits` or `catalog`."""
    return any(word in _LOGGER_WORDS or word.endswith("logger") for word in _name_words(node))


def _moves_progress_bar(call: cst.Call) -> bool:
    """`bar.update(i)`, `pbar.set_postfix(step=i)`: a progress bar's method (on a receiver named like one)
    told plain values, which moves a display."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in _PROGRESS_METHODS
        and any(word in _PROGRESS_WORDS for word in _name_words(func.value))
        and all(isinstance(arg.value, _PLAIN_VALUES) for arg in call.args)
    )


def _records_metrics(call: cst.Call) -> bool:
    """`run.log({"loss": loss})`, `self.log_dict({...})`: an experiment tracker's record of named values
    (Weights & Biases, Lightning, MLflow), whatever the receiver is called; a dict display is no array
    that `numpy.log` would take."""
    func = call.func
    first = next((arg.value for arg in call.args if not arg.keyword and not arg.star), None)
    return isinstance(func, cst.Attribute) and func.attr.value in ("log", "log_dict") and isinstance(first, cst.Dict)


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


def _calls_len(node: cst.CSTNode, filled: set[str]) -> bool:
    """`len(ids)` of a container the loop fills (`ids[name] = len(ids)`), a count that grows in loop
    order; not `len(item)`, a property of the item, nor the length of something the loop leaves as it
    is (`[True] * len(columns)`)."""
    return any(
        isinstance(call.func, cst.Name) and call.func.value == "len" and call.args
        and _root_name(call.args[0].value) in filled
        for call in descendants(node, cst.Call)
    )


def _holds_unchanged(node: cst.BaseExpression, names: set[str]) -> bool:
    """`os.path.join(out, name + ".txt")`, `out / f"{name}.json"`: a path that holds one of `names` as it
    is (not `label_of(name)` or `name[:3]`, which several items can share)."""
    if isinstance(node, cst.Name):
        return node.value in names
    if isinstance(node, cst.BinaryOperation):
        return _holds_unchanged(node.left, names) or _holds_unchanged(node.right, names)
    if isinstance(node, cst.FormattedString):
        return any(
            isinstance(part, cst.FormattedStringExpression) and _holds_unchanged(part.expression, names)
            for part in node.parts
        )
    if isinstance(node, cst.Call) and (dotted_name(node.func) or "").rpartition(".")[2] in _PATH_BUILDERS:
        return any(_holds_unchanged(arg.value, names) for arg in node.args)
    return False


def _stored_into(body: Sequence[cst.CSTNode]) -> set[str]:
    """The names a loop body stores into by subscript (`ids[name] = ...`)."""
    stored = {
        _root_name(target.target)
        for node in _walk_statements(body)
        if isinstance(node, cst.Assign)
        for target in node.targets
        if isinstance(target.target, cst.Subscript)
    }
    return {name for name in stored if name}


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


def _carried_across_items(body: Sequence[cst.CSTNode]) -> set[str]:
    """Names a loop body updates without binding them anew, so they carry what earlier items left:
    augmented assignments (`total += size`, `total = total + size`) and names whose methods are called
    for their effect (`seen.add(name)`, `out.append(name)`; not a logger's)."""
    updated: set[str] = set()
    bound: set[str] = set()
    for node in _walk_statements(body):
        if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
            updated.add(node.target.value)
        elif isinstance(node, cst.Expr) and isinstance(node.value, cst.Call) and isinstance(node.value.func, cst.Attribute):
            receiver = node.value.func.value
            if isinstance(receiver, cst.Name) and not _looks_like_logger(receiver):
                updated.add(receiver.value)
        elif isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            target = node.targets[0].target.value
            if any(name.value == target for name in _names_in(node.value)):
                updated.add(target)  # `total = total + size`
            else:
                bound.add(target)
        elif not isinstance(node, (cst.Global, cst.Nonlocal)):
            bound.update(name.value for name in _assignment_targets(node))
    return updated - bound


def _fresh_containers(body: Sequence[cst.CSTNode]) -> tuple[set[str], set[str]]:
    """Names a loop body binds to a new, empty container (`groups = {}`, `shard = {"files": []}`) once,
    with every mention of them in the body after that binding and in the same block: on each pass the
    container starts afresh before it is used, or (bound under `if failed:` and used only there) is not
    used at all, so what is added into it is each item's own. (Reset after use, when full, the
    container collects across items.) Those reset at the body's top level, and those reset in a
    nested block."""
    bound = [name.value for node in _walk_statements(body) for name in _assignment_targets(node)]

    def mentions(statements: Sequence[cst.CSTNode]) -> list[str]:
        return [name.value for statement in statements for name in descendants(statement, cst.Name)]

    everywhere = mentions(body)
    at_top: set[str] = set()
    nested: set[str] = set()
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
                        (at_top if block is body else nested).add(name)
    return at_top, nested


def _name_mentions(node: cst.CSTNode) -> Iterable[cst.Name]:
    """The names a piece of code reads or binds: not attribute names (`report.groups`), keyword names
    (`dict(groups=0)`), nor anything inside nested functions, lambdas or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current
        elif isinstance(current, cst.Attribute):
            stack.append(current.value)
        elif isinstance(current, cst.Arg):
            stack.append(current.value)
        elif not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(current.children)


def _emptied(statement: cst.BaseSmallStatement) -> str | None:
    """The name `statement` binds to a new container holding no values (`by_file = {}`,
    `shard = {"files": []}`, `by_speaker = defaultdict(list)`)."""
    if not (
        isinstance(statement, cst.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Name)
    ):
        return None
    value = statement.value
    return statement.targets[0].target.value if _holds_no_values(value) or _empty_constructor(value) else None


def _holds_no_values(value: cst.BaseExpression) -> bool:
    """A dict, list or set display that names nothing (`{}`, `{"files": []}`)."""
    return isinstance(value, (cst.Dict, cst.List, cst.Set)) and not any(True for _ in descendants(value, cst.Name))


def _empty_constructor(value: cst.BaseExpression) -> bool:
    """`dict()`, `collections.defaultdict(list)`, `defaultdict(lambda: defaultdict(list))`: a new container
    whose only argument, if any, is a factory."""
    if not isinstance(value, cst.Call):
        return False
    constructor = (dotted_name(value.func) or "").rpartition(".")[2]
    if constructor not in _EMPTY_CONSTRUCTORS:
        return False
    if not value.args:
        return True
    if constructor != "defaultdict" or len(value.args) != 1:
        return False
    factory = value.args[0].value
    if isinstance(factory, cst.Lambda):
        return _empty_constructor(factory.body) or _holds_no_values(factory.body)
    return isinstance(factory, cst.Name)


def _new_mapping(value: cst.BaseExpression) -> bool:
    """A dict made right here: a display, a comprehension, `dict(...)`, `defaultdict(list)`."""
    if isinstance(value, (cst.Dict, cst.DictComp)):
        return True
    return isinstance(value, cst.Call) and (dotted_name(value.func) or "").rpartition(".")[2] in _MAPPING_CONSTRUCTORS


def _literal_keys(value: cst.BaseExpression) -> bool:
    """A dict display naming each of its keys as a literal (`{"train": [], "val": []}`): entries that a
    loop then fills keep the display's order."""
    return (
        isinstance(value, cst.Dict)
        and bool(value.elements)
        and all(isinstance(element, cst.DictElement) and _is_literal(element.key) for element in value.elements)
    )


def _is_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float))


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


def _made_and_kept_here(function: cst.FunctionDef, name: str, lent: Callable[[], frozenset[int]]) -> bool:
    """Whether `name` is a local of `function` bound only to calls' results (`args = parser.parse_args()`:
    an object made here, not an alias of one from elsewhere) and otherwise used only through its
    attributes, never whole (returned, passed, stored, captured by a nested function) but at the
    places `lent()` gives (the ids of names handed to code that does not keep them; asked only when
    the object is used whole at all)."""
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
    if bindings == 0 or whole is None:
        return False
    if not whole:
        return True
    handed = lent()
    return all(id(node) in handed for node in whole)


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


def _stores_every_pass(body: Sequence[cst.CSTNode], mapping: str, key: str) -> bool:
    """A loop body that assigns `mapping[key] = ...` or calls a method on it (`mapping[key].sort()`) at its
    top level on every pass: no branch, `try`, `continue`, `break`, `return` or `raise` comes before it.
    (What the statement leaves in the entry is the walk's to judge.)"""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(_entry_names(target.target) == (mapping, key) for target in small.targets):
                    return True
                if (
                    isinstance(small, cst.Expr)
                    and isinstance(small.value, cst.Call)
                    and isinstance(small.value.func, cst.Attribute)
                    and _entry_names(small.value.func.value) == (mapping, key)
                ):
                    return True
                if isinstance(small, (cst.Continue, cst.Break, cst.Return, cst.Raise)):
                    return False
        elif any(True for _ in descendants(statement, (cst.Continue, cst.Break, cst.Return, cst.Raise))) or isinstance(
            statement, (cst.Try, cst.TryStar)
        ):
            return False
    return False


def _entry_names(node: cst.BaseExpression) -> tuple[str, str] | None:
    """(mapping, key) of `mapping[key]`, both plain names."""
    if not (isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and len(node.slice) == 1):
        return None
    key = node.slice[0].slice
    if not (isinstance(key, cst.Index) and isinstance(key.value, cst.Name)):
        return None
    return node.value.value, key.value.value


def _first_iteration_only(body: Sequence[cst.CSTNode]) -> bool:
    """The loop body ends with an unconditional `break` or `return`: only the first item is used (for a
    walk, the top directory, which always comes first)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    return isinstance(last, (cst.Break, cst.Return))
