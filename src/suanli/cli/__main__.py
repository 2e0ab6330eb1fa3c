"""``python -m suanli.cli``."""

from suanli.cli.main import main

main()
