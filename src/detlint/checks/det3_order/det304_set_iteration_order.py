from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from detlint.checks.base import Rule
from detlint.checks.det3_order._flows import Flow, Flows, Shape, Source, Use
from detlint.checks.det3_order._ordered_use import OrderedUseVisitor, ScopeWalker, annotation_names, split_reason
from detlint.finding import Confidence, Severity
from detlint.names import dotted_name

STR, NUMBER, UNKNOWN, EMPTY = "str", "number", "unknown", "empty"
_KIND = {"randomized": STR, "stable": NUMBER}


def join(*kinds: str) -> str:
    """The element type of a collection holding elements of all these types."""
    present = [kind for kind in kinds if kind != EMPTY]
    if not present:
        return EMPTY
    if STR in present:
        return STR
    return NUMBER if all(kind == NUMBER for kind in present) else UNKNOWN


class SetIterationOrder(OrderedUseVisitor, Rule):
    """
    ## What it does
    Checks for iteration over a set that builds ordered data. The set is a literal, `set(...)`,
    `frozenset(...)`, a set comprehension, set algebra, or a name or parameter bound to one; ordered
    data is built by `list(set(x))`,
    `enumerate(set(x))`, `{label: i for i, label in enumerate(set(labels))}`, `"".join(set(x))`,
    comprehensions over a set producing lists or dicts, and loops over a set that append, yield,
    write or index.

    ## Why is this bad?
    A set iterates in the order of its elements' hashes. The hashes of `str` and `bytes` (and of
    tuples and paths containing them) are salted with a random value when the interpreter starts, so
    the same code gives a different order in every run unless `PYTHONHASHSEED` is set before Python
    starts (setting `os.environ["PYTHONHASHSEED"]` in the running program is too late). Class indices
    built from `set(labels)` then differ between training and evaluation runs, vocabularies are
    numbered differently, and a seeded shuffle of `list(set(x))` still differs.

    Not reported: `sorted(set(x))`, `len`, membership tests, `min`/`max`/`sum`/`any`/`all`, set
    algebra, passing or returning the set itself, a dict keyed by each item, and loops whose body
    does nothing order-sensitive (a container made afresh for each item, `by_speaker =
    defaultdict(list)` at the top of the body, holds that item's data only). Lists a loop over a set
    fills under the keys of a dict the function made (`by_speaker[speaker].append(utt)`) are judged
    where the dict's values are read, as DET303 (unsorted-listing) describes. Ordered data a function
    returns or yields is judged where the file's code calls the function; when nothing in the file calls or names it (or only a wrapper that
    returns its result and is not named itself), the finding is low. Messages for people (`print`,
    logging, a logger's methods) use no order. A set of
    unknown elements that is only returned or stored for code not seen is not reported: its order may
    not vary, and nothing seen iterates it. Sets whose elements are provably numbers (`set(range(n))`, integer
    literals, `tensor.tolist()`) are not reported, because numeric hashes are the same in every run.
    In tests only an order-sensitive comparison is reported (`assertEqual(list(s), [...])`), as for
    DET303 (unsorted-listing). The finding's related location is where the order is used.

    Confidence: high when the elements are provably strings or bytes (string literals, `str(...)`,
    `.split()`, `.lower()`, file names); low when the element type is unknown (objects hashed by
    identity vary between runs too, but most such sets hold values whose hashes do not). Uses whose
    dependence on the order is a guess are not reported: taking the only element (`next(iter(s))`,
    `s.pop()`, `list(s)[0]`, a loop that returns the first element passing a test) and loops that
    call functions whose order-sensitivity cannot be told.

    ## Example
    ```python
    def label_ids(labels):
        return {label: i for i, label in enumerate(set(labels))}
    ```

    ## Use instead
    ```python
    def label_ids(labels):
        return {label: i for i, label in enumerate(sorted(set(labels)))}
    ```

    ## References
    - [Python: object.\\_\\_hash\\_\\_ (hash randomization and set order)](https://docs.python.org/3/reference/datamodel.html#object.__hash__)
    - [Python: PYTHONHASHSEED](https://docs.python.org/3/using/cmdline.html#envvar-PYTHONHASHSEED)
    - [Python: hashing of numeric types](https://docs.python.org/3/library/stdtypes.html#hashing-of-numeric-types)
    """

    code = "DET304"
    name = "set-iteration-order"
    severity = Severity.WARNING

    VALID = (
        "def ids(labels):\n    return {l: i for i, l in enumerate(sorted(set(labels)))}\n",
        # Utterances grouped by speaker from a set, each group sorted before it is used.
        "from collections import defaultdict\ndef groups(pairs):\n    by_speaker = defaultdict(list)\n"
        "    for speaker, utt in set(pairs):\n        by_speaker[speaker].append(str(utt))\n"
        "    return {s: sorted(u)[:2] for s, u in by_speaker.items()}\n",
        "def f(words):\n    return len(set(words))\n",
        "def f(word, stop):\n    return word in set(stop)\n",
        "def f(x):\n    if x in {'a', 'b'}:\n        return 1\n",
        "def f(words):\n    return set(words)\n",
        "def f(a, b):\n    return set(a) | set(b)\n",
        "def f(a, b):\n    common = set(a) & set(b)\n    return len(common), max(common)\n",
        "def f(n):\n    return list(set(range(n)))\n",
        "def f():\n    return [x * 2 for x in {1, 2, 3}]\n",
        "def f(xs):\n    return list({int(x) for x in xs})\n",
        "import os\ndef f():\n    for name in {'train', 'val'}:\n        os.makedirs(name, exist_ok=True)\n",
        "def f(words):\n    seen = set()\n    for w in words:\n        seen.add(w)\n    return sorted(seen)\n",
        "def f(labels):\n    uniq = list(set(labels))\n    uniq.sort()\n    return uniq\n",
        "def f(labels):\n    return ', '.join(sorted(set(labels)))\n",
        "def f(keys):\n    raise KeyError(f\"unknown keys: {', '.join(set(keys))}\")\n",
        "def f(keys, d):\n    for k in set(keys):\n        del d[k]\n",
        "def f(tags: set[str]):\n    return sorted(tags)\n",
        "def f(words):\n    return sum(len(w) for w in set(words))\n",
        "def f(words):\n    return {w.lower() for w in set(words)}\n",
        "def f(t):\n    return list(set(t.tolist()))\n",
        "def f(h, b):\n    return list(set(h.tolist()).symmetric_difference(b.tolist()))\n",
        "import sys\ndef uncache(*names):\n    for name in names:\n        del sys.modules[name]\n"
        "def f(modules):\n    uncache(*set(modules))\n",
        "def f(words):\n    index = {}\n    for w in set(words):\n        index[w] = len(w)\n    return index\n",
        # Each item adds to a list of its own: `ratings[item]` is a different entry for every item.
        "from collections import defaultdict\ndef f(reviews):\n    ratings = defaultdict(list)\n    for review in reviews:\n"
        "        for item in set(review.text.lower().split()):\n            ratings[item].append(review.stars)\n"
        "    return ratings\n",
        # Tests: order-free assertions, and what a test does with the order besides comparing it.
        "import unittest\nclass T(unittest.TestCase):\n    def test_words(self):\n        words = {'b', 'a'}\n"
        "        self.assertCountEqual(list(words), ['a', 'b'])\n        self.assertEqual(sorted(words), ['a', 'b'])\n"
        "        self.check(*words)\n",
        "def test_words():\n    words = list({'b', 'a'})\n    assert words[0] in ('a', 'b')\n    assert set(words) == {'a', 'b'}\n",
    )
    INVALID = (
        "def ids(labels):\n    return {l: i for i, l in enumerate(set(labels))}  # DET304\n",
        # Paths grouped by folder in hash order, then the first two of each folder kept.
        "from collections import defaultdict\ndef firsts(paths):\n    by_folder = defaultdict(list)\n"
        "    for path in set(str(p) for p in paths):  # DET304\n        by_folder[path.rsplit('/', 1)[0]].append(path)\n"
        "    return {folder: files[:2] for folder, files in by_folder.items()}\n",
        "def f(text):\n    return list(set(text.split()))  # DET304\n",
        "def f(s):\n    return ''.join(set(s.split()))  # DET304\n",
        "def f(text):\n    vocab = set(text.lower().split())  # DET304\n    return [w for w in vocab]\n",
        "def f():\n    out = []\n    for split in {'train', 'val', 'test'}:  # DET304\n        out.append(split)\n    return out\n",
        "import random\ndef f(labels):\n    classes = list(set(labels))  # DET304\n    random.seed(0)\n    random.shuffle(classes)\n    return classes\n",
        "def f(a, b):\n    return list(set(a.split()) - set(b.split()))  # DET304\n",
        # elements of unknown type, in a set whose order a caller in the file uses
        "def f(a, b):\n    return list(set(a) - set(b))  # DET304\nids = {x: i for i, x in enumerate(f(['x'], []))}\n",
        "def f(tags: set[str]):  # DET304\n    for t in tags:\n        yield t\n",
        "def f(rows):\n    names = {str(r.name) for r in rows}  # DET304\n    return tuple(names)\n",
        "def f(words):\n    seen = set()  # DET304\n    for w in words:\n        seen.add(w.lower())\n    return list(seen)\n",
        "import numpy as np\ndef f(path):\n    return np.array(list(set(open(path).read().split())))  # DET304\n",
        "def f(words):\n    return dict(zip(set(words), range(100)))  # DET304\n",
        "def ordered(*names):\n    return list(names)\ndef f(words):\n    return ordered(*{w.lower() for w in words})  # DET304\n",
        "def label_ids(labels):\n    ids = {}\n    for label in set(labels):  # DET304\n        ids[label] = len(ids)\n"
        "    return ids\n",
        # Items grouped under a key they share: each group's list is in the set's order.
        "from collections import defaultdict\ndef f(words):\n    groups = defaultdict(list)\n"
        "    for word in {w.lower() for w in words}:  # DET304\n        groups[word[0]].append(word)\n    return groups\n",
        "import unittest\nclass T(unittest.TestCase):\n    def test_words(self):\n"
        "        self.assertEqual(list({'a', 'b'}), ['a', 'b'])  # DET304\n",
    )

    # -- element types ------------------------------------------------------------------------------
    def element_kind(self, walker: ScopeWalker, node: cst.BaseExpression, bound: dict[str, str]) -> str:
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return STR  # str and bytes hashes are both salted
        if isinstance(node, cst.FormattedString):
            return STR
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return NUMBER
        if isinstance(node, cst.Name):
            if node.value in ("True", "False"):
                return NUMBER
            return bound.get(node.value, UNKNOWN)
        if isinstance(node, cst.UnaryOperation):
            return NUMBER if self.element_kind(walker, node.expression, bound) == NUMBER else UNKNOWN
        if isinstance(node, cst.Tuple):
            kinds = [self.element_kind(walker, element.value, bound) for element in node.elements]
            return join(*kinds) if kinds else NUMBER
        if isinstance(node, cst.BinaryOperation):
            left = self.element_kind(walker, node.left, bound)
            right = self.element_kind(walker, node.right, bound)
            if STR in (left, right) and isinstance(node.operator, (cst.Add, cst.Modulo)):
                return STR
            return NUMBER if left == right == NUMBER else UNKNOWN
        if isinstance(node, cst.Call):
            index = walker.index
            callee = walker.callee(node.func)
            if callee in index.hash_callables:
                return _KIND[index.hash_callables[callee]]
            if isinstance(node.func, cst.Attribute) and not self._resolved(node.func):
                method = node.func.attr.value
                if method in index.hash_methods:
                    return _KIND[index.hash_methods[method]]
        return UNKNOWN

    def iterable_kind(self, walker: ScopeWalker, node: cst.BaseExpression | None) -> str:
        """The element type of what iterating `node` gives."""
        if node is None:
            return EMPTY
        index = walker.index
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return NUMBER if _is_bytes(node) else STR  # characters, or the ints of a bytes literal
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            kinds = [
                self.iterable_kind(walker, element.value)
                if isinstance(element, cst.StarredElement)
                else self.element_kind(walker, element.value, {})
                for element in node.elements
            ]
            return join(*kinds)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return self.element_kind(walker, node.elt, self._comprehension_kinds(walker, node))
        if isinstance(node, cst.Name):
            flows = walker.bindings.get(node.value, ())
            kinds = [flow.source.elements for flow in flows if flow.source.kind == "set"]
            kinds += [STR for flow in flows if flow.source.kind in ("listing", "walk")]
            fact = walker.facts.get(node.value)
            if isinstance(fact, str):
                kinds.append(fact)
            return join(*kinds) if kinds else UNKNOWN
        if isinstance(node, cst.Call):
            callee = walker.callee(node.func)
            first = node.args[0].value if node.args and not node.args[0].keyword else None
            if callee in index.hash_iterable_callables:
                return _KIND[index.hash_iterable_callables[callee]]
            if callee in index.listing_callables:
                return STR
            consumer = index.consumer_callables.get(callee) if callee else None
            if callee == "map" and first is not None:
                mapped = walker.callee(first)
                if mapped in index.hash_callables:
                    return _KIND[index.hash_callables[mapped]]
                return UNKNOWN
            if consumer is not None and consumer["effect"] in ("sorts", "preserves-order", "ignores-order"):
                if callee in ("len", "sum", "any", "all", "bool", "isinstance", "min", "max"):
                    return UNKNOWN
                return self.iterable_kind(walker, first)
            if callee in index.sets["callables"]:
                return self.iterable_kind(walker, first)
            if isinstance(node.func, cst.Attribute) and not self._resolved(node.func):
                method = node.func.attr.value
                if method in index.hash_iterable_methods:
                    return _KIND[index.hash_iterable_methods[method]]
                if method in index.listing_methods:
                    return STR  # paths hash their string
        return UNKNOWN

    def _comprehension_kinds(self, walker: ScopeWalker, node: cst.BaseComp) -> dict[str, str]:
        kinds: dict[str, str] = {}
        generator = node.for_in
        while generator is not None:
            if isinstance(generator.target, cst.Name):
                kinds[generator.target.value] = self.iterable_kind(walker, generator.iter)
            generator = generator.inner_for_in
        return kinds

    def _resolved(self, func: cst.BaseExpression) -> bool:
        imports = self.context.imports
        return imports.resolve(func) is not None and not imports.resolved_through_star(func)

    # -- hooks --------------------------------------------------------------------------------------
    def order_call_source(self, walker: ScopeWalker, call: cst.Call) -> Source | None:
        if walker.callee(call.func) not in walker.index.sets["callables"]:
            return None
        if any(arg.keyword or arg.star for arg in call.args):
            return None
        elements = self.iterable_kind(walker, call.args[0].value) if call.args else EMPTY
        return self._new(walker, call, elements)

    def order_display_source(self, walker: ScopeWalker, node: cst.CSTNode) -> Source | None:
        if isinstance(node, cst.Set):
            return self._new(walker, node, self.iterable_kind(walker, node))
        if isinstance(node, cst.SetComp):
            return self._new(walker, node, self.element_kind(walker, node.elt, self._comprehension_kinds(walker, node)))
        return None

    def order_set_result(
        self, walker: ScopeWalker, node: cst.CSTNode, operands: Sequence[Flows], operator: str
    ) -> Source | None:
        nodes = _operand_nodes(node)
        kinds = [
            self.iterable_kind(walker, operand) if operand is not None and self._flows_kind(flows) == UNKNOWN
            else self._flows_kind(flows)
            for flows, operand in zip(operands, nodes + [None] * (len(operands) - len(nodes)))
        ]  # fmt: skip
        if operator in ("&", "intersection"):
            elements = NUMBER if NUMBER in kinds else join(*kinds)
        elif operator in ("-", "difference"):
            elements = kinds[0] if kinds[0] != UNKNOWN or len(kinds) == 1 else join(*kinds)
        else:
            elements = join(*kinds)
        return self._new(walker, node, elements)

    @staticmethod
    def _flows_kind(flows: Flows) -> str:
        kinds = [flow.source.elements for flow in flows if flow.shape is Shape.SET]
        return join(*kinds) if kinds else UNKNOWN

    def order_set_insert(self, walker: ScopeWalker, flows: Flows, value: cst.BaseExpression, iterable: bool) -> None:
        kind = self.iterable_kind(walker, value) if iterable else self.element_kind(walker, value, {})
        for flow in flows:
            if flow.shape is Shape.SET:
                flow.source.elements = join(flow.source.elements, kind)

    def order_parameter(self, walker: ScopeWalker, param: cst.Param) -> None:
        annotation = param.annotation.annotation
        names = annotation_names(walker, annotation)
        if not any(name in walker.index.sets["annotations"] for name in names):
            return
        elements = UNKNOWN
        inner = _type_argument(annotation)
        if inner is not None:
            argument = walker.callee(inner) if isinstance(inner, (cst.Name, cst.Attribute)) else None
            elements = {"str": STR, "bytes": STR, "int": NUMBER, "float": NUMBER}.get(argument or "", UNKNOWN)
        source = walker.new_source(
            param.name, f"the set parameter `{param.name.value}`", Confidence.HIGH, kind="set", elements=elements
        )
        walker.bindings[param.name.value] = (Flow(source, Shape.SET, via=f"`{param.name.value}`"),)

    def order_name_fact(self, walker: ScopeWalker, value: cst.BaseExpression) -> object:
        kind = self.iterable_kind(walker, value)
        return kind if kind in (STR, NUMBER) else None

    def order_cap(self, source: Source) -> Confidence | None:
        if source.elements == NUMBER:
            return None  # numeric hashes are the same in every run
        # Strings hash differently in every run; whether other elements do (identity hashes, strings
        # inside tuples) is not known statically.
        return Confidence.HIGH if source.elements == STR else Confidence.LOW

    def _new(self, walker: ScopeWalker, node: cst.CSTNode, elements: str) -> Source:
        return walker.new_source(node, f"`{walker.code(node)}`", Confidence.HIGH, kind="set", elements=elements)

    def order_message(self, source: Source, use: Use) -> tuple[str, str, str]:
        if source.elements == STR:
            why = (
                "It is a set of strings: its iteration order follows string hashing, which changes from run to "
                "run unless PYTHONHASHSEED is fixed."
            )
        else:
            why = (
                "It is a set: its iteration order follows hashing, which for strings changes from run to run "
                "unless PYTHONHASHSEED is fixed."
            )
        subject = use.via or "the result"
        done, follows = split_reason(use.reason)
        return (
            f"{source.label} iterates in hash order and {subject} {done}",
            f"{why} {follows}".strip(),
            "Iterate `sorted(...)` of it (or deduplicate with `dict.fromkeys(...)` to keep first-seen order)",
        )


def _operand_nodes(node: cst.CSTNode) -> list[cst.BaseExpression | None]:
    """The operands of set algebra as written: `a | b`, or `a.union(b, c)` (receiver first)."""
    if isinstance(node, cst.BinaryOperation):
        return [node.left, node.right]
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return [node.func.value, *(arg.value for arg in node.args)]
    return []


def _is_bytes(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.ConcatenatedString):
        return _is_bytes(node.left)
    return isinstance(node, cst.SimpleString) and "b" in node.prefix.lower()


def _type_argument(annotation: cst.BaseExpression) -> cst.BaseExpression | None:
    """`str` in `set[str]` / `Set[str]` / `Optional[set[str]]` / `set[str] | None`."""
    if isinstance(annotation, cst.BinaryOperation):
        return _type_argument(annotation.left) or _type_argument(annotation.right)
    if isinstance(annotation, cst.Subscript) and len(annotation.slice) == 1:
        inner = annotation.slice[0].slice
        if not isinstance(inner, cst.Index):
            return None
        head = (dotted_name(annotation.value) or "").rsplit(".", 1)[-1]
        if head in ("Optional", "Union"):
            return _type_argument(inner.value)
        return inner.value
    return None
