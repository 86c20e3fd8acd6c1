import sys

from momentos.cli import main

sys.exit(main())
