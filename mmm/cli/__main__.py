"""``python -m mmm.cli``: the same command line as the ``mmm`` script."""

from mmm.cli import run

run()
