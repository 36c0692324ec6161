"""Run every benchmark: `python -m bench` (or `make bench`). Each prints its own table."""

import sys

from bench import bridge, importer


def main() -> int:
    bridge.main(sys.argv[1:])
    importer.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
