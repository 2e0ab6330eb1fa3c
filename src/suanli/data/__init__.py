"""Data plane: datasets and curation (operators in :mod:`suanli.data.ops`, recipes, runners)."""
