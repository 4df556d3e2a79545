"""The command line: ``python -m derive --layers N …``.

Input is validated before any work and any writing; an
:class:`~derive.support.errors.InputError` becomes one line on stderr and exit
status 2.  Exit 0 is success, 1 a proof that failed, and for ``prove`` 3
when no proof could be attempted for the network.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from derive import __version__
from derive.support.errors import InputError, did_you_mean, internal_error, one_line, quote
from derive.support.wrapping import wrap

DEFAULT_OUT = "derive-out"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, as every other input error."""

    def error(self, message):
        raise InputError(message)

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an unknown option close to a known one is
        named ("unrecognized arguments: --layer 3; did you mean '--layers'?"),
        and a claim the shell split into words is recognised."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            shown = " ".join(_detached(extras))
            self.error(f"unrecognized arguments: {shown}{self._hint(parsed, extras)}")
        return parsed

    def _hint(self, parsed, extras: list[str]) -> str:
        """What the first unrecognised word most likely meant: a claim the
        shell split, another command's option, a misspelt option or command."""
        first = extras[0]
        claim = getattr(parsed, "claim", None)
        words = [claim, *extras] if claim is not None else []
        if not first.startswith("--") and "=" in " ".join(words):
            return (
                f"; the shell split the claim into words: quote it whole, {quote(' '.join(words))}"
            )
        if not first.startswith("-"):
            commands = [f"derive {command}" for command in COMMANDS]
            return did_you_mean(first, commands, key=_command_word) if self.prog == "derive" else ""
        option = first.split("=")[0]
        mine = {flag for action in self._actions for flag in action.option_strings}
        elsewhere = [command for command, flags in _OPTIONS_OF.items() if option in flags]
        if option not in mine and elsewhere:
            return f"; {option} is an option of {' and '.join(map(repr, elsewhere))}"
        close = did_you_mean(option, mine, key=_undashed)
        if close:
            return close
        for command, flags in _OPTIONS_OF.items():
            close = did_you_mean(option, flags - mine, key=_undashed)
            if close:
                return close.replace("?", f" (an option of '{command}')?")
        return ""


_DESCRIPTION = (
    "Derive the gradients of a fully connected network symbolically, both by "
    "the expanded chain rule and by the δ recursion, print them and write "
    "derivation.json."
)
_EPILOG = (
    "Other commands: 'derive prove …' runs only the proofs; 'derive check … "
    "'LHS = RHS'' proves or refutes a formula derived by hand; 'derive experiment "
    "batch-size|sequential …' measures the note's two open questions (each has --help). "
    "Exit status: 0 success, 1 a claim or proof failed, 2 bad input."
)


def _activation_help() -> str:
    from derive.spec import registry

    named = registry.named(registry.ACTIVATIONS, registry.DEFAULT_ACTIVATION)
    return f"{named}; a comma list, one per layer; or an expression in x such as 'x/(1+abs(x))'"


def _loss_help() -> str:
    from derive.spec import registry

    named = registry.named(registry.LOSSES, registry.DEFAULT_LOSS)
    return f"{named}, or a per-output expression of yhat and y"


def _notations() -> dict:
    from derive.notation.naming import NOTATIONS

    return NOTATIONS


def _notation_help() -> str:
    return "; ".join(
        f"{notation.name}: {notation.described}"
        + (f", --layers {'/'.join(map(str, sorted(notation.depths)))}" if notation.depths else "")
        for notation in _notations().values()
    )


# Option groups as data: (flags, keyword arguments of add_argument), in the
# order --help lists them.  The network options are every command's.  A help
# or metavar given as a function reads the function and notation registries
# when the parser is built, so a registered activation or notation is listed.
NETWORK = (
    (
        ("--layers",),
        dict(metavar="N", help="number of weight layers L ≥ 1 (default 2, the seed's network)"),
    ),
    (
        ("--widths",),
        dict(metavar="n0,…,nL", help="units per layer, inputs first (default 2,3,…,3,2)"),
    ),
    (
        ("--activation",),
        dict(
            metavar="NAME|EXPR",
            help=_activation_help,
        ),
    ),
    (
        ("--loss",),
        dict(
            metavar="NAME|EXPR",
            help=_loss_help,
        ),
    ),
    (
        ("--notation",),
        dict(
            default="layer",
            metavar=lambda: "|".join(_notations()),
            help=_notation_help,
        ),
    ),
    (
        ("--no-bias",),
        dict(dest="bias", action="store_false", help="no biases (the seed's formulas)"),
    ),
    (
        ("--targets-sum-to-1",),
        dict(
            dest="targets_sum_to_one",
            action="store_true",
            help="declare that every sample's targets sum to 1 (one-hot labels): the ce "
            "output rule a·Σy − y is then printed as a − y, and the proofs name the hypothesis",
        ),
    ),
)
OUT = (
    (
        ("--out",),
        dict(metavar="DIR", default=DEFAULT_OUT, help="output folder (default derive-out)"),
    ),
)
WRITE = (
    *OUT,
    (
        ("--pdf",),
        dict(
            action="store_true",
            help="also compile derivation.tex to derivation.pdf (needs pdflatex)",
        ),
    ),
    (
        ("--title",),
        dict(metavar="TEXT", help="title of derivation.tex (printed as plain text)"),
    ),
    (
        ("--lang",),
        dict(
            default="en",
            metavar="en|zh",
            help="language of derivation.tex: en (default) or zh, Chinese (--pdf then "
            "needs xelatex and ctex)",
        ),
    ),
)
PROVE = (
    (
        ("--strategy",),
        dict(
            default="layered",
            choices=["layered", "expand", "both"],
            help="layered: layer by layer, linear in depth (default); expand: differentiate "
            "the fully expanded loss; both",
        ),
    ),
    (
        ("--paths",),
        dict(
            action="store_true",
            help="--layers 3: show ∂E/∂w¹ as a sum over paths and prove that grouping the "
            "paths by their first edge gives the δ recursion",
        ),
    ),
    (
        ("--general",),
        dict(
            action="store_true",
            help="also prove the recursion for all depths and widths at once (generic f, ℓ)",
        ),
    ),
)
CHECK = (
    (
        ("claim",),
        dict(
            metavar="'LHS = RHS'",
            help="dE/d<param>, Delta <param>, g[j], e[h] or delta[l][j] = an expression "
            "(plain syntax, or LaTeX); '-' reads it from standard input",
        ),
    ),
    (
        ("--latex",),
        dict(
            action="store_true",
            help="read the claim as LaTeX (default: when it has a backslash, '_' or '{')",
        ),
    ),
    (("--json",), dict(action="store_true", help="print the verdict as JSON")),
    (
        ("--time-limit",),
        dict(
            metavar="SECONDS",
            help="give up after this long with 'undecided' (exit 3; default 60)",
        ),
    ),
)
EXPERIMENT = (
    (
        ("kind",),
        dict(choices=["batch-size", "sequential"], metavar="batch-size|sequential"),
    ),
    (
        ("--data",),
        dict(
            default="moons",
            metavar="NAME|FILE.csv",
            help="xor, moons (default), circles, sine, digits (scikit-learn's 8x8 digits), "
            "or a CSV file with a header row (with --target)",
        ),
    ),
    (("--target",), dict(metavar="COL", help="the CSV column to predict (name or number)")),
    (("--samples",), dict(metavar="N", help="points to generate (default 200)")),
    (("--lr",), dict(metavar="η", help="learning rate (default 0.5)")),
    (
        ("--epochs",),
        dict(
            metavar="N",
            help="epoch budget of each run (default 2000; sequential: of each phase, 1000)",
        ),
    ),
    (("--tol",), dict(metavar="ε", help="stop when ‖g‖ < ε (default 1e-4)")),
    (
        ("--seconds",),
        dict(
            metavar="S",
            help="time budget of each run (default 4; 0: none, results any machine reproduces)",
        ),
    ),
    (("--seed",), dict(metavar="N", help="seed of data, weights and shuffling (default 0)")),
    (
        ("--batch-sizes",),
        dict(
            metavar="1,10,…,full",
            help="batch-size: the batch sizes to compare (default 1, ~5%%, ~25%%, full)",
        ),
    ),
    (("--batch-size",), dict(metavar="N", help="sequential: batch size (default 10)")),
    *OUT,
)


def _build(command: str | None, description: str, epilog: str, *groups) -> _Parser:
    """The parser of ``derive [command]``: --version, then the groups' options."""
    parser = _Parser(
        prog="derive" if command is None else f"derive {command}",
        allow_abbrev=False,
        description=description,
        epilog=epilog,
    )
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    for group in groups:
        for flags, keywords in group:
            keywords = {  # help and metavar read from the registries when the parser is built
                key: value() if key in ("help", "metavar") and callable(value) else value
                for key, value in keywords.items()
            }
            parser.add_argument(*flags, **keywords)
    return parser


GROUPS = {
    None: (NETWORK, WRITE),
    "prove": (NETWORK, PROVE),
    "check": (NETWORK, CHECK),
    "experiment": (NETWORK, EXPERIMENT),
}
"""Each command's option groups (None: the main job), for its parser and
for the hint to an option given to another command."""

COMMANDS = tuple(command for command in GROUPS if command)
"""The subcommands, by their first word; anything else is the main job."""


def _spec(args):
    """The NetworkSpec the network options describe."""
    from derive.spec.network import parse_spec

    return parse_spec(
        args.layers, args.widths, args.activation, args.loss, args.bias, args.targets_sum_to_one
    )


def _main_parser() -> _Parser:
    return _build(None, _DESCRIPTION, _EPILOG, *GROUPS[None])


def _prove_parser() -> _Parser:
    return _build("prove", _DESCRIPTION, _EPILOG, *GROUPS["prove"])


def _check_parser() -> _Parser:
    return _build(
        "check",
        "Check a formula derived by hand against the model: 'proved' for the network "
        "given with --widths (exit 0), 'false' with a counterexample (exit 1), "
        "'holds-on-networks-checked' with symbolic sizes (exit 4) or 'undecided' (exit 3).",
        "Exit status: 0 proved, 1 false, 2 bad input, 3 undecided (also at the time "
        "limit), 4 holds on the networks checked (symbolic sizes). Examples: "
        "derive check --notation xigua 'dE/dw[h,j] = -g[j]*b[h]'; "
        "derive check 'delta[l][j] = fprime(z[l][j])*Sum(w[l+1][k,j]*delta[l+1][k], "
        "(k, 1, n[l+1]))'",
        *GROUPS["check"],
    )


def _experiment_parser() -> _Parser:
    return _build(
        "experiment",
        "Answer the seed's questions with measurements, training the generated, proved "
        "trainer: batch-size (stochastic, mini-batch or full-batch descent: which "
        "converges faster?) or sequential (does training on a new batch undo the old?).",
        "Exit status: 0 done, 1 the trainer's proof failed, 2 bad input.",
        *GROUPS["experiment"],
    )


_VALUE_OPTIONS = frozenset(
    flag
    for groups in GROUPS.values()
    for group in groups
    for flags, keywords in group
    if flags[0].startswith("--") and "action" not in keywords
    for flag in flags
)
"""Every option of any command that takes a value, from the one table: an
option of another command is refused the same way by each."""


_OPTIONS_OF = {
    f"derive {command}" if command else "derive": {
        flag for group in groups for flags, _ in group for flag in flags
    }
    for command, groups in GROUPS.items()
}
"""Which command takes which option, for the hint to an option given to another."""


def _undashed(flag: str) -> str:
    """An option compared without its dashes, which every option shares."""
    return flag.lstrip("-")


def _command_word(command: str) -> str:
    return command.removeprefix("derive ")


def _detached(tokens: list[str]) -> list[str]:
    """``--data=xor`` as typed, ``--data xor``, where :func:`_attach_values` joined it."""
    result = []
    for token in tokens:
        option, equals, value = token.partition("=")
        result.extend([option, value] if equals and option in _VALUE_OPTIONS else [token])
    return result


def _attach_values(argv: list[str]) -> list[str]:
    """``--loss -y*log(yhat)`` as ``--loss=-y*log(yhat)``: argparse would take a
    value that starts with '-' for an option."""
    result, position = [], 0
    while position < len(argv):
        token = argv[position]
        if token in _VALUE_OPTIONS and position + 1 < len(argv):
            result.append(f"{token}={argv[position + 1]}")
            position += 2
        else:
            result.append(token)
            position += 1
    return result


def prove(argv: list[str]) -> int:
    """``derive prove …``: run only the proofs; exit 0 proved, 1 a check failed."""
    from derive import pipeline
    from derive.notation import naming

    args = _prove_parser().parse_args(_attach_values(argv))
    notation = naming.notation(args.notation)
    spec = _spec(args)
    notation.check_depth(spec.depth)
    strategies = ("layered", "expand") if args.strategy == "both" else (args.strategy,)
    if args.general:
        strategies += ("general",)
    if args.paths:
        if spec.depth != 3:
            raise InputError(f"--paths needs --layers 3, not --layers {spec.depth}")
        strategies += ("paths",)
    proved = pipeline.prove(spec, notation, strategies)
    sys.stdout.write(wrap(proved.report()))
    return proved.exit_code


def check(argv: list[str]) -> int:
    """``derive check …``: exit 0 proved, 1 false, 3 undecided (or out of
    time), 4 holds on the networks checked (symbolic sizes)."""
    import json

    from derive import claims
    from derive.notation import naming

    args = _check_parser().parse_args(_attach_values(argv))
    naming.notation(args.notation)  # an unknown notation is refused before the claim is read
    limit = _time_limit(args.time_limit)
    if args.widths is not None:
        spec = _spec(args)
        scope = claims.exact_scope(spec, args.notation)
    else:
        scope = claims.grid_scope(
            args.notation,
            args.layers,
            args.activation,
            args.loss,
            args.bias,
            args.targets_sum_to_one,
        )
    text = _read_claim() if args.claim == "-" else args.claim
    verdict = claims.check_networks(text, scope, args.notation, True if args.latex else None, limit)
    if args.json:
        sys.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(wrap(claims.render(verdict, scope.specs[0])))
    return verdict.exit_code


def _time_limit(text: str | None) -> float:
    """``--time-limit SECONDS``: a positive number, at most a day."""
    from derive.claims.limits import TIME_LIMIT as LIMIT
    from derive.support.options import number

    if text is None:
        return LIMIT
    return number(
        text,
        float,
        lambda seconds: 0 < seconds <= 86400,
        f"--time-limit needs a number of seconds, not {text[:20]!r}",
        f"--time-limit must be more than 0 and at most 86400 s, not {text[:20]}",
    )


def _read_claim() -> str:
    """The claim from standard input: at most a little more than the longest
    claim accepted, strict UTF-8."""
    from derive.claims.limits import MAX_LENGTH

    data = sys.stdin.buffer.read(4 * MAX_LENGTH + 1)
    if len(data) > 4 * MAX_LENGTH:
        raise InputError(f"the claim is longer than {MAX_LENGTH} characters")
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError as error:
        raise InputError(f"the claim is not valid UTF-8 (byte {error.start + 1})") from None


def run(argv: list[str]) -> int:
    """The main job: check every input and that the files can be written,
    derive, and only then write the files and print the report."""
    from derive import pipeline
    from derive.experiments import results as experiment_results
    from derive.latex import pdf
    from derive.latex.document import needs_cjk
    from derive.notation import naming
    from derive.spec import registry
    from derive.spec.network import constant_loss
    from derive.support import output
    from derive.support.language import language

    args = _main_parser().parse_args(_attach_values(argv))
    notation = naming.notation(args.notation)
    spec = _spec(args)
    notation.check_depth(spec.depth)
    if not args.out.strip():
        raise InputError("--out needs a folder name")
    out = Path(args.out)
    output.check_writable(out, list(pipeline.FILES + pipeline.PDF_FILES))
    if args.title is not None and len(args.title) > 200:
        raise InputError("--title is longer than 200 characters")
    lang = language(args.lang)
    engine = pdf.find_engine(needs_cjk(lang, args.title)) if args.pdf else None

    notes = []
    if args.widths is None:
        notes.append(f"widths {','.join(map(str, spec.widths))} (default; choose with --widths)")
    if spec.loss.needs_unit_interval and not spec.activation(spec.depth).output_in_unit_interval:
        inside = [
            a.name
            for a in registry.ACTIVATIONS.values()
            if a.output_in_unit_interval and not a.normalised
        ]
        notes.append(
            f"note: {spec.loss.name} needs outputs in (0, 1); the output activation "
            f"{spec.activation(spec.depth).name} can leave that range ({', '.join(inside)} cannot)"
        )
    constant = constant_loss(spec)
    if constant is not None:
        notes.append(f"note: {constant}")
    experiments, problems = experiment_results.load(out, lang) if out.is_dir() else ({}, [])
    notes.extend(f"note: {problem}" for problem in problems)
    if experiments:
        notes.append(
            f"derivation.tex includes the experiments found in {quote(out)}: "
            + ", ".join(experiments)
        )
    figures = {}
    if engine is not None:
        figures = {
            f"{name}.pdf": (out / f"{name}.pdf").read_bytes()
            for name, found in experiments.items()
            if found["figure"]
        }
    made = pipeline.derive(
        spec,
        notation,
        title=args.title,
        experiments=experiments,
        engine=engine,
        assets=figures,
        lang=lang,
    )
    written = output.write_files(out, made.files)
    sys.stdout.write(wrap(made.report(notes, written)))
    if made.failure is not None:
        print(f"derive: error: {one_line(made.failure)}", file=sys.stderr)
        return 1
    return 0 if made.holds else 1


def experiment(argv: list[str]) -> int:
    """``derive experiment batch-size|sequential …``: exit 0 done, 1 the
    trainer's proof failed."""
    from derive.experiments import command

    return command.run(_experiment_parser().parse_args(_attach_values(argv)))


GC_THRESHOLD = 100_000
"""Allocations between the cyclic garbage collector's young-generation passes
in a command's process (Python's default is 700).  SymPy builds millions of
small objects that live until the job ends; at 700 the collector walks them
hundreds of times, about a tenth of the default job (measured: 0.59 s → 0.49 s
after the imports), for garbage a job of seconds never needs collected."""


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # run as a command: the process is the job's alone
        gc.set_threshold(GC_THRESHOLD)
    argv = sys.argv[1:] if argv is None else argv
    try:
        # The subcommands, by their first word; anything else is the main job
        # (``derive --layers 3``).  Dispatched here rather than by argparse's
        # subparsers, which would put {prove,check,experiment} into the main
        # job's usage and answer ``derive foo`` with "invalid choice" instead
        # of "unrecognized arguments".  Looked up at each call, by name.
        commands = {"prove": prove, "check": check, "experiment": experiment}
        if argv[:1] and argv[0] in COMMANDS:
            return commands[argv[0]](argv[1:])
        return run(argv)
    except InputError as error:
        print(f"derive: error: {one_line(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) left; its files are written. Silence the
        # interpreter's own flush at exit and end as a shell would on SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # a bug in derive: one line, and how to see the rest
        if os.environ.get("DERIVE_TRACEBACK"):
            raise
        print(f"derive: {internal_error(error)}", file=sys.stderr)
        return 1
