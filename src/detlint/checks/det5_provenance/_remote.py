"""What the DET5xx rules share: reading a hub loader's call (which repository, which revision, whether it
runs offline or runs the repository's code), telling a local path from a Hub id, and writing a locked
revision in."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from detlint.analysis.statements import descendants, parameters
from detlint.analysis.values import Known
from detlint.catalogs.entries import Entry
from detlint.catalogs.provenance import COMMIT, ProvenanceIndex
from detlint.checks.base import FileContext, FixSpec
from detlint.facts.model import is_test_path, is_tooling_path
from detlint.facts.switches import env_writes
from detlint.finding import Confidence
from detlint.names import NOT_LITERAL, argument, code_of, dotted_name, literal_value

if TYPE_CHECKING:
    from detlint.catalogs.loader import Catalog

# A Hub repository id: `name` or `namespace/name` (letters, digits, `-`, `_`, `.`).
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(?:/[\w.-]+)?")
# Written like a file (`model.bin`, `config.json`): a path, not a repository.
_FILE_SUFFIX = re.compile(r"\.(?:bin|pt|pth|ckpt|safetensors|json|h5|onnx|pkl|npz|txt|csv|parquet|tar|gz|zip)$")
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
# How a notebook's masked IPython lines keep their text (see `detlint.notebook`).
_MASKED = ("# IPython: ", "# cell: ")
# Shell operators that end one command and start another; a variable set for the command.
_SEPARATORS = frozenset({"&&", "||", ";", "|"})
_ENVIRONMENT = re.compile(r"[A-Za-z_]\w*=")
# Methods that write a path rather than read it (`to_parquet`, `write_text`, `upload_file`).
_WRITES = ("to_", "write", "save", "upload", "push", "put", "mkdir", "rm")
# How the revision a call fetches is known, for messages.
_VIA = {
    "constant": "a module constant",
    "default": "a parameter's default",
    "option": "a command-line option's default",
    "field": "a config field's default",
    "call": "a call of the function in this file",
}


@dataclass(frozen=True)
class HubFetch:
    """One call that fetches from the Hub by name (or by a path into a repository)."""

    call: cst.Call
    name: str  # the repository id, or the code that computes it when unknown
    name_known: bool
    kind: str  # model | dataset | space (what the lock lists it under)
    revision: str | None  # the revision asked for; None when none is
    revision_keyword: str | None  # the argument that takes the revision (`revision`)
    revision_node: cst.BaseExpression | None  # a revision literal written in the call
    # The name (or path) literal written in the call, and what it becomes with a commit in it, when the
    # revision goes inside it: `"hf-hub:org/m@{commit}"`, `"hf://datasets/org/d@{commit}/x.csv"`.
    name_node: cst.SimpleString | None
    pin_template: str | None
    remote_code: bool
    confidence: Confidence
    via: str  # how the name or revision was found, when not written in the call

    @property
    def pinned(self) -> bool:
        return self.revision is not None and bool(COMMIT.fullmatch(self.revision))

    @property
    def moving_revision(self) -> bool:
        """A branch or tag name: pinned to something that moves."""
        return self.revision is not None and not self.pinned


class RemoteFetches:
    """What a file rule about fetches reads; mixed into `Rule` subclasses (it is no rule of its own)."""

    context: FileContext
    catalog: Catalog
    qualname: Callable[[cst.BaseExpression], str | None]
    _continued: tuple[cst.CSTNode, str] | None = None  # a notebook command continued with `\`

    @property
    def provenance(self) -> ProvenanceIndex:
        return self.catalog.provenance

    # -- command lines ----------------------------------------------------------------------------------
    def notebook_command(self, node: cst.SimpleStatementLine) -> tuple[cst.CSTNode, list[str | None], str] | None:
        """A notebook's shell escape or line magic (`!pip install x`, `%pip ...`, a `%%bash` cell's line)
        as (where, words, text); a line ending in `\\` is joined with the next one, and reported where it
        starts."""
        comment = node.trailing_whitespace.comment
        if not self.context.path.endswith(".ipynb") or comment is None or not comment.value.startswith(_MASKED):
            self._continued = None
            return None
        text = comment.value.partition(": ")[2]
        continued = self._continued
        if continued is not None:  # the next line of `%pip install --upgrade \`
            node, text = continued[0], f"{continued[1]} {text}"
        elif text.startswith(("!", "%")) and not text.startswith("%%"):
            text = text[1:]
        if text.endswith("\\"):
            self._continued = (node, text[:-1])
            return None
        self._continued = None
        words = _words(text)
        return node, words, " ".join(word or "" for word in words)

    def run_command(self, node: cst.Call) -> tuple[cst.CSTNode, list[str | None], str] | None:
        """A command line the code runs (`subprocess.run([...])`, `os.system("...")`) as (where, words, text)."""
        if self.qualname(node.func) not in self.provenance.command_runners or not node.args:
            return None
        command = node.args[0].value
        if isinstance(command, (cst.List, cst.Tuple)):
            words = [self._word(element.value) for element in command.elements]
        else:
            text = literal_value(command)
            words = _words(text) if isinstance(text, str) else []
        return node, words, self.context.module.code_for_node(command)

    def known(self, node: cst.BaseExpression | None) -> Known:
        return Known(NOT_LITERAL) if node is None else self.context.model.known(node)

    def argument_value(self, call: cst.Call, keyword: str, position: int | None = None) -> object:
        """What an argument is known to be (NOT_LITERAL when it is not given or not known)."""
        given = argument(call, keyword, position)
        return self.known(given.value).value if given is not None else NOT_LITERAL

    def place_confidence(self, confidence: Confidence) -> Confidence:
        """Tests and the repository's tooling fetch for themselves: what they fetch is no run's result."""
        path = self.context.path
        return Confidence.LOW if is_test_path(path) or is_tooling_path(path) else confidence

    @cached_property
    def offline_file(self) -> bool:
        """The file turns the Hub off for everything it loads (`os.environ["HF_HUB_OFFLINE"] = "1"`)."""
        names = self.provenance.offline_environment
        for node in descendants(self.context.module, (cst.Assign, cst.Call)):
            for write in env_writes(self.context.imports, node):
                if write.name in names and str(write.value).strip().lower() in _TRUE_WORDS:
                    return True
        return False

    @cached_property
    def saved_names(self) -> frozenset[str]:
        """The names the file saves a model or dataset to (`save_pretrained("my_model")`, `output_dir=...`)."""
        provenance, found = self.provenance, set()
        for call in descendants(self.context.module, cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in provenance.save_methods and call.args:
                found.add(self.known(call.args[0].value).value)
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in provenance.save_keywords:
                    found.add(self.known(arg.value).value)
        return frozenset(name for name in found if isinstance(name, str))

    def is_local(self, text: str) -> bool:
        """A path rather than a Hub id: written as one (`./ckpt`, `/data/x`, `~/m`, `C:\\m`, `a/b/c`,
        `model.bin`), a name the file saves to, or under a directory at the project's root
        (`checkpoints/bert`)."""
        if text.startswith((".", "/", "~", "\\")) or re.match(r"[A-Za-z]:[\\/]", text) or text.count("/") > 1:
            return True
        if text in self.saved_names:
            return True
        if _FILE_SUFFIX.search(text) or not _HUB_ID.fullmatch(text):
            return True
        head = text.partition("/")[0]
        return "/" in text and (head in self.context.options.root_entries or head in self.provenance.local_directories)

    def _built_object(self, node: cst.BaseExpression) -> bool:
        """Not an id at all, or a path: an object a call made (`pipeline(model=model)` after
        `model = AutoModel.from_pretrained(...)`), a path built from another (see `path_built`), or a
        name the same function uses as a path (`os.path.join(model_path, "x.bin")`, `open(name)`)."""
        if self.path_built(node) or (isinstance(node, cst.Name) and self._used_as_path(node.value)):
            return True
        value = self.context.model.assigned(node.value) if isinstance(node, cst.Name) else None
        if isinstance(value, cst.Call):
            return not (isinstance(value.func, cst.Name) and value.func.value == "str") or self.path_built(value)
        return False

    def _used_as_path(self, name: str) -> bool:
        scope = self.context.enclosing_function()
        if scope is None:
            return False
        for call in descendants(scope, cst.Call):
            qualname = self.qualname(call.func) or ""
            first = call.args[0].value if call.args else None
            if isinstance(first, cst.Name) and first.value == name and (
                qualname.startswith(("os.path.", "pathlib.", "shutil.")) or qualname in ("builtins.open", "open", "os.listdir")
            ):
                return True
        return False

    def call_site_values(self, parameter: str) -> list[object] | None:
        """What the calls of the enclosing function in this file pass for `parameter` (a literal or a
        module constant; NOT_LITERAL otherwise; the parameter's default where a call passes nothing), or
        None when the file never calls it (a library's API: its callers choose)."""
        function = self.context.enclosing_function()
        if function is None or parameter not in (names := parameters(function)):
            return None
        method = len(self.context.scope_stack) > 1 and names[:1] in (("self",), ("cls",))
        params = function.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        position = positional.index(parameter) - (1 if method else 0) if parameter in positional else None
        every = (*params.posonly_params, *params.params, *params.kwonly_params)
        default = next((p.default for p in every if p.name.value == parameter and p.default is not None), None)
        values: list[object] = []
        inside = {id(inner) for inner in descendants(function, cst.Call)}
        for call in descendants(self.context.module, cst.Call):
            func = call.func
            if method:  # `self.load(...)` / `cls.load(...)`: a call of this class's method
                called = isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in (
                    "self", "cls") and func.attr.value == function.name.value  # fmt: skip
            else:
                called = isinstance(func, cst.Name) and func.value == function.name.value
            if not called or id(call) in inside:
                continue
            given = argument(call, parameter, position)
            node = given.value if given is not None else default
            values.append(None if node is None else self._module_value(node))
        return values or None

    def _word(self, node: cst.BaseExpression) -> str | None:
        """One element of a command list: a string it is known to be, or the dotted name it is
        (`sys.executable`)."""
        value = self.known(node).value
        return value if isinstance(value, str) else dotted_name(node)

    def _module_value(self, node: cst.BaseExpression) -> object:
        """A literal, or the literal a module constant holds (names elsewhere belong to other scopes)."""
        value = literal_value(node)
        if value is NOT_LITERAL and isinstance(node, cst.Name):
            constant = self.context.model.module_constant(node.value)
            value = literal_value(constant) if constant is not None else NOT_LITERAL
        return value

    def path_built(self, node: cst.BaseExpression) -> bool:
        """Built from another path: `f"{root}/best"`, `os.path.join(out, "final")`, `out_dir / "final"`."""
        if isinstance(node, cst.FormattedString):
            return bool(node.parts) and isinstance(node.parts[0], cst.FormattedStringExpression)
        if isinstance(node, cst.BinaryOperation):
            return isinstance(node.operator, cst.Divide)
        if isinstance(node, cst.Call):
            qualname = self.qualname(node.func) or ""
            return qualname.startswith(("os.path.", "pathlib.")) or (
                isinstance(node.func, cst.Attribute) and node.func.attr.value in ("joinpath", "resolve", "absolute")
            )
        return False

    # -- hub loaders ------------------------------------------------------------------------------------
    def hub_fetch(self, call: cst.Call) -> HubFetch | None:
        """The call as a fetch from the Hub, or None: not a loader, a local path or builder, a timm model
        not named `hf-hub:...`, not asked to load weights, or offline."""
        qualname = self.qualname(call.func)
        entry = self.provenance.loader(qualname) if qualname else None
        if entry is None:
            return None
        required = entry.get("requires_true")
        if required and self.argument_value(call, required) is not True:
            return None
        if any(self.argument_value(call, keyword) is True for keyword in self.provenance.offline_keywords):
            return None
        ref = entry["name_argument"]
        name_arg = argument(call, ref["keyword"], ref.get("position"))
        if name_arg is None or name_arg.star:
            return None
        known = self.known(name_arg.value)
        via = known.via
        revision: str | None = None
        revision_node: cst.BaseExpression | None = None
        name_node = name_arg.value if isinstance(name_arg.value, cst.SimpleString) and not via else None
        separator = entry.get("revision_separator")
        pin_template = None
        if isinstance(known.value, str) and not _unknown(known):
            name = known.value
            prefixes = tuple(entry.get("name_prefixes", ()))
            if prefixes:
                if not name.startswith(prefixes):
                    return None
                name = name[next(len(p) for p in prefixes if name.startswith(p)) :]
            if separator:
                pin_template = known.value.partition(separator)[0] + separator + "{commit}"
            if separator and separator in name:
                name, _, revision = name.partition(separator)
            if name in entry.get("local_builders", ()) or self.is_local(name):
                return None
            confidence = Confidence.HIGH if via in ("", "constant") else Confidence.MEDIUM
            name_known = True
        elif _unknown(known) and not entry.get("name_prefixes") and not self._built_object(name_arg.value):
            passed = self._passed_id(name_arg.value)
            if passed is not None:
                name, confidence, name_known, via = passed, Confidence.MEDIUM, True, "call"
            else:
                # An id from a config or the command line: a Hub id or a local checkpoint, only the run tells.
                name, confidence, name_known = code_of(name_arg.value), Confidence.LOW, False
        else:
            return None
        keyword = entry.get("revision_keyword")
        given = self._revision_argument(call, keyword) if keyword else None
        if given is False:
            return None  # a `**mapping` the revision may be in
        if given is not None:
            asked = self.known(given)
            if isinstance(given, cst.Name) and self.context.model.is_parameter(given.value):
                # a parameter: what the function's calls in this file pass
                passed = self.call_site_values(given.value) if isinstance(given, cst.Name) else None
                if passed is None or NOT_LITERAL in passed:
                    return None  # the callers choose
                loose = [value for value in passed if not (isinstance(value, str) and COMMIT.fullmatch(value))]
                if not loose:
                    return None
                asked, via = Known(loose[0], "call"), via or "call"
            if asked.value is NOT_LITERAL:
                return None  # the run's configuration chooses the revision
            if isinstance(asked.value, str):
                revision = asked.value
                revision_node = given
                via = via or asked.via
        revision_node = revision_node if isinstance(revision_node, cst.SimpleString) else None
        if via in ("default", "option", "field", "call"):
            confidence = Confidence.weakest(confidence, Confidence.MEDIUM)  # a run may pass another value
        kind = _kind(entry, self.argument_value(call, "repo_type"))
        remote_code = any(self.argument_value(call, k) is True for k in self.provenance.remote_code_keywords)
        if self.offline_file:  # last: it reads the whole file, once
            return None
        return HubFetch(
            call, name, name_known, kind, revision, keyword, revision_node, name_node, pin_template, remote_code,
            self.place_confidence(confidence), via,
        )  # fmt: skip

    def hub_path_fetch(self, call: cst.Call) -> HubFetch | None:
        """A read of a path into a Hub repository: `pd.read_parquet("hf://datasets/org/d/x.parquet")`, or
        `fs.open("datasets/org/d/x.csv")` on an `HfFileSystem`; the revision is written after the
        repository (`org/d@<commit>`)."""
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        if isinstance(call.func, cst.Attribute) and call.func.attr.value.startswith(_WRITES):
            return None  # `df.to_parquet("hf://...")` uploads
        known = self.known(call.args[0].value)
        if not isinstance(known.value, str):
            return None
        text, provenance = known.value, self.provenance
        scheme = next((scheme for scheme in provenance.hub_path_schemes if text.startswith(scheme)), None)
        if scheme is not None:
            path = text[len(scheme) :]
        elif self._on_hub_filesystem(call):
            scheme, path = "", text
        else:
            return None
        segments = path.split("/")
        kind = provenance.hub_path_kinds.get(segments[0], "model")
        if kind != "model":
            segments = segments[1:]
        if len(segments) < 2 or not segments[0] or not segments[1]:
            return None
        name, _, revision = segments[1].partition("@")
        kind_prefix = path[: len(path) - len("/".join(segments))]
        template = scheme + kind_prefix + "/".join([segments[0], name + "@{commit}", *segments[2:]])
        literal = call.args[0].value
        if self.offline_file:
            return None
        return HubFetch(
            call, f"{segments[0]}/{name}", True, kind, revision or None, None, None,
            literal if isinstance(literal, cst.SimpleString) and not known.via else None, template, False,
            self.place_confidence(Confidence.HIGH if known.via in ("", "constant") else Confidence.MEDIUM), known.via,
        )  # fmt: skip

    def _on_hub_filesystem(self, call: cst.Call) -> bool:
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in self.provenance.hub_filesystem_methods:
            return False
        model = self.context.model
        receiver = func.value
        built = model.instance(receiver.value) if isinstance(receiver, cst.Name) else None
        if isinstance(receiver, cst.Call):
            built = model.built_by(receiver)
        return built is not None and model.qualified(built) in self.provenance.hub_filesystems

    def _passed_id(self, node: cst.BaseExpression) -> str | None:
        """A Hub id a call of the enclosing function in this file passes for the parameter `node` names."""
        if not isinstance(node, cst.Name):
            return None
        passed = self.call_site_values(node.value) or []
        return next((value for value in passed if isinstance(value, str) and not self.is_local(value)), None)

    def _revision_argument(self, call: cst.Call, keyword: str) -> cst.BaseExpression | None | bool:
        """The revision the call passes: its keyword argument, or the entry of a dict the call spreads
        (`**kwargs` built in the function as a literal or `dict(...)`); False when a spread mapping
        cannot be read (the caller's, or built elsewhere) and may hold it."""
        given = argument(call, keyword)
        if given is not None:
            return given.value
        for arg in call.args:
            if arg.star != "**":
                continue
            mapping = self.context.model.assigned(arg.value.value) if isinstance(arg.value, cst.Name) else arg.value
            if isinstance(mapping, cst.Dict):
                for element in mapping.elements:
                    if isinstance(element, cst.StarredDictElement):
                        return False
                    if self.known(element.key).value == keyword:
                        return element.value
            elif isinstance(mapping, cst.Call) and dotted_name(mapping.func) == "dict":
                inner = argument(mapping, keyword)
                if inner is not None:
                    return inner.value
                if any(item.star for item in mapping.args):
                    return False
            else:
                return False
        return None

    def locked(self, fetch: HubFetch) -> str | None:
        if not fetch.name_known:
            return None
        wanted = (fetch.kind, fetch.name)
        return next((commit for *key, commit in self.context.options.locked_revisions if tuple(key) == wanted), None)

    def pin_fix(self, fetch: HubFetch) -> FixSpec | None:
        """Write the locked commit in: replace the revision literal, put it after the name (timm), or add
        `revision=` as the call's last argument."""
        commit = self.locked(fetch)
        if commit is None or fetch.revision not in (None, "main"):
            return None  # a lock holds what `main` resolved to; a tag or another branch is the user's to replace
        description = f"pin `{fetch.name}` to the locked commit {commit[:12]}"
        if fetch.revision_node is not None:
            return FixSpec.replace(fetch.revision_node, f'"{commit}"', description, safe=False)
        if fetch.pin_template is not None:
            if fetch.name_node is None:
                return None
            return FixSpec.replace(fetch.name_node, json.dumps(fetch.pin_template.format(commit=commit)), description, safe=False)
        keyword = fetch.revision_keyword
        last = fetch.call.args[-1] if fetch.call.args else None
        if last is None or not keyword or any(arg.keyword and arg.keyword.value == keyword or arg.star for arg in fetch.call.args):
            return None  # the revision is passed in a way the fix cannot rewrite in place
        # after the last argument's value, before any trailing comma
        return FixSpec(description, False, ((last, "after", f', {keyword}="{commit}"'),))

    def revision_advice(self, fetch: HubFetch) -> str:
        where = f'`{fetch.revision_keyword}="<commit>"`' if fetch.revision_keyword else "`@<commit>` after the repository"
        info = "dataset_info" if fetch.kind == "dataset" else "model_info"
        shown = f'"{fetch.name}"' if fetch.name_known else "<id>"
        return (
            f"Pin the commit with {where}: the full hash from the repository's commit history on the Hub, or "
            f"`huggingface_hub.{info}({shown}).sha`; list it in `detlint-revisions.toml` for `--fix --unsafe-fixes` "
            "to write it in"
        )

    @staticmethod
    def via_text(fetch: HubFetch) -> str:
        return f" The value comes from {_VIA[fetch.via]}, which a run may override." if fetch.via in _VIA else ""

    def callee(self, node: cst.Call) -> str:
        """The called name as it reads, or its last part when that is long (`from_pretrained` of
        `AutoModelForSequenceClassification.from_pretrained`)."""
        code = self.context.module.code_for_node(node.func)
        return code if len(code) <= 30 else code.rpartition(".")[2]


def command_segments(words: list[str | None]) -> list[list[str | None]]:
    """The commands of a command line, each without the environment it sets (`MAX_JOBS=4 pip ...`)."""
    segments: list[list[str | None]] = [[]]
    for word in words:
        if word in _SEPARATORS:
            segments.append([])
        elif not segments[-1] and word is not None and _ENVIRONMENT.match(word):
            continue
        else:
            segments[-1].append(word)
    return segments


def _words(text: str) -> list[str | None]:
    try:
        words: list[str | None] = list(shlex.split(text, comments=True))
    except ValueError:
        return []
    # IPython expands `{expression}`: `!{sys.executable} -m pip` runs the kernel's Python.
    return [word[1:-1] if word and word.startswith("{") and word.endswith("}") else word for word in words]


def _unknown(known: Known) -> bool:
    """Not known statically: not a literal, or a default the run must replace (an option without one, an
    empty string)."""
    return known.value is NOT_LITERAL or (known.value is None and known.via == "option") or (
        known.value == "" and bool(known.via)
    )


def _kind(entry: Entry, repo_type: object) -> str:
    """What the lock lists the repository under: a dataset loader's datasets, else models, unless a Hub
    download names `repo_type="dataset"`."""
    if entry["kind"] != "repository":
        return entry["kind"]
    return "dataset" if repo_type == "dataset" else "model"
