"""The semantic model on its own: the statement walker's order, bindings merged across branches and
loops, updates and opaque names, and the instances names and attributes hold."""

from __future__ import annotations

import textwrap

import libcst as cst

from detlint.analysis.model import SemanticModel
from detlint.analysis.scopes import Scope
from detlint.analysis.statements import parameters, statements, target_names
from detlint.analysis.values import Device, Instance, device_of
from detlint.catalogs.loader import load_catalog
from detlint.checks.base import FileContext
from detlint.engine import _Tracker
from detlint.names import ImportTable, code_of
from detlint.walk import visit_batched


def _module(source: str) -> cst.Module:
    return cst.parse_module(textwrap.dedent(source))


# -- the statement walker ------------------------------------------------------------------------------
def test_statements_come_in_source_order_through_every_compound_statement():
    module = _module(
        """
        a = 1
        if t:
            b = 1
        elif u:
            c = 1
        else:
            d = 1
        for x in y:
            e = 1
        else:
            f = 1
        while w:
            g = 1
        try:
            h = 1
        except E:
            i = 1
        else:
            j = 1
        finally:
            k = 1
        with m() as n:
            o = 1
        match p:
            case 1:
                q = 1
        if s: r = 1
        """
    )
    names = [
        small.targets[0].target.value
        for statement in statements(module.body)
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
        for small in statement.body
    ]
    assert names == list("abcdefghijkoqr")


def test_nested_definitions_are_walked_only_when_asked():
    module = _module(
        """
        def f():
            inner = 1
        class C:
            attribute = 2
        outer = 3
        """
    )
    shallow = [code_of(statement) for statement in statements(module.body)]
    deep = [code_of(statement) for statement in statements(module.body, into_definitions=True)]
    assert "inner = 1" not in shallow and "attribute = 2" not in shallow and "outer = 3" in shallow
    assert deep.index("inner = 1") < deep.index("attribute = 2") < deep.index("outer = 3")


def test_targets_and_parameters():
    target = cst.parse_expression("(a, [b, *c]), d.e")
    assert list(target_names(target)) == ["a", "b", "c"]
    function = cst.parse_statement("def f(a, /, b, *args, c, **kwargs): pass")
    assert parameters(function) == ("a", "b", "c", "args", "kwargs")
    assert parameters(function, variadic=False) == ("a", "b", "c")


# -- scopes and bindings ------------------------------------------------------------------------------
def _scope(source: str) -> Scope:
    return Scope(_module(source).body)


def test_a_name_assigned_in_both_branches_keeps_both_values_in_order():
    scope = _scope(
        """
        if fast:
            params = {"seed": 1}
        else:
            params = {"seed": 2}
        """
    )
    values = [code_of(value) for _, value in scope.bindings["params"].values]
    assert values == ['{"seed": 1}', '{"seed": 2}']
    assert scope.bindings["params"].opaque is None


def test_assignments_in_a_loop_body_are_kept_and_its_variable_is_opaque():
    scope = _scope(
        """
        total = 0
        for item in items:
            total = total + item
        """
    )
    assert [code_of(value) for _, value in scope.bindings["total"].values] == ["0", "total + item"]
    assert scope.bindings["item"].opaque == "a loop variable"


def test_updates_are_recorded_with_their_keys():
    scope = _scope(
        """
        params = {}
        params["seed"] = 1
        params.setdefault("depth", 3)
        params.update(extra)
        count = 0
        count += 1
        """
    )
    updates = [(key, code_of(value)) for _, key, value, _ in scope.bindings["params"].updates]
    assert updates == [("seed", "1"), ("depth", "3"), (None, "params.update(extra)")]
    assert [(key, code_of(value)) for _, key, value, _ in scope.bindings["count"].updates] == [(None, "1")]


def test_with_targets_and_unpacking_are_opaque_and_plain_names_are_not():
    scope = _scope(
        """
        with open(path) as handle:
            pass
        left, right = pair
        plain = 1
        """
    )
    assert scope.bindings["handle"].opaque == "a with-statement target"
    assert scope.bindings["left"].opaque == scope.bindings["right"].opaque == "an unpacking assignment"
    assert scope.bindings["plain"].opaque is None


def test_the_index_of_a_statement_follows_the_walker():
    module = _module("a = 1\nif t:\n    b = 2\nc = 3\n")
    scope = Scope(module.body)
    nested = module.body[1].body.body[0]
    assert [scope.index_of(module.body[0]), scope.index_of(nested), scope.index_of(module.body[2])] == [0, 2, 3]
    assert scope.index_of(cst.parse_statement("d = 4")) is None


def test_every_other_binding_form_makes_a_name_opaque():
    scope = _scope(
        """
        import numpy as np, os.path
        from torch import nn
        if (found := search()) is None:
            pass
        elif (other := search()):
            pass
        sizes = [last := size for size in shapes]
        try:
            pass
        except ValueError as error:
            pass
        def helper():
            inner = 1
        class Holder:
            pass
        gone = 1
        del gone
        global shared
        """
    )
    opaque = {name: binding.opaque for name, binding in scope.bindings.items()}
    assert opaque["np"] == opaque["os"] == opaque["nn"] == "an import"
    assert opaque["found"] == opaque["other"] == opaque["last"] == "an assignment expression"
    assert opaque["error"] == "an exception name"
    assert opaque["helper"] == opaque["Holder"] == "a definition"
    assert opaque["gone"] == "a del statement" and opaque["shared"] == "a global declaration"
    assert opaque["sizes"] is None and "inner" not in opaque  # a nested function is a scope of its own


def test_captures_nested_rebindings_and_in_place_changes_make_a_name_opaque():
    scope = _scope(
        """
        match command:
            case [first, *rest] if (checked := first):
                pass
            case {"k": value, **others}:
                pass
        @register(tag := "x")
        def rebind():
            nonlocal counter
            global total
        heatmap = load()
        heatmap.mul_(scale)
        grid = load()
        grid[:, 0] = other
        """
    )
    opaque = {name: binding.opaque for name, binding in scope.bindings.items()}
    assert opaque["first"] == opaque["rest"] == opaque["value"] == opaque["others"] == "a match capture"
    assert opaque["checked"] == opaque["tag"] == "an assignment expression"
    assert opaque["counter"] == opaque["total"] == "rebound by a nested definition"
    assert opaque["heatmap"] == "changed in place"
    assert opaque["grid"] is None and scope.bindings["grid"].updates


def _value_at(source: str, name: str, *path: int) -> str | None:
    """The value of `name` at the statement reached by `path` (indices into nested bodies)."""
    module = _module(source)
    stack, body = [], module.body
    for index in path:
        stack.append(body[index])
        body = stack[-1].body.body if hasattr(stack[-1].body, "body") else ()
    value = Scope(module.body).value_at(name, stack)
    return code_of(value) if value is not None else None


def test_a_name_holds_its_latest_assignment_in_a_block_around_the_read():
    source = "x = load()\nx = x.float()\nif t:\n    y = f(x)\n"
    assert _value_at(source, "x", 2, 0) == "x.float()"
    assert _value_at(source, "x", 1) == "load()"  # `x = x.float()` reads the x bound before
    assert _value_at("if t:\n    x = load()\ny = f(x)\n", "x", 1) is None  # assigned in one branch only
    assert _value_at("x = a()\nif t:\n    x = b()\ny = f(x)\n", "x", 2) is None
    assert _value_at("y = f(x)\nx = load()\n", "x", 0) is None  # not assigned yet
    assert _value_at("x = a()\nx += b\ny = f(x)\n", "x", 2) is None  # updated


def test_a_later_assignment_in_a_loop_around_the_read_carries_its_value_over():
    carried = "x = a()\nfor step in steps:\n    y = f(x)\n    x = g(y)\n"
    assert _value_at(carried, "x", 1, 0) is None
    after_the_loop = "x = a()\nfor step in steps:\n    y = f(x)\nx = g(y)\n"
    assert _value_at(after_the_loop, "x", 1, 0) == "a()"
    in_the_loop = "for step in steps:\n    x = a()\n    y = f(x)\n"
    assert _value_at(in_the_loop, "x", 0, 1) == "a()"
    # Reassigned ahead of the read on every pass: what the previous pass left is never read.
    every_pass = "x = a()\nwhile t:\n    x = b()\n    y = f(x)\n    x = g(y)\n"
    assert _value_at(every_pass, "x", 1, 1) == "b()"


def test_a_with_body_always_runs_and_continues_the_block_around_it():
    source = "with lock:\n    x = a()\ny = f(x)\n"
    assert _value_at(source, "x", 1) == "a()"
    assert _value_at("try:\n    x = a()\nexcept E:\n    pass\ny = f(x)\n", "x", 1) is None


# -- values -------------------------------------------------------------------------------------------
def _model(source: str, module_name: str = "pkg.train") -> SemanticModel:
    module = _module(source)
    context = FileContext("pkg/train.py", module, ImportTable.from_module(module, "pkg"), load_catalog())
    context.model = model = SemanticModel(context, module_name)
    visit_batched(module, [_Tracker(context), model])
    return model


def test_an_instance_is_followed_through_methods_that_return_the_object_itself():
    model = _model(
        """
        import torch
        from torch import nn
        from pkg.nets import Net
        device = torch.device("cuda")
        model = Net().to(device).eval()
        same = model.train()
        opt = torch.optim.Adam(model.parameters())
        summary = model.summary()
        """
    )
    assert model.instance("model").callee == "pkg.nets.Net"
    assert model.instance("same").callee == "pkg.nets.Net"
    assert model.instance("opt").callee == "torch.optim.Adam"
    # Not a method that returns the object: what it returns is only known by the name that made it.
    assert model.instance("summary") == Instance("model.summary", qualified=False)


def test_attributes_hold_instances_in_every_method_and_local_names_alias_them():
    source = """
        from torch import nn
        class Block(nn.Module):
            pass
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = Block()
                self.size = 3
            def forward(self, x):
                block = self.block
                return block(x)
        """
    model = _model(source)
    assert model.attribute("Net", "block").callee == "Block"
    assert model.attribute("Net", "size") is None
    assert model.classes == {"Block": ("torch.nn.Module",), "Net": ("torch.nn.Module",)}

    aliases = []

    class Probe(cst.BatchableCSTVisitor):
        def leave_Return(self, node: cst.Return) -> None:
            aliases.append(model.alias("block"))

    module = _module(source)
    context = FileContext("pkg/train.py", module, ImportTable.from_module(module, "pkg"), load_catalog())
    context.model = model = SemanticModel(context, "pkg.train")
    visit_batched(module, [_Tracker(context), model, Probe()])
    assert aliases == ["self.block"]


def test_a_loader_keeps_its_dataset_and_knows_its_workers():
    model = _model(
        """
        from torch.utils.data import DataLoader
        from pkg.data import Images
        serial = DataLoader(Images(root))
        parallel = DataLoader(Images(root), num_workers=4)
        """
    )
    serial, parallel = model.instance("serial"), model.instance("parallel")
    assert serial.held.callee == "pkg.data.Images" and not serial.in_workers and serial.loader == -1
    assert parallel.held.callee == "pkg.data.Images" and parallel.in_workers and parallel.loader == 0


def test_methods_called_on_names_and_on_results_and_where_results_are_bound():
    model = _model(
        """
        import torch
        g = torch.Generator()
        g.manual_seed(0)
        h = torch.Generator().manual_seed(1)
        """
    )
    assert model.methods_on("g") == {"manual_seed"}
    assert model.methods_on("h") == frozenset()
    calls = [node for node in _calls(model.context.module) if code_of(node.func) == "torch.Generator"]
    assert [model.bound_to(call) for call in calls] == ["g", None]
    assert [set(model.methods_on_result(call)) for call in calls] == [set(), {"manual_seed"}]


def _calls(module: cst.Module) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    module.visit(Calls())
    return found


def test_devices():
    catalog = load_catalog()
    device = lambda text: device_of(catalog, cst.parse_expression(text))  # noqa: E731
    assert device('"cuda" if torch.cuda.is_available() else "cpu"') is Device.CUDA
    assert device('f"cuda:{rank}"') is Device.CUDA
    assert device('"cuda:1"') is Device.CUDA
    assert device('"cpu"') is Device.CPU
    assert device('"cudaish"') is Device.UNKNOWN
    assert device("args.device") is Device.UNKNOWN


def test_the_last_write_to_a_module_attribute_is_kept_per_block():
    model = _model(
        """
        import torch
        from torch.backends import cudnn
        torch.backends.cudnn.benchmark = True
        cudnn.benchmark = False
        setattr(cudnn, "deterministic", True)
        if fast:
            cudnn.benchmark = True
        else:
            cudnn.deterministic = False
        local = 1
        """
    )
    blocks = [
        {name.rpartition(".")[2]: write.value for name, write in writes.items()}
        for writes in model.last_attribute_writes()
    ]
    assert blocks == [{"benchmark": False, "deterministic": True}, {"benchmark": True}, {"deterministic": False}]
    statement = model.context.module.body[3].body[0]
    assert [write.qualname for write in model.attribute_writes(statement)] == ["torch.backends.cudnn.benchmark"]
    assert model.attribute_writes(model.context.module.body[-1].body[0]) == ()


def test_the_value_assigned_so_far_is_the_local_one_else_the_module_one():
    source = """
        SEED = 1
        def main():
            first = SEED
            seed = 2
            seed = 3
            use(seed, SEED)
        SEED = 4
        """
    seen = []
    module = _module(source)
    context = FileContext("pkg/train.py", module, ImportTable.from_module(module, "pkg"), load_catalog())
    context.model = model = SemanticModel(context, "pkg.train")

    class Probe(cst.BatchableCSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            seen.append([code_of(model.assigned(name)) for name in ("seed", "SEED")])
            seen.append(model.assigned("first") is not None and model.assigned("missing") is None)

    visit_batched(module, [_Tracker(context), model, Probe()])
    assert seen == [["3", "1"], True]  # the module's later `SEED = 4` is not seen yet
    assert code_of(model.assigned("SEED")) == "4"
