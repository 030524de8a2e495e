"""Where a path finding lands and the fix it offers: the first place on an entry point's call chain
in code that knows the library, and a line inserted before that statement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from detlint.facts.model import Site
from detlint.finding import Edit, Fix, Span

if TYPE_CHECKING:
    from detlint.project.entry_points import EntryPoint
    from detlint.project.index import ProjectIndex


def first_site_importing(index: ProjectIndex, chain: tuple[Site, ...], package: str) -> Site:
    """The first site on a call chain in a file that imports the package: where the package's
    behaviour enters an entry point's flow in code that knows about it (the entry script itself
    when it does), so that a file that never imports the package gets no finding about it."""
    for site in chain:
        facts = index.files.get(site.path)
        if facts is not None and any(module.split(".")[0] == package for module in facts.imports):
            return site
    return chain[-1]


def insertion_fix(
    index: ProjectIndex, site: Site, module: str, code: str, description: str, *, after: bool = False
) -> Fix | None:
    """An (unsafe) fix inserting `code` as its own line before (or `after`) the statement at `site`,
    written with the name the site's file binds to `module` (`np.random.seed(0)` under `import numpy
    as np`); None when the file binds no such name."""
    facts = index.files.get(site.path)
    if facts is None:
        return None
    head, _, rest = code.partition(".")
    local = next((name for name, full in facts.bindings.items() if full == head), None)
    if head != module or local is None:
        return None
    line = site.statement_lines[1] + 1 if after else site.statement_lines[0]
    edit = Edit(Span(line, 0, line, 0), f"{site.indent}{local}.{rest}\n")
    return Fix(description, (edit,), safe=False)


def landing(
    index: ProjectIndex, entry: EntryPoint, chain: tuple[Site, ...], package: str, code: str, description: str
) -> tuple[Site, Fix | None]:
    """The site a finding about `package` on `entry`'s path lands on, and an (unsafe) fix inserting
    `code` before it when that site is in the entry's own file (a fix elsewhere would change what
    every other importer of that module runs)."""
    site = first_site_importing(index, chain, package)
    fix = insertion_fix(index, site, package, code, description) if code and site.path == entry.path else None
    return site, fix
