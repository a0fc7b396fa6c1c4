import sys

from wav2sleep.cli.main import main

sys.exit(main())
