"""`detlint probe`: run the catalogued operations behind op findings on synthetic inputs, to tell
whether they really are nondeterministic on this device and framework version, and what the
framework's deterministic mode costs.

The analyzer never imports this package. The probe never imports or runs the analysed project's code:
it replays the catalog's recipes (`detlint.probe.recipes`) with seeded synthetic data, each framework
in a worker process of its own (`detlint.probe.worker`) started in an empty directory, with a time
limit per recipe.

Importing this package imports nothing else: the worker process, which imports only the modules it
needs, starts from here too.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ProbeOptions", "ProbeResult", "ProbeStatus", "probe_findings"]


def __getattr__(name: str) -> Any:
    if name in ("ProbeResult", "ProbeStatus"):
        from detlint.probe import results

        return getattr(results, name)
    if name in ("ProbeOptions", "probe_findings"):
        from detlint.probe import session

        return getattr(session, name)
    raise AttributeError(name)
