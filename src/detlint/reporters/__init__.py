"""Reporters render sorted findings to a string; they do no I/O, so their output is easy to test."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from detlint.finding import Finding
from detlint.reporters import github, gitlab, json_report, sarif, text

Renderer = Callable[..., str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
}


def render(output_format: str, findings: Sequence[Finding], **options: object) -> str:
    return FORMATS[output_format](findings, **options)
