"""The dependency parsers on real syntax: positions, tricky lines, every format, and malformed input
that becomes a problem record (never an exception)."""

from __future__ import annotations

import pickle

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detlint.dependency_files import Clause, parse_dependency_text, parse_setup_py
from detlint.dependency_files.conda import parse_match_spec
from detlint.dependency_files.pep508 import RequirementError, parse_requirement
from detlint.dependency_files.pyproject import poetry_clauses
from detlint.finding import Span


def parse(name: str, text: str):
    return parse_dependency_text(name, text)


def only(name: str, text: str):
    file = parse(name, text)
    assert not file.problems, file.problems
    (requirement,) = file.requirements
    return requirement


# -- requirements files --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "name", "clauses", "extras", "marker"),
    [
        ("torch==2.4.0+cu121", "torch", (Clause("==", "2.4.0+cu121"),), (), ""),
        ("numpy>=1.26,<2", "numpy", (Clause(">=", "1.26"), Clause("<", "2")), (), ""),
        (
            'tensorflow[and-cuda]==2.15.0; sys_platform == "linux"',
            "tensorflow",
            (Clause("==", "2.15.0"),),
            ("and-cuda",),
            'sys_platform == "linux"',
        ),
        ("Foo.Bar_baz (>=1.0)", "Foo.Bar_baz", (Clause(">=", "1.0"),), (), ""),
        ("keras===3.4.1", "keras", (Clause("===", "3.4.1"),), (), ""),
        ("scipy", "scipy", (), (), ""),
    ],
)
def test_requirement_lines(line, name, clauses, extras, marker):
    requirement = only("requirements.txt", line + "\n")
    assert (requirement.name, requirement.clauses, requirement.extras, requirement.marker) == (
        name,
        clauses,
        extras,
        marker,
    )
    assert requirement.kind == "registry" and requirement.span.line == 1


def test_positions_skip_indentation_and_comments():
    text = "# header\n\n   numpy>=1.26   # the array library\n"
    requirement = only("requirements.txt", text)
    assert requirement.span == Span(3, 3, 3, 14)
    assert requirement.text == "numpy>=1.26"


def test_continuation_lines_join_and_the_requirement_covers_all_of_them():
    text = "scikit-learn==1.5.0 \\\n    --hash=sha256:" + "a" * 64 + " \\\n    --hash=sha256:" + "b" * 64 + "\nnumpy\n"
    file = parse("requirements.txt", text)
    first, second = file.requirements
    assert first.statement_lines == (1, 3) and first.span.line == 1
    assert first.hashes == ("sha256:" + "a" * 64, "sha256:" + "b" * 64)
    assert second.span.line == 4


def test_a_comment_line_ends_a_continuation_as_in_pip():
    file = parse("requirements.txt", "torch \\\n# comment\nnumpy\n")
    assert [requirement.name for requirement in file.requirements] == ["torch", "numpy"]


def test_hash_in_a_url_is_not_a_comment():
    requirement = only("requirements.txt", "https://x.org/pkg-1.0.tar.gz#sha256=" + "c" * 64 + "\n")
    assert requirement.kind == "url" and requirement.url.endswith("c" * 64) and requirement.name == "pkg"


def test_options_includes_and_editables():
    text = (
        "--index-url https://pypi.org/simple\n"
        "--extra-index-url=https://download.pytorch.org/whl/cu121\n"
        "-f https://data.pyg.org/whl/torch-2.4.0+cu121.html\n"
        "--pre\n"
        "-r base.txt\n"
        "-rother.txt\n"
        "--requirement=third.txt\n"
        "-c constraints.txt\n"
        "-e .\n"
        "-e ./libs/tool[dev]\n"
        "-e git+https://github.com/org/tool.git@v1#egg=tool\n"
    )
    file = parse("requirements.txt", text)
    assert not file.problems
    assert [(option.name, option.value) for option in file.options] == [
        ("--index-url", "https://pypi.org/simple"),
        ("--extra-index-url", "https://download.pytorch.org/whl/cu121"),
        ("--find-links", "https://data.pyg.org/whl/torch-2.4.0+cu121.html"),
        ("--pre", ""),
    ]
    assert [(include.kind, include.target) for include in file.includes] == [
        ("requirement", "base.txt"),
        ("requirement", "other.txt"),
        ("requirement", "third.txt"),
        ("constraint", "constraints.txt"),
    ]
    local, tool, vcs = file.requirements
    assert (local.kind, local.url, local.editable) == ("path", ".", True)
    assert (tool.kind, tool.url, tool.extras) == ("path", "./libs/tool", ("dev",))
    assert (vcs.kind, vcs.name, vcs.revision, vcs.editable) == ("vcs", "tool", "v1", True)


@pytest.mark.parametrize(
    ("line", "kind", "revision", "name"),
    [
        ("git+https://github.com/openai/CLIP.git@main", "vcs", "main", ""),
        ("git+https://github.com/openai/CLIP.git@" + "d" * 40, "vcs", "d" * 40, ""),
        ("clip @ git+https://github.com/openai/CLIP.git", "vcs", "", "clip"),
        ("git+ssh://git@github.com/org/repo.git@v2.0#egg=repo", "vcs", "v2.0", "repo"),
        ("git+git@github.com:org/repo.git@abc#egg=repo", "vcs", "abc", "repo"),
        ("hg+https://hg.example.org/repo@tip#egg=repo", "vcs", "tip", "repo"),
        ("https://download.pytorch.org/whl/cu118/torch-2.0.0%2Bcu118-cp310-cp310-linux_x86_64.whl", "url", "", "torch"),
        ("./dist/tool-0.1.0-py3-none-any.whl", "path", "", "tool"),
        ("file:///opt/wheels/local-1.0-py3-none-any.whl", "path", "", "local"),
        ("C:\\wheels\\pkg", "path", "", ""),
    ],
)
def test_url_vcs_and_path_requirements(line, kind, revision, name):
    requirement = only("requirements.txt", line + "\n")
    assert (requirement.kind, requirement.revision, requirement.name) == (kind, revision, name)


@pytest.mark.parametrize(
    ("line", "message", "column"),
    [
        ("numpy=1.26", "write `numpy==1.26`", 5),
        ("torch>=", "expected a version after `>=`", 5),
        ("pandas >= 2.0 bad", "invalid version", 7),
        ("--no-such-option", "pip does not accept the option `--no-such-option`", 0),
        ("keras ; python_version >> '3.8'", "invalid environment marker", 7),
        ("foo[bar", "unclosed `[`", 3),
        ("-r", "`-r` needs a value", 0),
        ("torch==2.4 --hash=md5:abc", "`--hash=md5:abc` is not", 11),
        ("torch 2.4", "needs an operator", 6),
        ("foo>=1.0+local", "`>=` takes neither", 3),
        ("foo<=1.0.*", "`<=` takes neither", 3),
        ("foo~=1", "`~=` needs at least two release numbers, got `1`", 3),
        ("foo== ==1", "invalid version `==1`", 3),  # not `===` followed by `=1`
        ("foo===1.0)", "invalid version `1.0)`", 3),  # `===` takes anything but white space, `;` and `)`
        ("foo; os_name == '\\N'", "invalid environment marker `os_name == '\\N'`", 4),  # not a Python string
        ('foo; os_name == "\x00"', "invalid environment marker", 4),  # a NUL byte
    ],
)
def test_lines_pip_rejects_are_problems_with_positions(line, message, column):
    file = parse("requirements.txt", "scipy==1.13.1\n" + line + "\n")
    (problem,) = file.problems
    assert message in problem.message
    assert (problem.line, problem.column) == (2, column)
    assert [requirement.name for requirement in file.requirements] == ["scipy"]


def test_crlf_and_bom_free_text():
    file = parse("requirements.txt", "torch==2.4.1\r\nnumpy>=1.26\r\n")
    assert [r.span.line for r in file.requirements] == [1, 2]
    assert file.requirements[1].text == "numpy>=1.26"


def test_pip_compile_header_is_recorded():
    text = "#\n# This file is autogenerated by pip-compile with Python 3.11\n#\ntorch==2.4.1\n"
    assert "pip-compile" in parse("requirements.txt", text).header


# -- PEP 508 strings against packaging -----------------------------------------------------------------
STRINGS = [
    "torch", "torch==2.4.0+cu121", "foo (>=1.0)", "foo[bar,baz]>=1", "foo [ bar , baz ] >= 1", "foo>=1.0+local",
    "foo~=1", "foo~=1.0", "foo==1.0.*", "foo>=1.0.*", "foo!=1.0.*", "foo===weird-thing", "foo @ https://x/y.whl",
    "foo@https://x/y.whl", 'foo @ https://x/y.whl; python_version<"3"', 'foo @ https://x/y.whl ; python_version<"3"',
    'foo ; python_version < "3.8" and (os_name == "nt" or platform_machine == "x86_64")', 'foo; extra == "gpu"',
    'foo; python_version not in "3.8"', 'foo; "3.8" < python_version', 'foo; bogus == "1"', "foo; python_version",
    "foo==", "foo=1", "foo 1.0", "foo>=1.0 bar", "foo>=1.0a1", "foo>=1.0.post1.dev2", "foo==v1.0", "foo==1.0-1",
    "foo>=1!2.0", "-foo", "foo[", "foo[]", "foo[,]", "foo>=1,", "foo>=1,,<2", "foo<=1.0+x", "foo==1.0+x.y",
    "foo==1.0+", 'foo ; python_version>="3" and', 'foo;os.name=="nt"', "1foo", "foo-", "foo @", "foo==1.*.2",
    "foo~=1.0.*", 'foo>=1.0;python_version>="3.8"', "foo===1.0)", "foo== ==1",
    'foo; extras == "gpu"', 'foo; dependency_groups == "dev"', 'foo; platform.release == "5"',
]  # fmt: skip


@pytest.mark.parametrize("text", STRINGS)
def test_pep508_acceptance_matches_packaging(text):
    requirements = pytest.importorskip("packaging.requirements")
    try:
        requirements.Requirement(text)
        accepted = True
    except requirements.InvalidRequirement:
        accepted = False
    try:
        parse_requirement(text)
        ours = True
    except RequirementError:
        ours = False
    assert ours == accepted


# -- Poetry and conda syntax ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("constraint", "clauses"),
    [
        ("^2.1", (Clause(">=", "2.1"), Clause("<", "3.0"))),
        ("^0.2.3", (Clause(">=", "0.2.3"), Clause("<", "0.3.0"))),
        ("^0.0.3", (Clause(">=", "0.0.3"), Clause("<", "0.0.4"))),
        ("~1.2.3", (Clause(">=", "1.2.3"), Clause("<", "1.3.0"))),
        ("~1", (Clause(">=", "1"), Clause("<", "2.0"))),
        ("2.1.0", (Clause("==", "2.1.0"),)),
        ("==2.1.0", (Clause("==", "2.1.0"),)),
        ("*", ()),
        (">= 1.2, < 1.5", (Clause(">=", "1.2"), Clause("<", "1.5"))),
        (">=1.2 <1.5", (Clause(">=", "1.2"), Clause("<", "1.5"))),
        ("^1.0 || ^2.0", (Clause("||", "^1.0 || ^2.0"),)),
        ("2.1.*", (Clause("==", "2.1.*"),)),
    ],
)
def test_poetry_constraints(constraint, clauses):
    assert poetry_clauses(constraint) == clauses


def test_invalid_poetry_constraint_is_a_problem():
    file = parse("pyproject.toml", '[tool.poetry.dependencies]\ntorch = "^two"\n')
    (problem,) = file.problems
    assert problem.line == 2 and "Poetry version constraint" in problem.message


@pytest.mark.parametrize(
    ("spec", "name", "clauses", "build", "channel"),
    [
        ("pytorch=2.1.0=py3.11_cuda12.1_0", "pytorch", (Clause("=", "2.1.0"),), "py3.11_cuda12.1_0", ""),
        ("numpy==1.26.4", "numpy", (Clause("==", "1.26.4"),), "", ""),
        ("numpy=1.26", "numpy", (Clause("=", "1.26"),), "", ""),
        ("numpy=1.26.*", "numpy", (Clause("=", "1.26"),), "", ""),
        ("numpy 1.26.4 py311_0", "numpy", (Clause("==", "1.26.4"),), "py311_0", ""),
        ("numpy >=1.26,<2", "numpy", (Clause(">=", "1.26"), Clause("<", "2")), "", ""),
        ("numpy >= 1.26", "numpy", (Clause(">=", "1.26"),), "", ""),
        ("conda-forge::xgboost>=2.0", "xgboost", (Clause(">=", "2.0"),), "", "conda-forge"),
        ("numpy=1.11.1|1.11.3", "numpy", (Clause("||", "=1.11.1|1.11.3"),), "", ""),
        ("numpy[version='>=1.26',build=py311*]", "numpy", (Clause(">=", "1.26"),), "py311*", ""),
        ("scipy", "scipy", (), "", ""),
    ],
)
def test_conda_match_specs(spec, name, clauses, build, channel):
    parsed = parse_match_spec(spec)
    assert (parsed.name, parsed.clauses, parsed.build, parsed.channel) == (name, clauses, build, channel)


def test_environment_file_with_channels_and_pip_section():
    text = (
        "name: demo\n"
        "channels:\n  - pytorch\n  - conda-forge\n"
        "dependencies:\n"
        "  - python=3.11\n"
        '  - "pytorch=2.1.0=py3.11_cuda12.1_0"\n'
        "  - pip:\n"
        "      - -r requirements.txt\n"
        "      - --extra-index-url https://download.pytorch.org/whl/cu121\n"
        "      - transformers>=4.40\n"
    )
    file = parse("environment.yml", text)
    assert not file.problems
    assert [option.value for option in file.options] == [
        "pytorch",
        "conda-forge",
        "https://download.pytorch.org/whl/cu121",
    ]
    assert [include.target for include in file.includes] == ["requirements.txt"]
    python, pytorch, transformers = file.requirements
    assert pytorch.span == Span(7, 5, 7, 36) and pytorch.build == "py3.11_cuda12.1_0"
    assert (transformers.section, transformers.span.line, transformers.span.column) == ("conda.pip", 11, 8)


def test_conda_lock_and_explicit_files():
    lock = parse(
        "conda-lock.yml",
        "version: 1\nmetadata: {}\npackage:\n- name: pytorch\n  version: 2.4.1\n  manager: conda\n"
        "- name: lightning\n  version: 2.4.0\n  manager: pip\n",
    )
    assert [(p.key, p.version, p.line, p.ecosystem) for p in lock.locked] == [
        ("pytorch", "2.4.1", 4, "conda"),
        ("lightning", "2.4.0", 7, "pypi"),
    ]
    explicit = parse(
        "conda-linux-64.lock",
        "# Generated by conda-lock.\n@EXPLICIT\n"
        "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py311h64a7726_0.conda#abc\n",
    )
    assert explicit.format == "conda-explicit"
    assert [(p.name, p.version, p.line) for p in explicit.locked] == [("numpy", "1.26.4", 3)]


# -- TOML formats -----------------------------------------------------------------------------------------
def test_pyproject_sections_and_exact_columns():
    text = (
        "[build-system]\n"
        'requires = ["setuptools>=61"]\n'
        "[project]\n"
        'name = "x"\n'
        "dependencies = [\n"
        '    "torch>=2.1",\n'
        "    'numpy==1.26.4',\n"
        "]\n"
        "[project.optional-dependencies]\n"
        'gpu = ["jax[cuda12]==0.4.30"]\n'
        "[dependency-groups]\n"
        'dev = ["pytest>=8", {include-group = "lint"}]\n'
        'lint = ["ruff"]\n'
        "[tool.uv]\n"
        'constraint-dependencies = ["numpy<2"]\n'
    )
    file = parse("pyproject.toml", text)
    assert not file.problems
    spans = {(r.section, r.name): r.span for r in file.requirements}
    assert spans[("project.dependencies", "torch")] == Span(6, 5, 6, 15)
    assert spans[("project.dependencies", "numpy")] == Span(7, 5, 7, 18)
    assert spans[("project.optional-dependencies.gpu", "jax")].line == 10
    assert spans[("build-system.requires", "setuptools")].line == 2
    assert spans[("dependency-groups.dev", "pytest")].line == 12
    assert spans[("tool.uv.constraint-dependencies", "numpy")].line == 15
    assert "uv" in file.tools


def test_uv_and_poetry_git_sources():
    text = (
        '[project]\nname = "x"\ndependencies = ["mylib", "torch>=2"]\n'
        '[tool.uv.sources]\nmylib = { git = "https://github.com/org/mylib", branch = "dev" }\n'
        'torch = { index = "pytorch-cu121" }\n'
    )
    mylib, torch = parse("pyproject.toml", text).requirements
    assert (mylib.kind, mylib.revision, mylib.revision_kind, mylib.span.line) == ("vcs", "dev", "branch", 5)
    assert torch.kind == "registry"
    poetry = parse(
        "pyproject.toml",
        '[tool.poetry.dependencies]\npython = "^3.10"\n'
        'lib = { git = "https://github.com/org/lib.git", rev = "' + "a" * 40 + '" }\n'
        "[tool.poetry.dependencies.other]\nversion = \"^1.0\"\nextras = [\"x\"]\n",
    )
    lib, other = poetry.requirements
    assert (lib.kind, lib.revision, lib.revision_kind) == ("vcs", "a" * 40, "rev")
    assert (other.name, other.extras, other.clauses[0]) == ("other", ("x",), Clause(">=", "1.0"))
    assert other.span.line == 4  # the sub-table's header


def test_pdm_dev_dependencies_take_editables():
    file = parse(
        "pyproject.toml",
        '[tool.pdm.dev-dependencies]\ntest = ["pytest>=8", "-e file:///${PROJECT_ROOT}/libs/helper#egg=helper"]\n',
    )
    pytest_requirement, helper = file.requirements
    assert pytest_requirement.section == "tool.pdm.dev-dependencies.test"
    assert (helper.kind, helper.editable, helper.name) == ("path", True, "helper")


def test_pyproject_structure_errors_are_problems():
    file = parse("pyproject.toml", '[project]\nname = "x"\ndependencies = "torch"\n')
    (problem,) = file.problems
    assert problem.line == 3 and "must be a list" in problem.message
    file = parse("pyproject.toml", '[project]\ndependencies = ["torch>=2", "numpy=1.26"]\n')
    (problem,) = file.problems
    assert (problem.line, problem.column) == (2, 34) and "numpy==1.26" in problem.message


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("pyproject.toml", '[project]\nname = "x"\nversion = 0.1.0\n', 3),
        ("uv.lock", '[[package]]\nname = "x"\nversion = \n', 3),
        ("Pipfile", '[packages]\nnumpy = ==1.26\n', 2),
        ("environment.yml", "dependencies:\n  - numpy\n - scipy\n", 3),
        ("conda-lock.yml", "package:\n  - name: x\n   version: 1\n", 3),
        ("Pipfile.lock", '{\n"default": {"x": }}', 2),
    ],
)
def test_malformed_data_files_are_one_problem_with_its_line(name, text, line):
    file = parse(name, text)
    (problem,) = file.problems
    assert problem.line == line and problem.message.startswith("not valid")


def test_lock_files_list_their_packages_with_lines():
    uv = parse("uv.lock", 'version = 1\n\n[[package]]\nname = "torch"\nversion = "2.4.1"\n\n[[package]]\nname = "numpy"\nversion = "1.26.4"\n')
    assert [(p.key, p.version, p.line) for p in uv.locked] == [("torch", "2.4.1", 4), ("numpy", "1.26.4", 8)]
    poetry = parse(
        "poetry.lock",
        '[[package]]\nname = "Torch"\nversion = "2.4.1"\n\n[package.dependencies]\nfilelock = "*"\n\n'
        '[[package]]\nname = "numpy"\nversion = "1.26.4"\n',
    )
    assert [(p.key, p.line) for p in poetry.locked] == [("torch", 2), ("numpy", 9)]
    pylock = parse("pylock.toml", 'lock-version = "1.0"\n[[packages]]\nname = "jax"\nversion = "0.4.30"\n')
    assert [(p.key, p.version, p.line) for p in pylock.locked] == [("jax", "0.4.30", 3)]
    pipfile_lock = parse(
        "Pipfile.lock",
        '{\n  "default": {\n    "torch": {\n      "version": "==2.4.1"\n    },\n'
        '    "mylib": {"git": "https://x/y.git", "ref": "' + "b" * 40 + '"}\n  },\n  "develop": {}\n}\n',
    )
    assert [(p.key, p.version, p.line) for p in pipfile_lock.locked] == [("torch", "2.4.1", 3), ("mylib", "", 6)]


def test_pipfile_forms():
    text = (
        '[packages]\ntorch = "*"\nnumpy = "==1.26.4"\nscipy = "1.13.1"\n'
        'pandas = {version = ">=2", extras = ["performance"]}\n'
        'lib = {git = "https://github.com/org/lib.git", ref = "main"}\nhere = {path = ".", editable = true}\n'
        '[dev-packages]\npytest = "*"\n'
    )
    file = parse("Pipfile", text)
    assert not file.problems
    by_name = {r.name: r for r in file.requirements}
    assert by_name["torch"].clauses == () and by_name["scipy"].clauses == (Clause("==", "1.13.1"),)
    assert by_name["pandas"].extras == ("performance",)
    assert (by_name["lib"].kind, by_name["lib"].revision) == ("vcs", "main")
    assert by_name["here"].kind == "path" and by_name["pytest"].section == "dev-packages"


# -- setup.cfg and setup.py ----------------------------------------------------------------------------------
def test_setup_cfg_lists():
    text = (
        "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    torch>=2\n    # comment\n    numpy==1.26.4\n"
        "[options.extras_require]\ngpu = cupy-cuda12x>=13; jax==0.4.30\n"
    )
    file = parse("setup.cfg", text)
    assert not file.problems
    assert [(r.name, r.section, r.span.line, r.span.column) for r in file.requirements] == [
        ("torch", "install_requires", 6, 4),
        ("numpy", "install_requires", 8, 4),
        ("cupy-cuda12x", "extras_require.gpu", 10, 6),
        ("jax", "extras_require.gpu", 10, 24),
    ]


def test_setup_py_literal_requirements_through_names_and_concatenation():
    source = (
        "import setuptools\n"
        "BASE = ['numpy>=1.26']\n"
        "def main():\n"
        "    setuptools.setup(\n"
        "        install_requires=BASE + [\"torch==2.4.1\"],\n"
        "        extras_require={'gpu': ['cupy>=13'], 'dyn': compute()},\n"
        "    )\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )
    file = parse_setup_py("setup.py", cst.parse_module(source))
    assert [(r.name, r.section, r.span.line, r.span.column) for r in file.requirements] == [
        ("numpy", "install_requires", 2, 9),
        ("torch", "install_requires", 5, 34),
        ("cupy", "extras_require.gpu", 6, 33),
    ]


def test_setup_py_dynamic_requirements_are_not_guessed():
    source = "from setuptools import setup\nsetup(install_requires=open('requirements.txt').read().splitlines())\n"
    assert parse_setup_py("setup.py", cst.parse_module(source)).requirements == ()


@pytest.mark.parametrize(
    ("name", "text", "distribution"),
    [
        ("pyproject.toml", '[project]\nname = "my-trainer"\n', "my-trainer"),
        ("pyproject.toml", '[tool.poetry]\nname = "poetry_pkg"\nversion = "1"\n', "poetry_pkg"),
        ("pyproject.toml", "[tool.ruff]\nline-length = 100\n", None),
        ("setup.cfg", "[metadata]\nname = cfg-pkg\n", "cfg-pkg"),
        ("setup.cfg", "[options]\ninstall_requires = numpy\n", None),
    ],
)
def test_manifests_name_the_project_itself(name, text, distribution):
    assert parse(name, text).distribution == distribution


@pytest.mark.parametrize(
    ("source", "distribution"),
    [
        ("from setuptools import setup\nsetup(name='geffnet')\n", "geffnet"),
        ("import setuptools\nNAME = 'timm'\nsetuptools.setup(name=NAME, install_requires=['torch'])\n", "timm"),
        ("from setuptools import setup\nsetup(name=read_name())\n", None),
    ],
)
def test_setup_py_names_the_project_from_a_literal_or_a_module_constant(source, distribution):
    assert parse_setup_py("setup.py", cst.parse_module(source)).distribution == distribution


# -- robustness ----------------------------------------------------------------------------------------------
def test_facts_are_picklable():
    file = parse("requirements.txt", "-r base.txt\n--index-url https://x\ntorch>=2\n")
    assert pickle.loads(pickle.dumps(file)) == file


NAMES = ["requirements.txt", "pyproject.toml", "setup.cfg", "environment.yml", "Pipfile", "Pipfile.lock",
         "uv.lock", "poetry.lock", "pdm.lock", "conda-lock.yml", "pylock.toml", "requirements.lock"]  # fmt: skip
FRAGMENTS = ["torch", ">=", "==", "2.1", "[", "]", "{", "}", "=", '"', "'", "\n", " ", "-", "@", ";", "#", ":",
             "git+https://x/y", "dependencies", "[project]", "- pip:", "\\", ",", "*", "^", "[[package]]", "\t"]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NAMES), st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_parsing_never_raises(name, text):
    file = parse_dependency_text(name, text)
    for problem in file.problems:
        assert problem.line >= 1 and "detlint bug" not in problem.message


def test_a_file_option_after_a_requirement_is_ignored_by_pip_and_an_unknown_one_rejected():
    ignored = parse_dependency_text("requirements.txt", "torch==2.4.1 --prefer-binary\n")
    assert [problem.message for problem in ignored.problems] == [
        "pip ignores `--prefer-binary` after a requirement: write it on a line of its own"
    ]
    assert [requirement.name for requirement in ignored.requirements] == ["torch"]
    # The format controls apply to the whole run wherever they are written (pip's parser callbacks set
    # them on the package finder): no problem, and the requirement is kept.
    applied = parse_dependency_text("requirements.txt", "albumentations>=0.3.2 --no-binary qudida,albumentations\n")
    assert list(applied.problems) == []
    assert [requirement.name for requirement in applied.requirements] == ["albumentations"]
    assert [(option.name, option.value) for option in applied.options] == [("--no-binary", "qudida,albumentations")]
    rejected = parse_dependency_text("requirements.txt", "torch==2.4.1 --frobnicate\n")
    assert [problem.message for problem in rejected.problems] == [
        "pip does not accept the option `--frobnicate` after a requirement"
    ]
