"""``python -m mmm``: the same command line as the ``mmm`` script."""

from mmm.cli import run

run()
