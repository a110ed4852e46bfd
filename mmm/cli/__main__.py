"""``python -m mmm.cli``: the same command line as the ``mmm`` script."""

import sys

from mmm.cli import main

sys.exit(main())
