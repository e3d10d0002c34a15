"""`python3 -m grader <verb>`: the entry point stays trivial so cli.main is testable."""

import sys

from grader.cli import main

sys.exit(main())
