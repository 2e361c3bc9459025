"""``python -m lockmigrate``."""

from lockmigrate.cli import main

raise SystemExit(main())
