"""Benchmarks: speed, memory and utility figures, each beside the comparison it names."""
