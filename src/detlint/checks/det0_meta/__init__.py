"""DET0xx: diagnostics about the analysis itself."""
