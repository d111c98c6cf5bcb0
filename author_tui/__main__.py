import sys

from author_tui.cli import main

sys.exit(main())
