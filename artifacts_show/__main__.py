"""python -m artifacts_show"""

import sys

from .cli import main

sys.exit(main())
