"""Synthetic demo data for trials, training and benchmarks."""
