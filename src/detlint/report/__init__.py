"""`detlint report`: the reproducibility audit page."""
