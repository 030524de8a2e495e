"""A Markdown reference of every catalogued nondeterministic operation, rendered from the catalogs:
per op, how it is written, the argument condition, device, pass, and what happens in each version
range with and without the framework's deterministic mode. The output depends only on the catalog
content, so a committed copy can be checked for staleness."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from detlint.catalogs.conditions import Condition, Level
from detlint.catalogs.entries import Entry
from detlint.catalogs.loader import Catalog
from detlint.catalogs.ops import OpEntry, OpIndex, Status
from detlint.finding import one_line

INTRO = """\
# Nondeterministic operations

Generated from `rules/torch_ops.yaml`, `rules/tf_ops.yaml`, `rules/jax.yaml` and `rules/xgboost.yaml`
(edit those, not this page). Each row is one catalog entry: the calls it matches, the argument
condition under which it applies (all conditions must hold; *at run time* marks one that the source
code cannot show), the device and pass, and what happens in each version range.

Under deterministic mode an op **raises** (an error at run time, a warning with `warn_only=True`), is
*deterministic* (a deterministic implementation is selected) or stays *nondeterministic* (the mode
does not cover it). Without the mode every op listed is nondeterministic unless its status says
otherwise. *(unverified)* marks a version or behaviour inferred from indirect evidence.
"""

OP_COLUMNS = ("Op", "Written as", "Condition", "Device", "Pass", "Under deterministic mode", "Alternative")
SETTING_COLUMNS = ("Setting", "Condition", "Applies to", "Device", "Status", "Alternative")
DEVICES = {"cuda": "CUDA", "cpu": "CPU", "any": "any"}


def render_ops_table(catalog: Catalog) -> str:
    """The whole page: one section per framework, in a fixed order."""
    torch, tf, jax, xgboost = (catalog.ops[name] for name in ("torch_ops", "tf_ops", "jax", "xgboost"))
    switches = catalog.entries("tf_ops", "switches")
    switch_names = {switch.id: switch["name"] for switch in switches}
    sections = [
        _section(torch, _op_table(torch, {})),
        _section(tf, "### Switches\n\n" + _switch_table(switches), "### Operations\n\n" + _op_table(tf, switch_names)),
        _section(
            jax,
            "### Flags\n\n" + _flag_table(catalog.entries("jax", "flags")),
            "### Operations\n\n" + _op_table(jax, {}),
        ),
        _section(xgboost, _setting_table(xgboost)),
    ]
    return INTRO + "".join(sections) + "\n"


# -- sections ------------------------------------------------------------------------------------------


def _section(index: OpIndex, *parts: str) -> str:
    coverage = index.coverage
    about = []
    if coverage.deterministic_mode:
        about.append(f"Deterministic mode: {coverage.deterministic_mode}.")
    if coverage.verified:
        about.append(f"Checked against releases `{coverage.verified}`; open ranges assume later releases behave alike.")
    blocks = [f"## {coverage.title}", "\n".join(about), *parts]
    return "\n" + "\n\n".join(block for block in blocks if block)


def _op_table(index: OpIndex, switch_names: Mapping[str, str]) -> str:
    rows = [
        [
            entry.op,
            _calls(entry),
            _conditions(entry.conditions),
            DEVICES[entry.device],
            entry.pass_ or "",
            _statuses(entry.statuses, switch_names),
            entry.alternative,
        ]
        for entry in index.entries
    ]
    return _table(OP_COLUMNS, rows)


def _switch_table(switches: Sequence[Entry]) -> str:
    rows = [
        [
            f"`{switch['name']}`" + (f" = `{switch['setting']}`" if switch.get("setting") else ""),
            switch["kind"],
            _range(switch.get("versions", "")) + _unverified(switch.get("verified", True)),
            switch["scope"],
            _join_sentences(
                f"Deprecated in {switch['deprecated_in']}." if switch.get("deprecated_in") else "",
                switch.get("note", ""),
            ),
        ]
        for switch in switches
    ]
    return _table(("Switch", "Kind", "Versions", "Scope", "Notes"), rows)


def _flag_table(flags: Sequence[Entry]) -> str:
    rows = [
        [
            f"`{flag['name']}` = `{flag['setting']}`",
            flag["kind"],
            flag["role"],
            _range(flag.get("versions", "")) + _unverified(flag.get("verified", True)),
            _join_sentences(flag["effect"], flag.get("note", "")),
        ]
        for flag in flags
    ]
    return _table(("Flag", "Kind", "Role", "Versions", "Effect"), rows)


def _setting_table(index: OpIndex) -> str:
    rows = [
        [
            entry.op,
            _conditions(entry.conditions),
            ", ".join(entry.training_calls) or "every training call",
            DEVICES[entry.device],
            _statuses(entry.statuses, {}),
            entry.alternative,
        ]
        for entry in index.entries
    ]
    return _table(SETTING_COLUMNS, rows)


# -- cells ---------------------------------------------------------------------------------------------


def _calls(entry: OpEntry) -> str:
    written = [f"`{name}`" for name in (*entry.functions, *entry.classes)]
    written += [f"`.{name}()`" for name in entry.methods]
    return ", ".join(written)


def _literal(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _parameter(condition: Condition) -> str:
    aliases = "".join(f" (or `{alias}`)" for alias in condition.aliases)
    return f"`{condition.argument}`{aliases}"


def _condition(condition: Condition) -> str:
    if condition.argument is None:
        unseen = " (seldom holds and cannot be seen in the source: not reported, only probed)"
        return f"*at run time:* {condition.what}" + (unseen if condition.cap is Level.NONE else "")
    parameter = _parameter(condition)
    if condition.test == "given":
        return f"{parameter} {'given' if condition.operand else 'not given'}"
    if condition.test == "below":
        text = f"{parameter} < {condition.operand}"
    elif condition.test == "above":
        text = f"{parameter} > {condition.operand}"
    elif condition.test == "lengths":
        text = f"{parameter} holds {' or '.join(map(str, condition.operand))} items"
    else:
        values = " or ".join(f"`{_literal(value)}`" for value in condition.operand)
        text = f"{parameter} {'is' if condition.test == 'values' else 'is not'} {values}"
    return text + (f" (default `{_literal(condition.default)}`)" if condition.has_default else "")


def _conditions(conditions: Iterable[Condition]) -> str:
    return "; ".join(_condition(condition) for condition in conditions) or "—"


def _range(specifier: object) -> str:
    text = str(specifier)
    return f"`{text}`" if text else "all versions"


def _unverified(verified: bool) -> str:
    return "" if verified else " *(unverified)*"


def _status(status: Status, switches: Mapping[str, str]) -> str:
    outcome = status.deterministic_mode or status.default
    text = f"{_range(status.versions)}: " + (f"**{outcome}**" if outcome == "raises" else outcome)
    if status.switch:
        text += f" with `{switches.get(status.switch, status.switch)}`"
    if status.deterministic_mode and status.default == "deterministic":
        text += ", deterministic without it too"
    text += _unverified(status.verified)
    return text + (f" ({status.note})" if status.note else "")


def _statuses(statuses: Iterable[Status], switches: Mapping[str, str]) -> str:
    return "<br>".join(_status(status, switches) for status in statuses)


def _join_sentences(*parts: str) -> str:
    return " ".join(one_line(part) for part in parts if part)


def _cell(text: str) -> str:
    return one_line(text).replace("|", "\\|")


def _table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
