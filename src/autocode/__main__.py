"""``python -m autocode`` — the same as the ``autocode`` command."""

import sys

from .cli import main

sys.exit(main())
