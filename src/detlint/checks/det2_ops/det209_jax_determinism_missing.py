from __future__ import annotations

from collections.abc import Iterable

from detlint.checks.base import ProjectRule
from detlint.facts.model import EventKind
from detlint.finding import Confidence, Finding, Severity, short_code
from detlint.project.index import ProjectIndex
from detlint.project.op_paths import entry_finding, entry_states

FLAG = "--xla_gpu_deterministic_ops=true"


class JaxDeterminismMissing(ProjectRule):
    """
    ## What it does
    Reports a JAX entry point that calls operations XLA runs with atomics on GPU (scatter-adds such as
    `x.at[i].add(v)`, `jax.ops.segment_sum`) without `--xla_gpu_deterministic_ops=true` in
    `XLA_FLAGS` (set in `os.environ` before JAX initialises its backend). Medium confidence: whether
    the run uses a GPU is not visible in the code.

    ## Why is this bad?
    JAX's random numbers are explicit and reproducible, but XLA's GPU scatter and reduction kernels
    accumulate in a different order on every run unless deterministic ops are requested.

    ## Example
    ```python
    import jax.numpy as jnp

    if __name__ == "__main__":
        totals = jnp.zeros(3).at[jnp.array([0, 0, 1])].add(1.0)
    ```

    ## Use instead
    ```python
    import os

    os.environ["XLA_FLAGS"] = "--xla_gpu_deterministic_ops=true"

    import jax.numpy as jnp

    if __name__ == "__main__":
        totals = jnp.zeros(3).at[jnp.array([0, 0, 1])].add(1.0)
    ```

    ## References
    - [OpenXLA: deterministic GPU ops flag (PR 12520)](https://github.com/openxla/xla/pull/12520)
    - [JAX discussion: reproducibility on GPU](https://github.com/google/jax/discussions/10674)
    """

    code = "DET209"
    name = "jax-determinism-missing"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM

    VALID = (
        "import os\nos.environ['XLA_FLAGS'] = '--xla_gpu_deterministic_ops=true'\nimport jax\n\n"
        "if __name__ == '__main__':\n    jax.ops.segment_sum(jax.numpy.ones(3), jax.numpy.array([0, 0, 1]), 2)\n",
        "import jax.numpy as jnp\n\nif __name__ == '__main__':\n    print(jnp.ones(3).sum())\n",
    )
    INVALID = (
        "import jax\n\nif __name__ == '__main__':\n"
        "    jax.ops.segment_sum(jax.numpy.ones(3), jax.numpy.array([0, 0, 1]), 2)  # DET209\n",
    )

    def check(self, index: ProjectIndex) -> Iterable[Finding]:
        for state in entry_states(index):
            ops = [r for r in state.events(EventKind.OP) if r.event.subject.startswith("jax:")]
            if not ops or any(FLAG in r.event.detail for r in state.env("XLA_FLAGS")):
                continue
            first = ops[0]
            yield entry_finding(
                self,
                index,
                state,
                first,
                "jax",
                f"`{short_code(first.event.site.anchor)}` uses GPU atomics without `{FLAG}` in XLA_FLAGS",
                detail=f"{state.entry.describe()} runs `{short_code(first.event.site.anchor)}` "
                f"({first.event.detail}), which XLA computes with atomics on GPU, so its sums are accumulated in "
                "a different order on every run.",
                help=f'Set `os.environ["XLA_FLAGS"] = "{FLAG}"` before importing JAX',
                confidence=Confidence.weakest(first.confidence, self.confidence),
            )
