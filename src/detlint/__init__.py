"""detlint: find what makes machine-learning runs irreproducible."""

__version__ = "0.1.0"
