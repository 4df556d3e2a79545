"""The theorem for every depth and width in certificate.json: the main job
records the variant of its network's output layer, ``python -m proofs
verify`` replays it and accepts its two named assumptions — the chain rule
for a symbolic number of variables and induction over the layers — exactly
as the theorem states them and only under that theorem.

The forgeries below are made with the kernel itself (so every step replays)
and re-hashed, as a forger would: what must refuse them is the checker's
reading of the general theorem, not the replay or the hash."""

from __future__ import annotations

import json

import pytest
import sympy

from derive.cli import main
from derive.notation.quantities import LAYER, E, J, K, b, delta, n, w, z
from derive.spec.registry import f
from proofs import replay
from proofs.__main__ import main as proofs_main
from proofs.general import GeneralProof
from proofs.kernel import Kernel
from proofs.kernel.codec import Encoder, decode
from proofs.principles import REASONS
from proofs.verify import digest

CHAIN_RULE = "multivariable chain rule for a symbolic number of variables"
INDUCTION = "downward induction over the layers l = L−1, …, 1"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Two main jobs' outputs: sigmoid outputs, and a softmax output with ce."""
    made = {}
    for label, extra in (
        ("elementwise", []),
        ("softmax", ["--activation", "sigmoid,softmax", "--loss", "ce", "--targets-sum-to-1"]),
    ):
        folder = tmp_path_factory.mktemp(label)
        assert main(["--layers", "2", *extra, "--out", str(folder)]) == 0
        made[label] = folder
    return made


def _doc(folders, label="elementwise"):
    return json.loads((folders[label] / "certificate.json").read_text())


def _verify(doc, folder, capsys):
    doc["sha256"] = digest(doc)
    path = folder / "certificate.json"
    path.write_text(json.dumps(doc))
    code = proofs_main(["verify", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def _theorem(doc, name):
    return next(t for t in doc["theorems"] if t["name"] == name)


@pytest.mark.parametrize(
    ("label", "name", "other"),
    [
        ("elementwise", "all depths and widths", "all depths and widths, softmax output"),
        ("softmax", "all depths and widths, softmax output", "all depths and widths"),
    ],
)
def test_the_main_job_records_the_general_theorem_of_its_output_layer(
    folders, tmp_path, capsys, label, name, other
):
    doc = _doc(folders, label)
    names = [t["name"] for t in doc["theorems"]]
    assert name in names and other not in names
    code, out = _verify(doc, tmp_path, capsys)
    assert code == 0, out
    line = next(line for line in out.splitlines() if line.startswith(f"ok: {name} ("))
    assert CHAIN_RULE in line and INDUCTION in line


def _replaced(doc, make):
    """``doc`` with the general theorem's kernel replaced by ``make()``'s
    (kernel, conclusions), every other kernel replayed and stored again."""
    nodes = decode(doc["nodes"])
    kernels = replay.replay(doc["proof"], nodes)
    theorem = next(t for t in doc["theorems"] if t["name"].startswith("all depths"))
    kernel, conclusions = make()
    kernels[theorem["kernel"]] = kernel
    where = _store(doc, kernels, nodes)
    theorem["conclusions"] = [where[id(fact)][1] for fact in conclusions]


def _store(doc, kernels, nodes) -> dict:
    """``kernels`` as ``doc``'s proof, its claims in the new node table;
    where each fact now sits."""
    encoder = Encoder()
    doc["proof"], where = replay.encode(kernels, encoder)
    for rule in doc["claims"]["rules"]:
        rule["equation"] = encoder.add(nodes[rule["equation"]])
    for group in ("deltas", "gradients"):
        for name, node in doc["claims"][group].items():
            doc["claims"][group][name] = encoder.add(nodes[node])
    doc["nodes"] = encoder.nodes
    doc["trusted_base"]["assumed"] = {  # listed as the proofs make them, as a forger would
        name: reason for kernel in kernels for name, reason in kernel.assumed.items()
    }
    return where


def _proved_with(assume):
    """The general theorem proved by a kernel whose assumptions pass through
    ``assume(name, lhs, rhs, conditions)``, which returns them changed, or
    a list of several, or None to drop one."""

    class Forger(Kernel):
        def assume(self, name, lhs, rhs, reason, conditions=()):
            made = assume(name, lhs, rhs, frozenset(conditions))
            if made is None:
                return self.reflexivity(lhs)
            facts = [
                Kernel.assume(self, name, lhs, rhs, reason, conditions)
                for name, lhs, rhs, conditions in (made if isinstance(made, list) else [made])
            ]
            fact = facts[0]
            return fact

    def make():
        kernel = Forger()
        proof = GeneralProof(kernel)
        outcome = proof.run()
        assert outcome.holds, outcome.failure
        return kernel, outcome.facts

    return make


def _renamed(name, lhs, rhs, conditions):
    """The chain rule under another name: a principle the checker never saw."""
    return ("chain rule" if name == CHAIN_RULE else name), lhs, rhs, conditions


def _pinned(name, lhs, rhs, conditions):
    """The hidden step's chain rule only for j ≤ 1: an added condition."""
    if lhs == sympy.Derivative(E, z[LAYER, J]):
        conditions = conditions | {sympy.Q.le(J, 1)}
    return name, lhs, rhs, conditions


def _widened(name, lhs, rhs, conditions):
    """The hidden step's chain rule summed over the layer below's width too:
    another equation, each term still differentiated the same way."""
    if lhs == sympy.Derivative(E, z[LAYER, J]):
        extra = sympy.Sum(delta[LAYER, K] * 0, (K, 1, n[LAYER]))
        rhs = rhs + extra
    return name, lhs, rhs, conditions


def _extra(name, lhs, rhs, conditions):
    """One more assumption beside the induction: anything may follow from it."""
    made = [(name, lhs, rhs, conditions)]
    if name == INDUCTION:
        made.append(("everything holds", E, 0 * E + E, frozenset()))
    return made


def _no_induction(name, lhs, rhs, conditions):
    """The induction left out: the step alone is not every layer."""
    return None if name == INDUCTION else (name, lhs, rhs, conditions)


def _induction_altered(name, lhs, rhs, conditions):
    """The induction stated about the weights instead of δ."""
    if name == INDUCTION:
        return name, w[LAYER, J, K], w[LAYER, J, K], conditions
    return name, lhs, rhs, conditions


@pytest.mark.parametrize(
    "assume",
    [_renamed, _pinned, _widened, _extra, _no_induction, _induction_altered],
    ids=lambda t: t.__name__.strip("_"),
)
def test_an_assumption_of_the_general_theorem_altered_is_refused(folders, tmp_path, capsys, assume):
    doc = _doc(folders)
    _replaced(doc, _proved_with(assume))
    code, out = _verify(doc, tmp_path, capsys)
    assert code == 1, out
    assert "all depths and widths:" in out, out


def test_the_unaltered_forger_is_accepted(folders, tmp_path, capsys):
    """The forgery route itself changes nothing: the same proof, stored again, verifies."""
    doc = _doc(folders)
    _replaced(doc, _proved_with(lambda *made: made))
    code, out = _verify(doc, tmp_path, capsys)
    assert code == 0, out


@pytest.mark.parametrize("theorem", ["index-form rules", "chain rule, step by step"])
def test_the_chain_rule_assumed_in_another_theorem_is_refused(folders, tmp_path, capsys, theorem):
    """The general theorem's principle, stated exactly, in a concrete theorem's
    kernel and used by a conclusion there: refused, whatever it states."""
    doc = _doc(folders)
    nodes = decode(doc["nodes"])
    kernels = replay.replay(doc["proof"], nodes)
    record = _theorem(doc, theorem)
    kernel = kernels[record["kernel"]]
    above = sympy.Sum(w[LAYER + 1, K, J] * f(z[LAYER, J]), (J, 1, n[LAYER])) + b[LAYER + 1, K]
    fact = kernel.assume(
        CHAIN_RULE,
        sympy.Derivative(E, z[LAYER, J]),
        sympy.Sum(above, (K, 1, n[LAYER + 1])),
        REASONS[CHAIN_RULE],  # its own reason: what refuses it is where it stands
    )
    record["conclusions"].append(_store(doc, kernels, nodes)[id(fact)][1])
    code, out = _verify(doc, tmp_path, capsys)
    assert code == 1 and f"{theorem}: it assumes" in out, out


def test_the_other_output_layers_variant_is_refused(folders, tmp_path, capsys):
    """The softmax variant's proof recorded for a sigmoid output network (its
    name and statement as the softmax network's certificate has them)."""
    doc, other = _doc(folders), _doc(folders, "softmax")
    record = _theorem(doc, "all depths and widths")
    other_name = "all depths and widths, softmax output"
    record.update(name=other_name, statement=_theorem(other, other_name)["statement"])
    code, out = _verify(doc, tmp_path, capsys)
    assert code == 1 and "not 'all depths and widths'" in out, out


def test_the_general_theorem_left_out_is_refused(folders, tmp_path, capsys):
    doc = _doc(folders)
    doc["theorems"] = [t for t in doc["theorems"] if not t["name"].startswith("all depths")]
    code, out = _verify(doc, tmp_path, capsys)
    assert code == 1 and "every depth" in out, out


def test_the_terminal_lists_the_general_theorem_with_its_assumptions(tmp_path, capsys):
    assert main(["--layers", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    proofs = out[out.index("Proofs (") :]
    line = proofs.index("proved: all depths and widths:")
    assuming = proofs[line:].splitlines()[1]
    assert "assuming, by name:" in assuming
    assert CHAIN_RULE in assuming and INDUCTION in assuming
    assert "all depths and widths, softmax output" not in proofs  # this network's variant only


@pytest.mark.parametrize("label", ["elementwise", "softmax"])
def test_what_was_checked_lists_the_general_theorem_with_its_assumptions(folders, label):
    tex = (folders[label] / "derivation.tex").read_text()
    checked = tex[tex.index(r"\label{sec:checked}") :]
    item = checked[checked.index(r"\item \textbf{all depths and widths") :]
    item = item[: item.index(r"\item", 5)]
    assert r"\ref{thm:all-depths}" in item and "proved" in item
    assert "chain rule for a symbolic number of variables" in item
    assert "induction over the layers" in item
    assert (r"\ref{sec:softmax}" in item) == (label == "softmax")
    assert tex.count(r"\label{thm:all-depths}") == 1


@pytest.mark.parametrize(
    "edit",
    [
        lambda assumed: assumed.pop(CHAIN_RULE),
        lambda assumed: assumed.update({INDUCTION: "it is obvious"}),
        lambda assumed: assumed.update({"everything holds": "trust me"}),
    ],
    ids=["a principle hidden", "a reason changed", "one listed that no proof makes"],
)
def test_the_trusted_base_lists_exactly_the_assumptions_made(folders, tmp_path, capsys, edit):
    doc = _doc(folders)
    edit(doc["trusted_base"]["assumed"])
    code, out = _verify(doc, tmp_path, capsys)
    assert code == 1 and "trusted_base: the assumptions listed" in out, out


def test_a_principle_assumed_for_another_reason_is_refused(folders, tmp_path, capsys):
    """The reason is part of the recorded step: a kernel that assumes the
    induction with another reason, and lists it so, is still refused."""

    class Reasoned(Kernel):
        def assume(self, name, lhs, rhs, reason, conditions=()):
            reason = "it is obvious" if name == INDUCTION else reason
            return super().assume(name, lhs, rhs, reason, conditions)

    def make():
        kernel = Reasoned()
        outcome = GeneralProof(kernel).run()
        return kernel, outcome.facts

    doc = _doc(folders)
    _replaced(doc, make)
    assert doc["trusted_base"]["assumed"][INDUCTION] == "it is obvious"
    code, out = _verify(doc, tmp_path, capsys)
    assert code == 1 and "another reason" in out, out
