"""PEP 440 as detlint applies it: `packaging` parses and matches, detlint decides that pinned
pre-releases count, that a framework version counts as its final release, and how conda and
Poetry clauses that are not PEP 440 meet a pin."""

from __future__ import annotations

import pytest
from packaging.version import Version

from detlint.dependency_files import Clause, Requirement
from detlint.finding import Span
from detlint.project.dependencies import satisfies
from detlint.versions import VersionRange, final_release


@pytest.mark.parametrize(
    ("specifier", "version", "expected"),
    [
        (">=1.8,<2.1", "2.0.1", True),
        (">=1.8,<2.1", "2.1", False),
        (">=1.8,<2.1", "1.7.1", False),
        ("==2.*", "2.4.0+cu121", True),
        ("==2.*", "3.0", False),
        ("==2.1.*", "2.1", True),
        ("==2.1.*", "2.10", False),
        ("!=2.1.*", "2.1.3", False),
        ("!=2.1.*", "2.2", True),
        ("==2.4", "2.4.0+cu121", True),  # no local label in the clause: any local build matches
        ("==2.4.0+cu121", "2.4.0+cu121", True),
        ("==2.4.0+cu121", "2.4.0+cu118", False),
        ("!=2.4", "2.4.0", False),
        ("<2.0", "1.9", True),
        ("<2.0", "2.0rc1", False),  # a pre-release of the bound itself is not below it
        ("<2.0rc2", "2.0rc1", True),
        ("<2.0", "1.9.post1", True),
        (">1.7", "1.7.post1", False),  # nor is a post-release of the bound above it
        (">1.7", "1.7+local", False),
        (">1.7", "1.7.1", True),
        (">1.7.post1", "1.7.post2", True),
        ("<=2.0", "2.0+local", True),
        (">=2.0", "2.0.0.dev1", False),
        (">=2.0.dev1", "2.0.0rc1", True),
        ("~=2.2", "2.9", True),
        ("~=2.2", "3.0", False),
        ("~=2.2.1", "2.3", False),
        ("===2.4.0+cu121", "2.4.0+cu121", True),
        ("===2.4", "2.4.0", False),
        ("", "0.1", True),
    ],
)
def test_ranges_contain_what_pep_440_says(specifier, version, expected):
    assert VersionRange(specifier).contains(version) is expected
    assert VersionRange(specifier).contains(Version(version)) is expected


@pytest.mark.parametrize("version", ["2.1rc1", "2.1.0a2", "2.2.dev20250101", "3.0b1"])
def test_a_pinned_pre_release_is_in_range_like_any_release(version):
    assert VersionRange(">=2.0,<4").contains(version)


def test_ranges_print_as_written():
    versions = VersionRange(">=1.8,<2.1")
    assert str(versions) == ">=1.8,<2.1"  # `packaging` would print "<2.1,>=1.8"
    assert {(clause.operator, clause.version) for clause in versions} == {(">=", "1.8"), ("<", "2.1")}


@pytest.mark.parametrize(
    "text", [">=", "=>1.0", "1.0", ">=1.x", ">=1.0.*", "<1.0+local", "==1.0.dev1.*", "==1.0rc1.*", "~=1", "=1.0"]
)
def test_invalid_ranges_are_value_errors(text):
    with pytest.raises(ValueError, match="Invalid specifier"):
        VersionRange(text)


@pytest.mark.parametrize(
    ("version", "release"),
    [
        ("2.1.0rc1", "2.1.0"),
        ("2.1.0.post1", "2.1.0"),
        ("2.4.0+cu121", "2.4"),
        ("2.10.0.dev20250901", "2.10"),
        ("1!2.0b1", "1!2.0"),
        ("v1.13.1", "1.13.1"),
    ],
)
def test_a_version_counts_as_its_final_release(version, release):
    assert final_release(version) == Version(release)
    assert final_release(Version(version)) == Version(release)


def test_local_labels_take_part_in_version_equality_but_not_in_the_release():
    assert Version("2.4.0+cu121") != Version("2.4.0")
    assert final_release("2.4.0+cu121") == final_release("2.4.0")


@pytest.mark.parametrize("text", ["", "abc", "1..2", "1.0+", "2.x", "1.0 rc1 extra"])
def test_an_invalid_version_is_a_value_error(text):
    with pytest.raises(ValueError, match="Invalid version"):
        final_release(text)


# -- a pinned version against a requirement's clauses --------------------------------------------------


def requirement(*clauses: tuple[str, str], ecosystem: str = "pypi") -> Requirement:
    return Requirement(
        name="pkg",
        key="pkg",
        specifier=",".join(operator + version for operator, version in clauses),
        clauses=tuple(Clause(operator, version) for operator, version in clauses),
        span=Span(1, 0, 1, 3),
        text="pkg",
        section="requirements",
        ecosystem=ecosystem,
    )


@pytest.mark.parametrize(
    ("clauses", "version", "expected"),
    [
        ((), "anything at all", True),  # nothing asked: any pin will do, even one that is not PEP 440
        (((">=", "2.0"), ("<", "3")), "2.1rc1", True),  # pre-releases count
        ((("==", "2.4.*"),), "2.4.1+cu121", True),
        ((("==", "2.4.0+cu121"),), "2.4.0+cu118", False),
        ((("===", "2.4"),), "v2.4", True),  # the pin is compared as PEP 440 writes it
        (((">=", "2.0"),), "not-a-version", False),
        (((">=", "2.x"),), "2.1", False),
        ((("||", "^1.0 || ^2.0"),), "1.5", False),  # alternatives are never taken as met
    ],
)
def test_pins_and_pypi_clauses(clauses, version, expected):
    assert satisfies(requirement(*clauses), version) is expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.26", True), ("1.26.4", True), ("1.26.0rc1", True), ("1.27.0", False), ("1.2", False), ("1.260", False)],
)
def test_conda_equals_is_a_release_prefix(version, expected):
    assert satisfies(requirement(("=", "1.26"), ecosystem="conda"), version) is expected


def test_a_single_equals_outside_conda_is_no_clause_at_all():
    assert not satisfies(requirement(("=", "1.26")), "1.26")
