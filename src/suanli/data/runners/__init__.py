"""Runners: where a recipe's operators execute (``local``: processes on this machine)."""
