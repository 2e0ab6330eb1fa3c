"""Engines that run work: local, ray, slurm, kubernetes (and their pure helpers)."""
