"""Run every benchmark: `python -m bench` (or `make bench`). Each prints its own table."""

import sys

from bench import bridge, first_load, importer


def main() -> int:
    bridge.main(sys.argv[1:])
    importer.main([])
    first_load.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
