"""``python -m suanli.training.tinygpt``."""

import sys

from suanli.training.tinygpt.main import main

sys.exit(main())
