"""Reporters render sorted findings to a string; they do no I/O, so their output is easy to test."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from detlint.finding import Finding
from detlint.reporters import github, gitlab, json_report, sarif, text

Renderer = Callable[..., str]

FORMATS: dict[str, Renderer] = {
    "concise": text.render,
    "full": functools.partial(text.render, full=True),
    "text": text.render,  # the older name of `concise`, kept for existing configurations and scripts
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
}
# The formats for people: paths relative to the working directory, source read for `full`.
TEXT_FORMATS = frozenset({"concise", "full", "text"})


def render(output_format: str, findings: Sequence[Finding], **options: object) -> str:
    return FORMATS[output_format](findings, **options)
