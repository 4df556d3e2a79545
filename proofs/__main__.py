"""``python -m proofs verify DIR/certificate.json``: replay a certificate.

Exit 0 every theorem holds again, 1 a step, a formula or a record was
edited (the line names it), 2 the file cannot be read, 3 the certificate
proves nothing."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m proofs",
        description="Replay a derive certificate's proofs with the kernel alone.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="replay the proofs and check the claims")
    check.add_argument("certificate")
    args = parser.parse_args(argv)
    from proofs.kernel.codec import FormatError
    from proofs.verify import Failed, verify

    try:
        ok, lines = verify(args.certificate)
    except FormatError as error:
        print(f"proofs: error: {error}", file=sys.stderr)
        return 2
    except Failed as error:
        print(f"FAILED: {error}")
        return 1
    except RecursionError:
        print(f"proofs: error: {args.certificate}: nested too deeply", file=sys.stderr)
        return 2
    except Exception as error:  # never a traceback: one line, and it does not hold
        name = type(error).__name__
        print(f"proofs: error: {args.certificate}: cannot be checked ({name})", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 3 if ok is None else 0


if __name__ == "__main__":
    raise SystemExit(main())
