from __future__ import annotations

import re
from functools import cached_property

import libcst as cst

from detlint.analysis.statements import descendants
from detlint.checks.base import Rule
from detlint.checks.det5_provenance._remote import RemoteFetches, command_segments
from detlint.finding import Confidence, Severity, short_code
from detlint.names import NOT_LITERAL, dotted_name

# What a response exposes its bytes through (`requests`/`httpx` responses, `urlopen` file objects).
_BODY_ATTRIBUTES = frozenset({"content", "iter_content", "iter_bytes", "raw", "read", "text"})


class DownloadWithoutChecksum(RemoteFetches, Rule):
    """
    ## What it does
    Checks for files downloaded without checking their bytes against a known hash:
    `urllib.request.urlretrieve`, `wget.download`, `torch.hub.download_url_to_file` without
    `hash_prefix`, `torch.hub.load_state_dict_from_url` without `check_hash=True`,
    `keras.utils.get_file` without `file_hash`, `pooch.retrieve(url, known_hash=None)`,
    `gdown.download` without `hash`/`md5`, a `requests.get`/`httpx.get`/`urlopen` response whose
    body the same function writes to a file, and shell downloads (a notebook's `!wget URL` or
    `!curl -O URL`, `subprocess.run(["wget", url])`, `os.system("curl ...")`). A download is checked
    when the function (or, at module level, the file) that makes it also calls a hash function on it
    (`hashlib`, torchvision's `check_integrity`), and a shell download when the notebook or script
    runs a checksum command (`sha256sum -c`, `md5sum`). Dataset classes that check their own downloads (torchvision's
    `download=True`) are not reported.

    Confidence is high for a resolved call, low in tests and the repository's tooling.

    ## Why is this bad?
    A URL names a place, not content: a re-uploaded archive, a changed file behind a share link or a
    mirror that serves something else changes the data or weights a run starts from, silently. A
    checksum turns that into an error.

    ## Example
    ```python
    import urllib.request

    urllib.request.urlretrieve("https://example.org/data.zip", "data.zip")
    ```

    ## Use instead
    ```python
    import pooch

    path = pooch.retrieve(
        "https://example.org/data.zip",
        known_hash="sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    )
    ```

    ## References
    - [PyTorch: torch.hub.download_url_to_file](https://pytorch.org/docs/stable/hub.html#torch.hub.download_url_to_file)
    - [Keras: get_file](https://keras.io/api/utils/python_utils/#getfile-function)
    - [Pooch: retrieve](https://www.fatiando.org/pooch/latest/api/generated/pooch.retrieve.html)
    """

    code = "DET504"
    name = "download-without-checksum"
    severity = Severity.WARNING

    VALID = (
        "import torch\nsd = torch.hub.load_state_dict_from_url('https://x.org/resnet-f37072fd.pth', check_hash=True)\n",
        "import torch\ntorch.hub.download_url_to_file('https://x.org/w.pth', 'w.pth', hash_prefix='f37072fd')\n",
        "import keras\npath = keras.utils.get_file('data.zip', 'https://x.org/data.zip', file_hash='9f86d081')\n",
        "import hashlib, urllib.request\ndef fetch(url, digest):\n    urllib.request.urlretrieve(url, 'd.zip')\n"
        "    assert hashlib.sha256(open('d.zip', 'rb').read()).hexdigest() == digest\n",
        "import requests\ndef status(url):\n    return requests.get(url).json()\n",
        "import subprocess\nsubprocess.run(['wget', 'https://x.org/d.zip'])\nsubprocess.run(['sha256sum', '-c', 'd.zip.sha256'])\n",
        "from torchvision import datasets\nds = datasets.MNIST('data', download=True)\n",
    )
    INVALID = (
        "import urllib.request\nurllib.request.urlretrieve('https://x.org/data.zip', 'data.zip')  # DET504\n",
        "import os\nos.system('curl -L -o model.ckpt https://x.org/model.ckpt')  # DET504\n",
        "import torch\nsd = torch.hub.load_state_dict_from_url('https://x.org/w.pth')  # DET504\n",
        "import pooch\npath = pooch.retrieve('https://x.org/d.csv', known_hash=None)  # DET504\n",
        "import requests\ndef fetch(url, path):\n    response = requests.get(url)  # DET504\n"
        "    with open(path, 'wb') as f:\n        f.write(response.content)\n",
        "import requests\nwith open('input.txt', 'w') as f:\n    f.write(requests.get('https://x.org/input.txt').text)  # DET504\n",
        "import requests\ndef fetch(url, path):\n    with requests.get(url, stream=True) as r:  # DET504\n"
        "        with open(path, 'wb') as f:\n            for chunk in r.iter_content(8192):\n                f.write(chunk)\n",
    )

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        command = self.notebook_command(node)
        if command is not None:
            self._shell_download(*command)

    def _shell_download(self, node: cst.CSTNode, words: list[str | None], shown: str) -> None:
        """`wget URL`, `curl -O URL` (a notebook line or a command the code runs), in a file that runs no
        checksum command (`sha256sum -c`)."""
        provenance = self.provenance
        for segment in command_segments(words):
            if not segment or segment[0] not in provenance.download_commands:
                continue
            if not any(word and word.startswith(("http://", "https://", "ftp://")) for word in segment):
                continue
            if self._runs_checksum_command or self._hashes_in(self.context.module):
                return
            self.report(
                node,
                f"`{short_code(shown, 60)}` downloads a file without checking it against a known hash",
                detail="The bytes behind a URL can change; a run that starts from them would not notice.",
                help="Check the download's hash (`echo \"<sha256>  <file>\" | sha256sum -c`) or download it from the "
                "code with `pooch.retrieve(url, known_hash=...)`",
                confidence=self.place_confidence(Confidence.HIGH),
            )
            return

    def visit_Call(self, node: cst.Call) -> None:
        command = self.run_command(node)
        if command is not None:
            self._shell_download(*command)
            return
        qualname = self.qualname(node.func)
        entry = self.provenance.download(qualname) if qualname else None
        if entry is None or self._checked(entry, node) or self._hashes_in_scope():
            return
        if entry.get("writes_response") and not self._body_written(node):
            return
        callee = self.callee(node)
        checksum = entry.get("checksum")
        advice = (
            f"Pass the expected hash (`{checksum['keyword']}=...`)"
            if checksum
            else "Check the file's hash after the download (`hashlib.sha256(...)`), or download with a call that takes "
            "one (`pooch.retrieve(url, known_hash=...)`)"
        )
        self.report(
            node,
            f"`{callee}(...)` downloads a file without checking it against a known hash",
            detail="The bytes behind a URL can change; a run that starts from them would not notice.",
            help=advice,
            confidence=self.place_confidence(Confidence.HIGH),
        )

    def _checked(self, entry, node: cst.Call) -> bool:
        """The call checks the download itself: its checksum argument is given (and True where it must be)."""
        checksum = entry.get("checksum")
        if not checksum:
            return False
        for keyword in (checksum["keyword"], *checksum.get("aliases", ())):
            value = self.argument_value(node, keyword, checksum.get("position") if keyword == checksum["keyword"] else None)
            position = checksum.get("position") if keyword == checksum["keyword"] else None
            given = self.argument(node, keyword, position) is not None
            if checksum.get("must_be_true"):
                if value is True or (value is NOT_LITERAL and given):
                    return True
            elif value is not None and (value is not NOT_LITERAL or given):
                return True
        return False

    def _scope_node(self) -> cst.CSTNode:
        """The function making the call, or the module at module level."""
        return self.context.enclosing_function() or self.context.module

    @cached_property
    def _runs_checksum_command(self) -> bool:
        """The notebook or script runs `sha256sum`, `md5sum`, ... (as a command word, not a mention)."""
        words = "|".join(re.escape(word) for word in sorted(self.provenance.checksum_commands))
        return re.search(rf"(?<![\w.-])(?:{words})(?![\w.-])", self.context.module.code) is not None

    def _hashes_in_scope(self) -> bool:
        return self._hashes_in(self._scope_node())

    def _hashes_in(self, scope: cst.CSTNode) -> bool:
        checks = self.provenance.checksum_callables
        return any(self.qualname(call.func) in checks for call in descendants(scope, cst.Call))

    def _body_written(self, node: cst.Call) -> bool:
        """A response (`response = requests.get(url)`, `with requests.get(url) as r:`) whose body the same
        function writes out (`f.write(response.content)`, a loop over `r.iter_content()`), or one written
        where it is made (`f.write(requests.get(url).text)`)."""
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        if statement is not None and any(
            self._writes(call) and any(inner is node for arg in call.args for inner in descendants(arg, cst.Call))
            for call in descendants(statement, cst.Call)
        ):
            return True
        name = self._bound_name(node)
        if name is None:
            return False
        scope = self._scope_node()
        body_read = any(
            isinstance(attribute.value, cst.Name) and attribute.value.value == name and attribute.attr.value in _BODY_ATTRIBUTES
            for attribute in descendants(scope, cst.Attribute)
        )
        return body_read and any(self._writes(call) for call in descendants(scope, cst.Call))

    def _writes(self, call: cst.Call) -> bool:
        """`f.write(...)`, `path.write_bytes(...)`/`write_text(...)`, `shutil.copyfileobj(...)`."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("write", "write_bytes", "write_text"):
            return True
        return self.qualname(func) == "shutil.copyfileobj"

    def _bound_name(self, node: cst.Call) -> str | None:
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        if isinstance(statement, cst.With):
            for item in statement.items:
                if item.item is node and item.asname is not None:
                    return dotted_name(item.asname.name)
        return self.context.model.bound_to(node)
