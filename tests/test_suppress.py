from __future__ import annotations

from detlint.testing import check_source, found


def codes(source: str) -> set[tuple[int, str]]:
    return found(check_source(source))


def test_noqa_and_detlint_ignore_on_the_flagged_line():
    assert codes("import torch\ntorch.backends.cudnn.benchmark = True  # noqa: DET203\n") == set()
    assert codes("import torch\ntorch.backends.cudnn.benchmark = True  # NOQA:DET203,E501\n") == set()
    assert codes("import torch\ntorch.backends.cudnn.benchmark = True  # noqa\n") == set()
    assert codes("import torch\ntorch.backends.cudnn.benchmark = True  # detlint: ignore[DET2]\n") == set()


def test_suppression_on_any_line_of_a_multiline_statement():
    source = "import lightning as L\ntrainer = L.Trainer(  # detlint: ignore[cudnn-benchmark]\n    benchmark=True,\n    accelerator=\"cpu\",\n)\n"
    assert codes(source) == set()
    source = "import lightning as L\ntrainer = L.Trainer(\n    max_epochs=1,\n    benchmark=True,\n    accelerator=\"cpu\",\n)  # noqa: DET203\n"
    assert codes(source) == set()


def test_own_line_ignore_covers_the_next_statement_only():
    source = (
        "import torch\n# detlint: ignore[DET203]\n\ntorch.backends.cudnn.benchmark = True\n"
        "torch.backends.cudnn.benchmark = True\n"
    )
    assert codes(source) == {(5, "DET203")}


def test_suppression_in_a_compound_statement_header():
    source = "import torch\nwith torch.backends.cudnn.flags(benchmark=True):  # noqa: DET203\n    x = 1\n"
    assert codes(source) == set()


def test_other_codes_do_not_suppress():
    assert codes("import torch\ntorch.backends.cudnn.benchmark = True  # noqa: DET208\n") == {
        (2, "DET203"),
        (2, "DET090"),
    }


def test_file_ignore_by_prefix_and_name():
    body = "import torch\ntorch.backends.cudnn.benchmark = True\ntorch.use_deterministic_algorithms(False)\n"
    assert codes("# detlint: file-ignore[DET2]\n" + body) == set()
    assert codes("# detlint: file-ignore[cudnn-benchmark]\n" + body) == {(4, "DET208")}


def test_unused_suppressions_are_reported_once_per_selector():
    source = "import torch\nx = 1  # noqa: DET203, DET208, E501\n"
    findings = [f for f in check_source(source) if f.code == "DET090"]
    assert sorted(f.message for f in findings) == [
        "unused suppression: no DET203 finding here to silence",
        "unused suppression: no DET208 finding here to silence",
    ]


def test_noqa_text_inside_strings_is_not_a_suppression():
    assert codes('import torch\ntorch.backends.cudnn.benchmark = True; s = "# noqa: DET203"\n') == {(2, "DET203")}


def test_suppressions_in_data_files():
    from detlint.suppress import parse_suppressions

    text = 'torch>=2  # noqa: DET401\nname = "a # noqa: DET402"\n# detlint: ignore[DET403]\nx @ git+https://h/x\n'
    found_lines = [(s.kind, s.applies_to, s.selectors) for s in parse_suppressions(text, python=False)]
    assert found_lines == [("noqa", 1, ("DET401",)), ("ignore", 4, ("DET403",))]


# The edits an editor's "ignore" actions make: each must silence the finding (checked against the
# source before the edit, which reports it) and leave the rest of the file as it was.
BENCHMARK = "import torch\ntorch.backends.cudnn.benchmark = True\n"


def silenced(source: str, edit) -> str:
    from detlint.fixes import apply_edits

    def flagged(text: str) -> set[tuple[int, str]]:
        return {item for item in codes(text) if item[1] == "DET203"}

    assert flagged(source) == {(source.count("\n", 0, source.index("benchmark = True")) + 1, "DET203")}
    edited, made = apply_edits(source, [edit])
    assert made == 1
    assert flagged(edited) == set()
    return edited


def test_line_ignore_edit_adds_a_comment_or_extends_the_lines_own():
    from detlint.suppress import line_ignore_edit

    assert silenced(BENCHMARK, line_ignore_edit(BENCHMARK, 2, "DET203")) == (
        "import torch\ntorch.backends.cudnn.benchmark = True  # detlint: ignore[DET203]\n"
    )
    source = "import torch\ntorch.backends.cudnn.benchmark = True  # detlint: ignore[DET101]  # why\n"
    assert silenced(source, line_ignore_edit(source, 2, "DET203")).endswith("# detlint: ignore[DET101, DET203]  # why\n")
    source = "import torch\ntorch.backends.cudnn.benchmark = True  # tuned later\n"
    assert silenced(source, line_ignore_edit(source, 2, "DET203")).endswith("# tuned later  # detlint: ignore[DET203]\n")


def test_file_ignore_edit_goes_below_a_shebang_and_coding_line_or_extends_the_files_own():
    from detlint.suppress import file_ignore_edit

    source = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n" + BENCHMARK
    assert silenced(source, file_ignore_edit(source, "DET203")) == (
        "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# detlint: file-ignore[DET203]\n" + BENCHMARK
    )
    source = "# detlint: file-ignore[DET101]\n" + BENCHMARK
    assert silenced(source, file_ignore_edit(source, "DET203")).startswith("# detlint: file-ignore[DET101, DET203]\n")
    source = BENCHMARK.replace("\n", "\r\n")
    assert silenced(source, file_ignore_edit(source, "DET203")).startswith("# detlint: file-ignore[DET203]\r\n")


def test_a_rule_name_must_match_whole_and_a_code_prefix_from_the_start():
    flagged = "import torch\ntorch.backends.cudnn.benchmark = True  # detlint: ignore[{}]\n"
    assert codes(flagged.format("cudnn-benchmark")) == set()
    assert codes(flagged.format("CUDNN-Benchmark")) == set()
    assert codes(flagged.format("DET20")) == set()
    for selector in ("cudnn", "benchmark", "cudnn-benchmark-x", "DET2030", "ET203"):
        assert codes(flagged.format(selector)) == {(2, "DET203"), (2, "DET090")}, selector


def test_a_trailing_comment_after_a_blank_line_covers_its_own_line_not_the_next():
    source = "import torch\n\ntorch.backends.cudnn.benchmark = True  # detlint: ignore[DET203]\n"
    assert codes(source + "torch.backends.cudnn.benchmark = True\n") == {(4, "DET203")}


def test_comments_in_data_files_start_at_a_hash_after_whitespace_and_skip_comment_lines():
    from detlint.testing import check_project

    def flagged(requirements: str) -> set[tuple[int, str]]:
        return found(check_project({"requirements.txt": requirements}))

    assert flagged("torch #noqa:DET401\n") == set()
    assert flagged("torch\n") == {(1, "DET401")}
    # An own-line ignore skips comment lines, indented or not, to the requirement it covers.
    assert flagged("# detlint: ignore[DET401]\n  # pinned by the base image\n# see README\ntorch\nnumpy\n") == {
        (5, "DET401")
    }
