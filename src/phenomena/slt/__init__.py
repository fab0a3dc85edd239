"""Singular learning theory: the local learning coefficient (LLC) and its estimator, calibrated where it is known."""
