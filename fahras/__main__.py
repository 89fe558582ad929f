import sys

from fahras.cli import main

sys.exit(main())
