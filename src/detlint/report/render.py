"""The audit page as one self-contained HTML file (inline CSS and SVG, nothing fetched) or as Markdown
for a pull-request comment, from Jinja2 templates shipped with the package (`detlint[report]`)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from detlint import __version__
from detlint.report.audit import VERDICT_IDS
from detlint.report.charts import probe_chart

if TYPE_CHECKING:
    from detlint.report.audit import Audit

_BACKQUOTED = re.compile(r"`([^`]+)`")
_TEMPLATES = {"html": "report.html.j2", "markdown": "report.md.j2"}


class MissingExtra(Exception):
    """Jinja2 is not installed."""


def render(audit: Audit, output_format: str) -> str:
    try:
        import jinja2
    except ImportError:
        raise MissingExtra('`detlint report` needs Jinja2: pip install "detlint[report]"') from None
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("detlint.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["cell"] = _markdown_cell
    environment.filters["verdict_id"] = VERDICT_IDS.__getitem__
    environment.filters["code_spans"] = _code_spans
    template = environment.get_template(_TEMPLATES[output_format])
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    chart = probe_chart(audit.probe) if output_format == "html" else ""
    return template.render(audit=audit, version=__version__, made=made, chart=chart)


def _code_spans(text: str) -> object:
    """Text whose `backquoted` parts (as in findings' messages) become <code>, the rest escaped."""
    from markupsafe import Markup, escape

    return Markup(_BACKQUOTED.sub(lambda match: f"<code>{match.group(1)}</code>", str(escape(text))))


def _markdown_cell(value: object) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(str(value).split()).replace("|", "\\|")
