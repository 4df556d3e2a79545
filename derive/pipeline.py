"""The pipeline, once: spec → derivation → proofs → trainer, certificate, write-up.

The CLI, the experiments and the tests all get their derivation, proofs and
trainer from here, so that what an experiment measures and what a test checks
is the code the main job writes.  Nothing here writes a file or parses an
option: :func:`derive` returns every file's contents in :class:`Artifacts`
and the CLI writes them (so nothing is written when anything here fails);
progress of the proofs goes to stderr as the proofs run it.

Order matters and is kept: the trainer is printed, and imported and run by
:func:`~derive.codegen.check.check_trainer`, only when the proofs hold and
before the certificate is built (which records the trainer's printing
checks); the write-up and the PDF only when the proofs hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from derive import __version__
from derive.codegen.check import check_trainer
from derive.derivation.gradients import Derivation, expanded_chain_rule
from derive.model.network import Network
from derive.spec.network import NetworkSpec
from derive.support.errors import one_line
from derive.support.language import ENGLISH, Language

FILES = ("derivation.json", "certificate.json", "trainer.py", "derivation.tex")
"""The main job's files; with ``--pdf`` also derivation.pdf (or derivation.log)."""
PDF_FILES = ("derivation.pdf", "derivation.log")


class ProofFailed(RuntimeError):
    """The rules the trainer would be printed from did not check out."""


@dataclass
class Artifacts:
    """Everything the main job writes and prints, made before any of it is."""

    derivation: Derivation
    presentation: object
    shown: object
    expanded: object
    proofs: object
    certificate: dict
    files: dict = field(default_factory=dict)
    """File name → text (bytes for the PDF), in the order they are written."""
    trainer_checked: str = ""
    """What :func:`~derive.codegen.check.check_trainer` ran, for the report."""
    failure: str | None = None
    """Why derivation.pdf is missing (pdflatex failed), else None."""

    @property
    def holds(self) -> bool:
        return self.proofs.holds

    def report(self, notes: list[str], written: list[Path]) -> str:
        """What the main job prints on stdout after writing ``written``."""
        from derive.present import report

        files = [
            one_line(f"{p}    ({self.trainer_checked})" if p.name == "trainer.py" else str(p))
            for p in written
        ]
        return report.render_report(
            self.presentation, self.shown, self.expanded, notes, files
        ) + report.render_proofs(self.proofs, self.presentation)


def derivation(spec: NetworkSpec, notation) -> Derivation:
    """The symbolic network and both derivations of its gradients, with the
    notation's sign of the bias (the watermelon book subtracts thresholds)."""
    return Derivation(Network(spec, bias_sign=notation.bias_sign))


def derive(
    spec: NetworkSpec,
    notation,
    *,
    title: str | None = None,
    experiments: dict | None = None,
    engine=None,
    assets: dict | None = None,
    lang: Language = ENGLISH,
) -> Artifacts:
    """Derive, prove, print: the main job without its writing.

    ``experiments`` are results found in the output folder (the write-up
    includes them), ``engine`` a PDF engine from
    :func:`derive.latex.pdf.find_engine` or None for no PDF, ``assets`` the
    files the PDF needs beside derivation.tex (the experiments' figures).
    Raises :class:`~derive.codegen.check.TrainerCheckError` when the printed
    trainer does not run or contradicts itself: a bug, before anything is
    written."""
    from derive.codegen import trainer as codegen
    from derive.latex import pdf
    from derive.latex.document import document as latex_document
    from derive.present import export, report
    from derive.present.presentation import Presentation
    from proofs import expanded as proofs_expanded
    from proofs.certificate import build as build_certificate
    from proofs.run import record_printing, run_proofs

    experiments = experiments or {}
    made = derivation(spec, notation)
    presentation = Presentation(made, notation)
    expanded = expanded_chain_rule(made)
    strategies = ("layered", "walkthrough", "general")
    if spec.depth == 3 and proofs_expanded.feasible(made) is None:
        strategies += ("paths",)  # the write-up shows the sum over paths
    proofs = run_proofs(made, strategies, walkthrough_layers=presentation.shown_layers())
    shown = report.sections(presentation)
    doc = export.document(made, presentation, shown, expanded)
    files = {"derivation.json": export.dumps(doc)}
    trainer_checked = ""
    if proofs.holds:  # the trainer and the write-up are printed from what was just proved
        checks = codegen.PrintingChecks()
        files["trainer.py"] = codegen.trainer_source(made.network, checks=checks)
        trainer_checked = check_trainer(files["trainer.py"])  # never "proved" and a file that fails
        record_printing(proofs, checks)
    certificate = build_certificate(made, proofs)
    files["certificate.json"] = export.dumps(certificate)
    failure = None
    if proofs.holds:
        files["derivation.tex"] = latex_document(
            presentation, proofs.steps, certificate, title, experiments, lang
        )
        if engine is not None:
            try:
                files["derivation.pdf"] = pdf.compile_tex(
                    files["derivation.tex"], engine, assets=assets or {}
                ).pdf
            except pdf.CompileError as error:
                files["derivation.log"] = error.log
                failure = f"{engine.name} failed on derivation.tex: {error}; see derivation.log"
    return Artifacts(
        made, presentation, shown, expanded, proofs, certificate, files, trainer_checked, failure
    )


@dataclass
class Proved:
    """What ``derive prove`` prints and its exit status."""

    spec: NetworkSpec
    notation: object
    derivation: Derivation
    outcome: object
    paths: bool
    general: bool = False

    def report(self) -> str:
        from derive.present import report
        from derive.present.presentation import Presentation
        from proofs import paths

        text = f"derive {__version__}: {self.spec.describe(self.notation.bias_word)}\n"
        if self.paths and paths.feasible(self.derivation.network) is None:
            text += report.render_paths(self.derivation, self.notation)
        if self.general:  # the rules its line in the proofs below names
            text += report.render_general(self.spec.normalised_output)
        return text + report.render_proofs(
            self.outcome, Presentation(self.derivation, self.notation)
        )

    @property
    def exit_code(self) -> int:
        """0 proved, 1 a check failed, 3 no proof could be attempted."""
        if not self.outcome.theorems:
            return 3
        return 0 if self.outcome.holds else 1


def prove(spec: NetworkSpec, notation, strategies: tuple[str, ...]) -> Proved:
    """Only the proofs, by ``strategies`` (of :func:`proofs.run.run_proofs`);
    with "paths" the report also shows ∂E/∂w¹ as a sum over paths."""
    from proofs.run import run_proofs

    made = derivation(spec, notation)
    outcome = run_proofs(made, strategies)
    return Proved(spec, notation, made, outcome, "paths" in strategies, "general" in strategies)


def trainer(spec: NetworkSpec) -> str:
    """The source of trainer.py for ``spec``, printed from the index-form
    rules once the kernel has proved them, as the main job prints it (layer
    notation: a ``+b`` bias).  Raises :class:`ProofFailed` if they do not check
    out."""
    from derive.codegen import trainer as codegen
    from proofs.run import run_proofs

    made = Derivation(Network(spec))
    proofs = run_proofs(made, ("layered",))
    if not proofs.holds:
        failed = next(v for v in proofs.theorems if not v.holds)
        raise ProofFailed(f"the trainer's rules did not check out: {failed.name}")
    return codegen.trainer_source(made.network)
