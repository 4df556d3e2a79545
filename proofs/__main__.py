"""``python -m proofs verify DIR/certificate.json``: re-check a certificate.

Exit 0 every theorem holds again, 1 one fails, 2 the file cannot be read,
3 the certificate proves nothing (its proofs were not run)."""

from __future__ import annotations

import argparse
import json
import sys

from derive.errors import InputError
from proofs.kernel.codec import FormatError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m proofs", description="Re-check a derive certificate from scratch."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="prove the certificate's formulas again")
    check.add_argument("certificate")
    args = parser.parse_args(argv)
    from proofs.certificate import verify

    try:
        ok, lines = verify(args.certificate)
    except (OSError, ValueError, KeyError, TypeError, InputError, FormatError) as error:
        if isinstance(error, json.JSONDecodeError) or not isinstance(error, FormatError):
            message = f"{args.certificate}: cannot read it ({type(error).__name__}: {error})"
        else:
            message = str(error)
        print(f"proofs: error: {message}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    if ok is None:
        return 3
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
