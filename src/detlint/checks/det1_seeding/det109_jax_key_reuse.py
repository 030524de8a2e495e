from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from detlint.analysis.statements import descendants
from detlint.checks.base import Rule
from detlint.finding import Severity, short_code
from detlint.names import argument, code_of, literal_value


# Each followed key name -> the calls that consumed what it holds since it was last bound, in order.
_State = dict[str, list[cst.Call]]


class JaxKeyReuse(Rule):
    """
    ## What it does
    Checks JAX code that passes one random key to two consumers: two draws
    (`jax.random.normal(key, ...)`, then `jax.random.uniform(key, ...)`), a draw from a key that was
    already split, or a draw inside a loop or comprehension from a key bound outside it. A key is
    followed by name (also `keys[0]`) within a function; rebinding the name (`key, sub =
    jax.random.split(key)`) gives it a fresh key. Uses in the two branches of an `if` are not both run.

    ## Why is this bad?
    JAX's random functions are pure: the key alone decides the bits, so two draws from one key are
    the same numbers (or, for different distributions, numbers computed from the same bits), and a
    draw in a loop repeats in every iteration. Dropout masks, noise and initialisations that were
    meant to be independent are identical: the run is repeatable, but it does not compute what the
    code says.

    ## Example
    ```python
    import jax

    key = jax.random.PRNGKey(0)
    weights = jax.random.normal(key, (128, 10))
    noise = jax.random.normal(key, (128, 10))
    ```

    ## Use instead
    ```python
    import jax

    key = jax.random.PRNGKey(0)
    key, weights_key, noise_key = jax.random.split(key, 3)
    weights = jax.random.normal(weights_key, (128, 10))
    noise = jax.random.normal(noise_key, (128, 10))
    ```

    ## References
    - [JAX: Pseudorandom numbers](https://docs.jax.dev/en/latest/random-numbers.html)
    - [JAX: jax.random](https://docs.jax.dev/en/latest/jax.random.html)
    """

    code = "DET109"
    name = "jax-key-reuse"
    severity = Severity.WARNING
    frameworks = frozenset({"jax"})

    VALID = (
        "import jax\nkey = jax.random.PRNGKey(0)\nkey, sub = jax.random.split(key)\nx = jax.random.normal(sub, (3,))\n"
        "key, sub = jax.random.split(key)\ny = jax.random.normal(sub, (3,))\n",
        "import jax\ndef f(key, flip):\n    if flip:\n        return jax.random.bernoulli(key)\n"
        "    else:\n        return jax.random.normal(key)\n",
        "import jax\ndef f(key, flip):\n    if flip:\n        return jax.random.bernoulli(key)\n"
        "    return jax.random.normal(key)\n",
        "import jax\ndef f(key):\n    for i in range(3):\n        key, sub = jax.random.split(key)\n"
        "        print(jax.random.uniform(sub))\n",
        "import jax\nkeys = jax.random.split(jax.random.PRNGKey(0), 2)\n"
        "a = jax.random.normal(keys[0])\nb = jax.random.normal(keys[1])\n",
        "import jax\ndef f(key, n):\n    return [jax.random.normal(jax.random.fold_in(key, i)) for i in range(n)]\n",
    )
    INVALID = (
        "import jax\nkey = jax.random.PRNGKey(0)\nw = jax.random.normal(key, (3, 3))\n"
        "noise = jax.random.normal(key, (3, 3))  # DET109\n",
        "import jax\ndef init(key):\n    a, b = jax.random.split(key)\n    return jax.random.uniform(key)  # DET109\n",
        "import jax\ndef f(key):\n    out = []\n    for i in range(3):\n"
        "        out.append(jax.random.normal(key, (2,)))  # DET109\n    return out\n",
        "import jax\ndef f(key):\n    return [jax.random.uniform(key) for _ in range(4)]  # DET109\n",
        "import jax\nkeys = jax.random.split(jax.random.PRNGKey(0), 2)\n"
        "a = jax.random.normal(keys[0])\nb = jax.random.bernoulli(keys[0])  # DET109\n",
    )

    def visit_Module(self, node: cst.Module) -> None:
        self._reported: set[int] = set()
        self._block(node.body, {})

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._block(_body(node), {})

    # -- statements ---------------------------------------------------------------------------------
    def _block(self, statements: Sequence[cst.CSTNode], state: _State) -> _State:
        for statement in statements:
            state = self._statement(statement, state)
        return state

    def _statement(self, node: cst.CSTNode, state: _State) -> _State:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return state  # a scope of its own
        if isinstance(node, cst.If):
            self._expression(node.test, state)
            taken = self._block(_body(node), _copy(state))
            other = self._statement(node.orelse, _copy(state)) if isinstance(node.orelse, cst.If) else (
                self._block(_body(node.orelse), _copy(state)) if node.orelse is not None else _copy(state)
            )
            # A branch that returns (or raises, breaks, continues) does not reach what follows the `if`.
            if _leaves_block(_body(node)):
                return other
            if node.orelse is not None and not isinstance(node.orelse, cst.If) and _leaves_block(_body(node.orelse)):
                return taken
            return _merge(taken, other)
        if isinstance(node, (cst.For, cst.While)):
            self._expression(node.iter if isinstance(node, cst.For) else node.test, state)
            # Twice: a key bound before the loop and consumed in it, never rebound, is consumed again in
            # the next iteration (the loop's own target is bound anew each time).
            after = self._block(_body(node), _bind(node.target, state) if isinstance(node, cst.For) else state)
            after = self._block(_body(node), _bind(node.target, after) if isinstance(node, cst.For) else after)
            return self._block(_body(node.orelse), after) if node.orelse is not None else after
        if isinstance(node, (cst.With, cst.Try, cst.TryStar)):
            for item in getattr(node, "items", ()):
                self._expression(item.item, state)
            state = self._block(_body(node), state)
            for handler in getattr(node, "handlers", ()):
                state = _merge(state, self._block(_body(handler), _copy(state)))
            for part in (getattr(node, "orelse", None), getattr(node, "finalbody", None)):
                if part is not None:
                    state = self._block(_body(part), state)
            return state
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self._small(small, state)
            return state
        for child in node.children:  # match statements and others: their expressions, in order
            if isinstance(child, cst.BaseExpression):
                self._expression(child, state)
        return state

    def _small(self, node: cst.CSTNode, state: _State) -> None:
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            if node.value is not None:
                self._expression(node.value, state)
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                _bind(target, state)
            return
        if isinstance(node, cst.BaseSmallStatement):
            for child in node.children:
                if isinstance(child, cst.BaseExpression):
                    self._expression(child, state)

    # -- expressions --------------------------------------------------------------------------------
    def _expression(self, node: cst.CSTNode, state: _State) -> None:
        """The consuming calls of an expression, in order. What a comprehension computes runs once per
        element; a lambda's body runs when called, with keys of its own."""
        repeated: dict[int, frozenset[str]] = {}  # call -> names its comprehensions bind
        for comprehension in descendants(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            bound = frozenset(_comprehension_names(comprehension))
            for call in descendants(comprehension, (cst.Call,)):
                repeated[id(call)] = repeated.get(id(call), frozenset()) | bound
        for call in descendants(node, (cst.Call,), skip=(cst.Lambda,)):
            self._consume(call, state, repeated.get(id(call)))

    def _consume(self, call: cst.Call, state: _State, repeated: frozenset[str] | None) -> None:
        qualname = self.qualname(call.func)
        entry = self.catalog.rng.key_consumers.get(qualname) if qualname else None
        if entry is None:
            return
        where = entry["key_argument"]
        found = argument(call, where["keyword"], where.get("position"))
        name = _key_name(found.value) if found is not None else None
        if name is None or (repeated is not None and name.partition("[")[0].partition(".")[0] in repeated):
            return  # not followed, or bound per element by the comprehension
        key = state.setdefault(name, [])
        # In a comprehension, what runs once per element reuses a key bound outside it.
        uses = [*key, call] if repeated is None else [*key, call, call]
        if len(uses) > 1 and id(call) not in self._reported:
            self._reported.add(id(call))
            first = uses[-2]
            again = "in every iteration" if first is call else f"after `{short_code(code_of(first))}`"
            self.report(
                call,
                f"`{short_code(code_of(call))}` reuses the key `{name}` {again}",
                detail="JAX's random functions are pure: one key gives the same bits to every call that consumes "
                "it, so these draws are identical or correlated, not independent.",
                help=f"Split a fresh key for each draw: `{name}, subkey = jax.random.split({name})`",
                related=() if first is call else ((first, "the key was consumed here"),),
            )
        key.append(call)


def _body(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    body = getattr(node, "body", None)
    if isinstance(body, cst.BaseSuite):
        inner = body.body
        return inner if isinstance(inner, Sequence) else ()
    return body if isinstance(body, Sequence) else ()


def _leaves_block(statements: Sequence[cst.CSTNode]) -> bool:
    last = statements[-1] if statements else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(
        last.body[-1], (cst.Return, cst.Raise, cst.Break, cst.Continue)
    )


def _key_name(node: cst.BaseExpression) -> str | None:
    """`key`, `self.key` or `keys[0]`: what a key is followed by."""
    if isinstance(node, (cst.Name, cst.Attribute)):
        return code_of(node)
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        if isinstance(literal_value(node.slice[0].slice.value), (int, str)):
            return code_of(node)
    return None


def _comprehension_names(node: cst.BaseComp | cst.DictComp) -> list[str]:
    names, clause = [], node.for_in
    while clause is not None:
        names.extend(name.partition("[")[0] for name in _bound_names(clause.target))
        clause = clause.inner_for_in
    return names


def _bound_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, (cst.Name, cst.Attribute, cst.Subscript)):
        return [code_of(target)]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _bound_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return []


def _bind(target: cst.BaseExpression, state: _State) -> _State:
    """A name bound anew holds a new key, and so do its subscripts (`keys = split(...)` renews `keys[0]`)."""
    for name in _bound_names(target):
        for known in [known for known in state if known == name or known.startswith((name + "[", name + "."))]:
            del state[known]
        state[name] = []
    return state


def _copy(state: _State) -> _State:
    return {name: list(uses) for name, uses in state.items()}


def _merge(first: _State, second: _State) -> _State:
    """After an `if`: a key consumed in either branch is consumed."""
    merged = _copy(first)
    for name, uses in second.items():
        known = merged.setdefault(name, [])
        known.extend(use for use in uses if use not in known)
    return merged
