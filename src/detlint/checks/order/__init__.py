"""DET3xx: data-order hazards."""
