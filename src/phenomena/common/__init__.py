"""Shared plumbing of every study: naming, sweeps, seeding, provenance, tables, training, plots."""
