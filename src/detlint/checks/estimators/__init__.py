"""DET105-DET106: estimators and gradient-boosting models that draw random numbers without a seed."""
