"""DET2xx: nondeterministic operations and determinism switches."""
