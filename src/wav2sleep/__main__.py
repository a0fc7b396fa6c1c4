import sys

from wav2sleep.cli.main import console

sys.exit(console())
