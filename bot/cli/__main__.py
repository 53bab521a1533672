"""`python -m bot.cli`: the same as the `citebot` command."""

import sys

from bot.cli import main

sys.exit(main())
