from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from detlint.catalogs.dependencies import Policy
from detlint.checks.base import ProjectRule
from detlint.dependency_files.pep508 import version_from_link
from detlint.dependency_files.records import Requirement
from detlint.finding import Confidence, Finding, Severity
from detlint.project.index import ProjectIndex


class UnpinnedUrlDependency(ProjectRule):
    """
    ## What it does
    Checks every dependency file for VCS requirements without a full commit hash
    (`git+https://...@main`, a tag, a short hash, no revision at all, Poetry/uv/Pipfile git sources
    with `branch` or `tag`) and for archive or wheel URLs without a content hash (`#sha256=` or
    `--hash`), unless a lock file in the project pins the package.

    ## Why is this bad?
    A branch moves with every push and a tag can be re-pointed, so the same requirement installs
    different code over time; nothing records which commit a result came from. A file behind a
    URL can be replaced on the server, and without a hash pip installs the new file silently. A
    wheel URL with a version in its name is reported at medium confidence: the name is fixed, the
    content is not verified.

    ## Example
    ```python
    # requirements.txt
    git+https://github.com/openai/CLIP.git@main
    https://example.org/packages/mylib-1.0.tar.gz
    ```

    ## Use instead
    ```python
    # requirements.txt
    git+https://github.com/openai/CLIP.git@dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1
    https://example.org/packages/mylib-1.0.tar.gz#sha256=<sha256 of the file>
    ```

    ## References
    - [pip: VCS support](https://pip.pypa.io/en/stable/topics/vcs-support/)
    - [pip: Secure installs, hash-checking mode](https://pip.pypa.io/en/stable/topics/secure-installs/#hash-checking-mode)
    - [PEP 508: Direct references](https://peps.python.org/pep-0508/)
    """

    code = "DET403"
    name = "unpinned-url-dependency"
    severity = Severity.WARNING
    EXAMPLE_PATH = "requirements.txt"

    VALID = (
        "git+https://github.com/openai/CLIP.git@dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1\n",
        "clip @ git+https://github.com/openai/CLIP.git@dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1\n",
        "https://example.org/mylib-1.0.tar.gz#sha256=" + "ab" * 32 + "\n",
        "mylib @ https://example.org/mylib-1.0.tar.gz \\\n    --hash=sha256:" + "ab" * 32 + "\n",
        "-e .\n-e ./libs/tool\n",
        {
            "pyproject.toml": '[project]\nname = "a"\ndependencies = ["clip"]\n'
            '[tool.uv.sources]\nclip = { git = "https://github.com/openai/CLIP", rev = "' + "d" * 40 + '" }\n'
        },
    )
    INVALID = (
        "git+https://github.com/openai/CLIP.git@main  # DET403\n",
        "git+https://github.com/openai/CLIP.git  # DET403\n",
        "-e git+https://github.com/org/tool.git@v1.2#egg=tool  # DET403\n",
        "clip @ git+https://github.com/openai/CLIP.git@dcba3cb  # DET403\n",
        "https://example.org/mylib-1.0.tar.gz  # DET403\n",
        {
            "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\n'
            'clip = { git = "https://github.com/openai/CLIP.git", branch = "main" }  # DET403\n'
        },
        {"environment.yml": "dependencies:\n  - pip:\n    - git+https://github.com/org/lib  # DET403\n"},
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        deps = index.dependencies
        policy = deps.policy
        for path in sorted(deps.discovered):
            file = deps.discovered[path]
            occurrences: Counter[str] = Counter()
            for requirement in file.requirements:
                if requirement.kind == "vcs" and not policy.vcs_pinned(requirement):
                    text, confidence = _vcs_text(requirement, policy), None
                elif requirement.kind == "url" and not policy.url_hashed(requirement):
                    text = _url_text(requirement)
                    confidence = Confidence.MEDIUM if version_from_link(requirement.url) else None
                else:
                    continue
                lowered = policy.confidence_for(path)
                if lowered is not None and (confidence is None or lowered.rank < confidence.rank):
                    confidence = lowered
                if requirement.key and policy.canonical(requirement.key) in deps.locked:
                    continue  # the lock records the commit or the file hash
                yield self.finding(
                    path,
                    requirement.span,
                    **text,
                    anchor=requirement.text,
                    scope=requirement.section,
                    occurrence=occurrences[requirement.text],
                    confidence=confidence,
                    statement_lines=requirement.statement_lines,
                )
                occurrences[requirement.text] += 1


def _vcs_text(requirement: Requirement, policy: Policy) -> dict:
    """The message, detail and help of a finding about a VCS requirement without a full commit."""
    revision, kind = requirement.revision, requirement.revision_kind
    url = requirement.url.split("#", 1)[0]
    if kind == "branch":
        what, why = f"follows the branch `{revision}`", "A branch moves with every push"
    elif kind == "tag":
        what, why = f"follows the tag `{revision}`", "A tag can be moved to another commit"
    elif not revision:
        what, why = "names no revision", "It installs whatever the default branch holds at install time"
    elif len(revision) >= 7 and all(char in "0123456789abcdef" for char in revision.lower()):
        what, why = f"names the short hash `{revision}`", "A short hash can become ambiguous as the repository grows"
    else:
        what, why = f"follows `{revision}`, a branch or tag", "A branch or tag can move"
    scheme = policy.vcs_scheme(requirement)
    if scheme in ("git", "hg"):
        pin = "the full commit hash"
        if scheme == "git":
            pin += f" (`git rev-parse {revision or 'HEAD'}^{{commit}}` in a clone prints it)"
    else:
        pin = "a revision number"
    return {
        "message": f"`{url}` {what}",
        "detail": f"{why}, so the same requirement installs different code over time and nothing records "
        "which commit a result came from.",
        "help": f"Pin {pin}",
    }


def _url_text(requirement: Requirement) -> dict:
    return {
        "message": f"`{requirement.url}` is downloaded without a content hash",
        "detail": "A file behind a URL can be replaced on the server, and without a hash pip installs the new "
        "file silently.",
        "help": "Append `#sha256=<digest>` to the URL or add `--hash=sha256:<digest>` (`pip hash FILE` prints it)",
    }
