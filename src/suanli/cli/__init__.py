"""The ``suanli`` command line: one module per noun, registered in :mod:`suanli.cli.main`."""
