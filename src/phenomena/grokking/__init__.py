"""Grokking on modular arithmetic (Power et al. 2022; Nanda et al. 2023; Lee et al. 2024)."""
