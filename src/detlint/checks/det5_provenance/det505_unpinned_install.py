from __future__ import annotations

import libcst as cst

from detlint.catalogs.provenance import Installer
from detlint.checks.base import Rule
from detlint.checks.det5_provenance._remote import RemoteFetches, command_segments
from detlint.dependency_files import parse_dependency_text
from detlint.finding import Confidence, Severity, short_code


class UnpinnedInstall(RemoteFetches, Rule):
    """
    ## What it does
    Checks for packages the code installs itself without an exact version: a notebook's
    `!pip install transformers`, `%pip install ...`, `%conda install ...` or a `pip install` line in
    a `%%bash` cell, and `pip install` run through `subprocess.run([...])`, `subprocess.check_call`
    or `os.system("...")`. One finding per install command, naming every package it leaves
    unpinned. Installing from a file (`-r requirements.txt`, `-c constraints.txt`, conda's
    `--file`) is judged where the file is (DET401), and local paths (`-e .`) are the project itself.
    As for DET401 (unpinned-dependency), only the ML stack is reported under `deps = "ml"` (the
    default) and every package under `deps = "all"`; installers themselves (`pip`, `setuptools`)
    never are. Packages named by a variable (`!pip install {pkg}`) cannot be judged and are skipped.

    ## Why is this bad?
    An install run by the notebook takes the newest release on the day it runs: next month's run
    uses other versions of the libraries that compute the results, and the notebook shows the same
    code. An exact pin (or a lock the install reads) keeps the environment the results came from.

    ## Example
    ```python
    # a notebook cell
    !pip install transformers datasets
    ```

    ## Use instead
    ```python
    # a notebook cell
    !pip install transformers==4.46.3 datasets==3.1.0
    ```

    ## References
    - [pip: Repeatable installs](https://pip.pypa.io/en/stable/topics/repeatable-installs/)
    - [IPython: the %pip magic](https://ipython.readthedocs.io/en/stable/interactive/magics.html#magic-pip)
    """

    code = "DET505"
    name = "unpinned-install"
    severity = Severity.WARNING
    EXAMPLE_PATH = "notebook.py"

    VALID = (
        "import subprocess\nsubprocess.run(['pip', 'install', 'torch==2.4.1', 'numpy==1.26.4'])\n",
        "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', '-r', 'requirements.txt'])\n",
        "import os\nos.system('pip install -e .')\n",
        "import os\nos.system('pip install --upgrade pip')\n",
        "import os\nos.system('pip install rich')\n",  # not the ML stack
    )
    INVALID = (
        "import subprocess\nsubprocess.run(['pip', 'install', 'torch', 'numpy==1.26.4'])  # DET505\n",
        "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', '-q', 'transformers>=4'])  # DET505\n",
        "import os\nos.system('pip install -U scikit-learn && python train.py')  # DET505\n",
        "import os\nos.system('conda install -y pytorch=2.1 -c pytorch')  # DET505\n",
        "import os\nos.system('MAX_JOBS=4 pip install flash-attn --no-build-isolation')  # DET505\n",
    )

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        command = self.notebook_command(node)
        if command is not None:
            self._judge(*command)

    def visit_Call(self, node: cst.Call) -> None:
        command = self.run_command(node)
        if command is not None:
            self._judge(*command)

    def _judge(self, node: cst.CSTNode, words: list[str | None], shown: str) -> None:
        unpinned: list[str] = []
        for segment in command_segments(words):
            for installer in self.provenance.installers:
                packages = _install_arguments(installer, segment)
                if packages is not None:
                    unpinned += self._unpinned(installer, packages)
        if not unpinned:
            return
        names = ", ".join(f"`{name}`" for name in unpinned)
        self.report(
            node,
            f"`{short_code(shown, 60)}` installs {names} without an exact version",
            detail="Each run installs the newest release that day, so the same code runs on other library versions "
            "from one month to the next.",
            help=f"Pin each package (`{unpinned[0].split('[')[0]}==X.Y.Z`), or install from the project's pinned "
            "requirements (`pip install -r requirements.txt`)",
            confidence=self.place_confidence(Confidence.HIGH),
        )

    def _unpinned(self, installer: Installer, packages: list[str]) -> list[str]:
        """The packages, as written, that the install leaves free to change."""
        if installer.ecosystem == "conda":
            text, format = "dependencies:\n" + "".join(f"  - {package}\n" for package in packages), "conda"
        else:
            text, format = "".join(f"{package}\n" for package in packages), "requirements"
        parsed = parse_dependency_text("install", text, format)
        policy = self.catalog.dependency_policy
        deps = self.context.options.deps
        loose = []
        for requirement in parsed.requirements:
            if requirement.kind == "registry":
                free = policy.exact_version(requirement) is None and policy.reported(requirement.key, deps)
            elif requirement.kind == "vcs":
                free = not policy.vcs_pinned(requirement)
            else:
                free = False  # a local path or an archive URL
            if free:
                loose.append(requirement.text)
        return loose


def _install_arguments(installer: Installer, words: list[str | None]) -> list[str] | None:
    """The packages an install command names, or None when it is no install by this installer. A file's
    requirements (`-r`) are judged in that file; a constraints file (`-c`) pins what the command names;
    words not known statically (`{pkg}`, `$PKG`) are skipped."""
    command = next((c for c in installer.commands if tuple(words[: len(c)]) == c), None)
    if command is None or len(words) <= len(command) or words[len(command)] != "install":
        return None
    packages: list[str] = []
    arguments = iter(words[len(command) + 1 :])
    for word in arguments:
        if word is None or "{" in word or "$" in word:
            continue
        option = word.partition("=")[0]
        if option in installer.constraint_options:
            return []
        if option in installer.file_options or option in installer.value_options or option in ("-e", "--editable"):
            if "=" not in word:
                next(arguments, None)
            continue
        if not word.startswith("-"):
            packages.append(word)
    return packages
