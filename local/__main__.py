"""`python -m local ...`: the developer commands of the local stack."""

import sys

from local.cli import main

sys.exit(main())
