from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from detlint.versions import Specifier, SpecifierSet, Version

packaging_version = pytest.importorskip("packaging.version")
packaging_specifiers = pytest.importorskip("packaging.specifiers")


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("2.4.0", "2.4.0"),
        ("2.4.0+cu121", "2.4.0+cu121"),
        ("v1.13.1", "1.13.1"),
        ("1.0RC1", "1.0rc1"),
        ("1.0.alpha.2", "1.0a2"),
        ("1.0-beta", "1.0b0"),
        ("1.0c3", "1.0rc3"),
        ("1.0-1", "1.0.post1"),
        ("1.0.rev2", "1.0.post2"),
        ("1.0.post", "1.0.post0"),
        ("2.0.0.dev20230101", "2.0.0.dev20230101"),
        ("1!2.0", "1!2.0"),
        ("1.0+Ubuntu-1_2", "1.0+ubuntu.1.2"),
        ("  2.1  ", "2.1"),
    ],
)
def test_parse_normalises(text, normalised):
    assert str(Version.parse(text)) == normalised


def test_parts_of_a_version():
    version = Version.parse("1!2.4.0rc1.post2.dev3+cu121")
    assert (version.epoch, version.release, version.pre, version.post, version.dev, version.local) == (
        1,
        (2, 4, 0),
        ("rc", 1),
        2,
        3,
        "cu121",
    )
    assert version.public == "1!2.4.0rc1.post2.dev3"
    assert version.base == Version.parse("1!2.4")
    assert version.is_prerelease and version.is_postrelease


def test_ordering_follows_pep_440():
    ordered = [
        "1.0.dev0",
        "1.0a1.dev1",
        "1.0a1",
        "1.0a2",
        "1.0b1",
        "1.0rc1",
        "1.0",
        "1.0.post1.dev0",
        "1.0.post1",
        "1.0.1",
        "1.9",
        "1.10",
        "2.0.0rc1",
        "2.0.0",
        "2.0.0.post1",
        "1!0.1",
    ]
    versions = [Version.parse(text) for text in ordered]
    assert sorted(reversed(versions)) == versions
    assert all(first < second for first, second in zip(versions, versions[1:]))


def test_trailing_zeros_and_local_labels_do_not_change_equality():
    assert Version.parse("1.0") == Version.parse("1.0.0")
    assert Version.parse("2.4.0+cu121") == Version.parse("2.4.0")
    assert hash(Version.parse("2.4.0+cu121")) == hash(Version.parse("2.4"))
    assert not Version.parse("2.4.0+cu121") < Version.parse("2.4.0+cu118")
    assert Version.parse("1.10") > Version.parse("1.9")


@pytest.mark.parametrize("text", ["", "abc", "1..2", "1.0+", "1.0+a..b", "1.0-", "2.x", "1.0 rc1 extra"])
def test_nonsense_is_a_clear_error(text):
    with pytest.raises(ValueError, match="invalid version"):
        Version.parse(text)


def test_non_strings_are_rejected():
    with pytest.raises(ValueError, match="must be a string"):
        Version.parse(2.4)  # type: ignore[arg-type]


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
        ("==2.4", "2.4.0+cu121", True),
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
        (">1.0rc1", "1.0.post1", True),
        (">1.0.dev0", "1.0.post0", True),
        ("<1.0.post1", "1.0rc1", True),
        ("<=2.0", "2.0+local", True),
        (">=2.0", "2.0.0.dev1", False),
        (">=2.0.dev1", "2.0.0rc1", True),
        ("~=2.2", "2.9", True),
        ("~=2.2", "3.0", False),
        ("~=2.2.1", "2.2.5", True),
        ("~=2.2.1", "2.3", False),
        ("===2.4.0+cu121", "2.4.0+cu121", True),
        ("===2.4", "2.4.0", False),
        ("", "0.1", True),
        (" >= 1.8 , < 2.1 ", "1.9", True),
    ],
)
def test_specifier_sets_contain_what_pep_440_says(specifier, version, expected):
    assert SpecifierSet.parse(specifier).contains(version) is expected
    assert (Version.parse(version) in SpecifierSet.parse(specifier)) is expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (">=", "expected an operator"),
        ("=>1.0", "expected an operator"),
        ("1.0", "expected an operator"),
        (">=1.0,,<2", "expected an operator"),
        (">=1.x", "is not a version"),
        (">=1.0.*", "allowed only with == and !="),
        ("<1.0+local", "local version label"),
        ("==1.0.dev1.*", "release numbers only"),
        ("==1.0rc1.*", "release numbers only"),
        ("~=1", "at least two release segments"),
    ],
)
def test_bad_specifiers_are_clear_errors(text, problem):
    with pytest.raises(ValueError, match=problem) as error:
        SpecifierSet.parse(text)
    assert "invalid version specifier" in str(error.value)


def test_specifiers_print_normalised():
    assert str(SpecifierSet.parse(">= 1.8.0 , <2.1RC1")) == ">=1.8.0,<2.1rc1"
    assert [str(spec) for spec in SpecifierSet.parse("==2.*,!=2.1")] == ["==2.*", "!=2.1"]
    assert Specifier.parse("==2.*").is_wildcard


# -- agreement with `packaging`, the reference implementation (local labels aside) --------------------

_segments = st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=3)
_versions = st.builds(
    lambda release, pre, post, dev: ".".join(map(str, release)) + pre + post + dev,
    _segments,
    st.sampled_from(["", "a1", "b2", "rc1", "rc0"]),
    st.sampled_from(["", ".post0", ".post1"]),
    st.sampled_from(["", ".dev0", ".dev3"]),
)


@given(_versions, _versions)
def test_ordering_agrees_with_packaging(first, second):
    ours = (Version.parse(first) > Version.parse(second)) - (Version.parse(first) < Version.parse(second))
    theirs = (packaging_version.Version(first) > packaging_version.Version(second)) - (
        packaging_version.Version(first) < packaging_version.Version(second)
    )
    assert ours == theirs


@given(
    st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "~="]),
    _versions,
    _versions,
    st.sampled_from(["", "+cu121"]),
    st.booleans(),
)
def test_matching_agrees_with_packaging(operator, bound, candidate, local, wildcard):
    assume(operator != "~=" or len(Version.parse(bound).release) >= 2)
    wildcard = wildcard and operator in ("==", "!=") and bound.replace(".", "").isdigit()
    clause = f"{operator}{bound}{'.*' if wildcard else ''}"
    candidate += local
    expected = packaging_specifiers.SpecifierSet(clause).contains(candidate, prereleases=True)
    assert SpecifierSet.parse(clause).contains(candidate) is expected
