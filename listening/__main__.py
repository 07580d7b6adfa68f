"""``python -m listening serve`` runs a server, ``… ticker`` only the ticker; anything else
goes to the CLI."""

import sys


def main() -> None:
    """Dispatch to the server entry point or the CLI."""
    if sys.argv[1:2] == ["serve"]:
        from .serve import main as serve

        serve(sys.argv[2:])
    elif sys.argv[1:2] == ["ticker"]:
        from .serve import ticker_main

        ticker_main(sys.argv[2:])
    else:
        from .cli import cli

        cli()


if __name__ == "__main__":
    main()
