"""The command line: ``python -m derive --layers N …``.

Input is validated before any work and any writing; an
:class:`~derive.support.errors.InputError` becomes one line on stderr and exit
status 2.  Exit 0 is success, 1 a proof that failed, and for ``prove`` 3
when no proof could be attempted for the network.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from derive import __version__
from derive.codegen.check import check_trainer
from derive.support.errors import InputError, internal_error, one_line, quote

DEFAULT_OUT = "derive-out"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, as every other input error."""

    def error(self, message):
        raise InputError(message)


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    from derive.spec import registry  # the named activations and losses, for --help

    parser = _Parser(
        prog="derive" if command is None else f"derive {command}",
        allow_abbrev=False,
        description=(
            "Derive the gradients of a fully connected network symbolically, both by "
            "the expanded chain rule and by the δ recursion, print them and write "
            "derivation.json."
        ),
        epilog=(
            "Other commands: 'derive prove …' runs only the proofs; 'derive check … "
            "'LHS = RHS'' proves or refutes a formula derived by hand; 'derive experiment "
            "batch-size|sequential …' measures the note's two open questions (each has --help). "
            "Exit status: 0 success, 1 a claim or proof failed, 2 bad input."
        ),
    )
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    parser.add_argument(
        "--layers",
        metavar="N",
        help="number of weight layers L ≥ 1 (default 2, the seed's network)",
    )
    parser.add_argument(
        "--widths", metavar="n0,…,nL", help="units per layer, inputs first (default 2,3,…,3,2)"
    )
    parser.add_argument(
        "--activation",
        metavar="NAME|EXPR",
        help=f"{registry.named(registry.ACTIVATIONS, registry.DEFAULT_ACTIVATION)}; a comma "
        "list, one per layer; or an expression in x such as 'x/(1+abs(x))'",
    )
    parser.add_argument(
        "--loss",
        metavar="NAME|EXPR",
        help=f"{registry.named(registry.LOSSES, registry.DEFAULT_LOSS)}, or a per-output "
        "expression of yhat and y",
    )
    parser.add_argument(
        "--notation",
        default="layer",
        metavar="layer|xigua",
        help="layer: w^l_jk, δ^l_j (any depth); xigua: the watermelon book's v_ih, w_hj, "
        "γ_h, θ_j, g_j, e_h (--layers 2)",
    )
    parser.add_argument(
        "--no-bias", dest="bias", action="store_false", help="no biases (the seed's formulas)"
    )
    if command == "experiment":
        parser.description = (
            "Answer the seed's questions with measurements, training the generated, proved "
            "trainer: batch-size (stochastic, mini-batch or full-batch descent: which "
            "converges faster?) or sequential (does training on a new batch undo the old?)."
        )
        parser.epilog = "Exit status: 0 done, 1 the trainer's proof failed, 2 bad input."
        parser.add_argument(
            "kind", choices=["batch-size", "sequential"], metavar="batch-size|sequential"
        )
        parser.add_argument(
            "--data",
            default="moons",
            metavar="NAME|FILE.csv",
            help="xor, moons (default), circles, sine, digits (scikit-learn's 8x8 digits), "
            "or a CSV file with a header row (with --target)",
        )
        parser.add_argument(
            "--target", metavar="COL", help="the CSV column to predict (name or number)"
        )
        parser.add_argument("--samples", metavar="N", help="points to generate (default 200)")
        parser.add_argument("--lr", metavar="η", help="learning rate (default 0.5)")
        parser.add_argument(
            "--epochs",
            metavar="N",
            help="epoch budget of each run (default 2000; sequential: of each phase, 1000)",
        )
        parser.add_argument("--tol", metavar="ε", help="stop when ‖g‖ < ε (default 1e-4)")
        parser.add_argument(
            "--seconds",
            metavar="S",
            help="time budget of each run (default 4; 0: none, results any machine reproduces)",
        )
        parser.add_argument(
            "--seed", metavar="N", help="seed of data, weights and shuffling (default 0)"
        )
        parser.add_argument(
            "--batch-sizes",
            metavar="1,10,…,full",
            help="batch-size: the batch sizes to compare (default 1, ~5%%, ~25%%, full)",
        )
        parser.add_argument("--batch-size", metavar="N", help="sequential: batch size (default 10)")
        parser.add_argument(
            "--out", metavar="DIR", default=DEFAULT_OUT, help="output folder (default derive-out)"
        )
        return parser
    if command == "check":
        parser.description = (
            "Check a formula derived by hand against the model: 'proved' for the network "
            "given with --widths (exit 0), 'false' with a counterexample (exit 1), "
            "'holds-on-networks-checked' with symbolic sizes (exit 4) or 'undecided' (exit 3)."
        )
        parser.epilog = (
            "Exit status: 0 proved, 1 false, 2 bad input, 3 undecided (also at the time "
            "limit), 4 holds on the networks checked (symbolic sizes). Examples: "
            "derive check --notation xigua 'dE/dw[h,j] = -g[j]*b[h]'; "
            "derive check 'delta[l][j] = fprime(z[l][j])*Sum(w[l+1][k,j]*delta[l+1][k], "
            "(k, 1, n[l+1]))'"
        )
        parser.add_argument(
            "claim",
            metavar="'LHS = RHS'",
            help="dE/d<param>, Delta <param>, g[j], e[h] or delta[l][j] = an expression "
            "(plain syntax, or LaTeX); '-' reads it from standard input",
        )
        parser.add_argument(
            "--latex",
            action="store_true",
            help="read the claim as LaTeX (default: when it has a backslash, '_' or '{')",
        )
        parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
        parser.add_argument(
            "--time-limit",
            metavar="SECONDS",
            help="give up after this long with 'undecided' (exit 3; default 60)",
        )
        return parser
    if command == "prove":
        parser.add_argument(
            "--strategy",
            default="layered",
            choices=["layered", "expand", "both"],
            help="layered: layer by layer, linear in depth (default); expand: differentiate "
            "the fully expanded loss; both",
        )
        parser.add_argument(
            "--paths",
            action="store_true",
            help="--layers 3: show ∂E/∂w¹ as a sum over paths and prove that grouping the "
            "paths by their first edge gives the δ recursion",
        )
        parser.add_argument(
            "--general",
            action="store_true",
            help="also prove the recursion for all depths and widths at once (generic f, ℓ)",
        )
        return parser
    parser.add_argument(
        "--out", metavar="DIR", default=DEFAULT_OUT, help="output folder (default derive-out)"
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also compile derivation.tex to derivation.pdf (needs pdflatex)",
    )
    parser.add_argument(
        "--title", metavar="TEXT", help="title of derivation.tex (printed as plain text)"
    )
    return parser


_VALUE_OPTIONS = (
    "--data",
    "--target",
    "--samples",
    "--lr",
    "--epochs",
    "--tol",
    "--seconds",
    "--seed",
    "--batch-sizes",
    "--batch-size",
    "--layers",
    "--widths",
    "--activation",
    "--loss",
    "--notation",
    "--out",
    "--strategy",
    "--title",
    "--time-limit",
)


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
    from derive.derivation.gradients import Derivation
    from derive.model.network import Network
    from derive.notation import naming
    from derive.present import report
    from derive.spec.network import parse_spec
    from proofs.run import run_proofs

    args = _parser("prove").parse_args(_attach_values(argv))
    notation = naming.notation(args.notation)
    spec = parse_spec(args.layers, args.widths, args.activation, args.loss, args.bias)
    notation.check_depth(spec.depth)
    derivation = Derivation(Network(spec, bias_sign=notation.bias_sign))
    strategies = ("layered", "expand") if args.strategy == "both" else (args.strategy,)
    if args.general:
        strategies += ("general",)
    if args.paths:
        if spec.depth != 3:
            raise InputError(f"--paths needs --layers 3, not --layers {spec.depth}")
        strategies += ("paths",)
    outcome = run_proofs(derivation, strategies)
    sys.stdout.write(f"derive {__version__}: {spec.describe(notation.bias_word)}\n")
    if args.paths:
        sys.stdout.write(report.render_paths(derivation, notation))
    sys.stdout.write(report.render_proofs(outcome))
    if not outcome.verdicts:
        return 3
    return 0 if outcome.holds else 1


def check(argv: list[str]) -> int:
    """``derive check …``: exit 0 proved, 1 false, 3 undecided (or out of
    time), 4 holds on the networks checked (symbolic sizes)."""
    import json

    from derive import claims
    from derive.spec.network import parse_spec

    args = _parser("check").parse_args(_attach_values(argv))
    if args.notation not in ("layer", "xigua"):
        raise InputError(f"unknown notation {quote(args.notation)} (known: layer, xigua)")
    limit = _time_limit(args.time_limit)
    if args.widths is not None:
        spec = parse_spec(args.layers, args.widths, args.activation, args.loss, args.bias)
        scope = claims.exact_scope(spec, args.notation)
    else:
        scope = claims.grid_scope(args.notation, args.layers, args.activation, args.loss, args.bias)
    text = _read_claim() if args.claim == "-" else args.claim
    verdict = claims.check_networks(text, scope, args.notation, True if args.latex else None, limit)
    if args.json:
        sys.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(claims.render(verdict, scope.specs[0]))
    return verdict.exit_code


def _time_limit(text: str | None) -> float:
    """``--time-limit SECONDS``: a positive number, at most a day."""
    from derive.claims.limits import TIME_LIMIT as LIMIT

    if text is None:
        return LIMIT
    try:
        seconds = float(text)
    except ValueError:
        raise InputError(f"--time-limit needs a number of seconds, not {text[:20]!r}") from None
    if not 0 < seconds <= 86400:
        raise InputError(f"--time-limit must be more than 0 and at most 86400 s, not {text[:20]}")
    return seconds


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
    from derive.codegen.trainer import PrintingChecks, trainer_source
    from derive.derivation.gradients import Derivation, expanded_chain_rule
    from derive.latex import pdf, writeup
    from derive.model.network import Network
    from derive.notation import naming
    from derive.present import export, report
    from derive.present.presentation import Presentation
    from derive.spec import registry
    from derive.spec.network import parse_spec
    from derive.support import output
    from proofs import expanded as proofs_expanded
    from proofs.certificate import build as build_certificate
    from proofs.run import record_printing, run_proofs

    args = _parser().parse_args(_attach_values(argv))
    notation = naming.notation(args.notation)
    spec = parse_spec(args.layers, args.widths, args.activation, args.loss, args.bias)
    notation.check_depth(spec.depth)
    if not args.out.strip():
        raise InputError("--out needs a folder name")
    out = Path(args.out)
    names = ["derivation.json", "certificate.json", "trainer.py", "derivation.tex"]
    output.check_writable(out, names + ["derivation.pdf", "derivation.log"])
    if args.title is not None and len(args.title) > 200:
        raise InputError("--title is longer than 200 characters")
    engine = pdf.find_engine() if args.pdf else None

    notes = []
    if args.widths is None:
        notes.append(f"widths {','.join(map(str, spec.widths))} (default; choose with --widths)")
    if spec.loss.needs_unit_interval and not spec.activation(spec.depth).output_in_unit_interval:
        inside = [a.name for a in registry.ACTIVATIONS.values() if a.output_in_unit_interval]
        notes.append(
            f"note: {spec.loss.name} needs outputs in (0, 1); the output activation "
            f"{spec.activation(spec.depth).name} can leave that range ({', '.join(inside)} cannot)"
        )
    from derive.experiments import results as experiment_results

    experiments, problems = experiment_results.load(out) if out.is_dir() else ({}, [])
    notes.extend(f"note: {problem}" for problem in problems)
    if experiments:
        notes.append(
            f"derivation.tex includes the experiments found in {quote(out)}: "
            + ", ".join(experiments)
        )
    derivation = Derivation(Network(spec, bias_sign=notation.bias_sign))
    presentation = Presentation(derivation, notation)
    expanded = expanded_chain_rule(derivation)
    strategies = ("layered", "walkthrough")
    if spec.depth == 3 and proofs_expanded.feasible(derivation) is None:
        strategies += ("paths",)  # the write-up shows the sum over paths
    proofs = run_proofs(derivation, strategies, walkthrough_layers=presentation.shown_layers())
    shown = report.sections(presentation)
    doc = export.document(derivation, presentation, shown, expanded)
    files = {"derivation.json": export.dumps(doc)}
    trainer_checked = ""
    if proofs.holds:  # the trainer and the write-up are printed from what was just proved
        checks = PrintingChecks()
        files["trainer.py"] = trainer_source(derivation.network, checks=checks)
        trainer_checked = check_trainer(files["trainer.py"])  # never "proved" and a file that fails
        record_printing(proofs, checks)
    certificate = build_certificate(derivation, proofs)
    files["certificate.json"] = export.dumps(certificate)
    failure = None
    if proofs.holds:
        files["derivation.tex"] = writeup.document(
            presentation, proofs.steps, certificate, args.title, experiments
        )
        if engine is not None:
            figures = {
                f"{name}.pdf": (out / f"{name}.pdf").read_bytes()
                for name, found in experiments.items()
                if found["figure"]
            }
            try:
                files["derivation.pdf"] = pdf.compile_tex(
                    files["derivation.tex"], engine, assets=figures
                ).pdf
            except pdf.CompileError as error:
                files["derivation.log"] = error.log
                failure = f"pdflatex failed on derivation.tex: {error}; see derivation.log"
    written = output.write_files(out, files)
    sys.stdout.write(
        report.render_report(
            presentation,
            shown,
            expanded,
            notes,
            [
                one_line(f"{p}    ({trainer_checked})" if p.name == "trainer.py" else str(p))
                for p in written
            ],
        )
    )
    sys.stdout.write(report.render_proofs(proofs))
    if failure is not None:
        print(f"derive: error: {one_line(failure)}", file=sys.stderr)
        return 1
    return 0 if proofs.holds else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["prove"]:
            return prove(argv[1:])
        if argv[:1] == ["check"]:
            return check(argv[1:])
        if argv[:1] == ["experiment"]:
            from derive.experiments import command

            return command.run(_parser("experiment").parse_args(_attach_values(argv[1:])))
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
