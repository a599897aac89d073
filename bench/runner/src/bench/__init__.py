"""Benchmarks and the realistic data generator."""
