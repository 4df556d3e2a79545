"""Proofs as data, and their replay by the kernel alone.

Every kernel step is stored with the rule that made it, the rule's
arguments (expressions as nodes of the certificate's shared table, earlier
facts by their step number) and the conclusion it reached.  To replay, a
fresh :class:`~proofs.kernel.Kernel` applies each rule again to the same
arguments — premises being the facts it has just re-derived itself — and
the conclusion must come out the same.  Nothing else runs: not the model,
not the derivation, not the programs that found the proof.  A step the
kernel refuses, or that concludes anything else, is named.

Arguments are encoded as ``{"fact": i}``, ``{"expr": node}``, ``{"list":
[…]}``, ``{"set": […]}``, ``{"dict": [[key, value], …]}``, ``{"int": n}``,
``{"str": s}``, ``{"bool": b}`` or ``null``.
"""

from __future__ import annotations

import contextlib
import inspect
import signal
import threading

import sympy
from sympy.core.function import UndefinedFunction

from derive.support.progress import QUIET, Progress
from proofs.kernel import Fact, Kernel, ProofError
from proofs.kernel.codec import Encoder, FormatError
from proofs.kernel.core import RULES

MAX_STEPS = 500_000
MAX_ARGUMENT_DEPTH = 8


class Refused(Exception):
    """A replayed step that the kernel refused or that reached another conclusion."""


# -- writing ---------------------------------------------------------------------------


def encode(kernels: list[Kernel], encoder: Encoder) -> tuple[list[dict], dict[int, tuple]]:
    """The steps of every kernel, and where each issued fact sits:
    {id(fact): (kernel number, step number)}."""
    where: dict[int, tuple] = {}
    for number, kernel in enumerate(kernels):
        for index, step in enumerate(kernel.steps):
            where[id(step.fact)] = (number, index)
    proofs = []
    for number, kernel in enumerate(kernels):
        steps = []
        for step in kernel.steps:
            if not step.call:
                raise FormatError(f"a step of rule {step.rule} has no recorded call")
            method, arguments = step.call
            steps.append(
                {
                    "rule": method,
                    "arguments": {
                        name: _argument(value, encoder, where, number)
                        for name, value in arguments.items()
                    },
                    "conclusion": _conclusion(step.fact, encoder),
                    "seconds": round(step.seconds, 3),
                }
            )
        proofs.append({"steps": steps})
    return proofs, where


def _conclusion(fact: Fact, encoder: Encoder) -> dict:
    return {
        "lhs": encoder.add(fact.lhs),
        "rhs": encoder.add(fact.rhs),
        "conditions": sorted(encoder.add(c) for c in fact.conditions),
        "trust": fact.trust,
        "assumptions": sorted(fact.assumptions),
    }


def _argument(value, encoder: Encoder, where: dict, kernel: int):
    if value is None:
        return None
    if isinstance(value, Fact):
        number, index = where[id(value)]
        if number != kernel:
            raise FormatError("a premise from another kernel")
        return {"fact": index}
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, (sympy.Basic, UndefinedFunction)):
        return {"expr": encoder.add(value)}
    if isinstance(value, dict):
        return {
            "dict": [
                [_argument(k, encoder, where, kernel), _argument(v, encoder, where, kernel)]
                for k, v in value.items()
            ]
        }
    if isinstance(value, (frozenset, set)):
        return {"set": [_argument(v, encoder, where, kernel) for v in value]}
    if isinstance(value, (list, tuple)):
        return {"list": [_argument(v, encoder, where, kernel) for v in value]}
    raise FormatError(f"cannot store an argument of type {type(value).__name__}")


# -- replaying ----------------------------------------------------------------------------


def replay(proofs, nodes: list, progress: Progress = QUIET) -> list[Kernel]:
    """Replay every kernel's steps; returns the kernels, each holding the
    facts it re-derived.  Raises :class:`Refused` naming the first step that
    does not replay, :class:`~proofs.kernel.codec.FormatError` for a record
    that cannot be read.  A replay as long as its proof shows its progress."""
    if not isinstance(proofs, list):
        raise FormatError("proof: not a list of kernels")
    if not all(isinstance(p, dict) and isinstance(p.get("steps"), list) for p in proofs):
        raise FormatError("proof: each kernel a list of steps")
    total = sum(len(p["steps"]) for p in proofs)
    if total > MAX_STEPS:
        raise FormatError(f"proof: {total} steps, more than {MAX_STEPS}")
    kernels, done = [], 0
    for number, proof in enumerate(proofs):
        kernel = Kernel()
        for index, step in enumerate(proof["steps"]):
            if done % 50 == 0:
                progress.update("replaying kernel steps", done, total)
            _replay_step(kernel, step, nodes, f"{number}.{index}")
            done += 1
        kernels.append(kernel)
    progress.close()
    return kernels


def _replay_step(kernel: Kernel, step, nodes: list, where: str) -> None:
    if not isinstance(step, dict) or set(step) != {"rule", "arguments", "conclusion", "seconds"}:
        raise FormatError(f"step {where}: not a rule, its arguments, a conclusion and a time")
    seconds = step["seconds"]
    if type(seconds) not in (int, float) or not 0 <= seconds < 1e6:
        raise FormatError(f"step {where}: its time is not a number of seconds")
    method, arguments = step["rule"], step["arguments"]
    if method not in RULES:
        raise Refused(f"step {where}: {method!r} is not a rule of the kernel")
    if not isinstance(arguments, dict):
        raise FormatError(f"step {where}: the arguments are not a mapping")
    facts = [s.fact for s in kernel.steps]
    values = {name: _value(v, nodes, facts, where, 0) for name, v in arguments.items()}
    rule = getattr(kernel, method)
    try:
        inspect.signature(rule).bind(**values)
    except TypeError as error:
        raise Refused(f"step {where} ({method}): the arguments do not fit: {error}") from None
    before = len(kernel.steps)
    budget = STEP_BUDGET_FLOOR + STEP_BUDGET_FACTOR * seconds
    try:
        with _time_limit(budget):
            fact = rule(**values)
    except _OverBudget:
        raise Refused(
            f"step {where} ({method}): still running after {budget:.0f} s "
            f"(it took {seconds} s when it was proved)"
        ) from None
    except ProofError as error:
        raise Refused(f"step {where} ({method}): the kernel refuses it: {error}") from None
    except Exception as error:  # any failure to re-derive the step refuses it
        raise Refused(
            f"step {where} ({method}): the arguments do not fit ({type(error).__name__})"
        ) from None
    if len(kernel.steps) != before + 1:
        raise Refused(f"step {where} ({method}): not one step")
    expected = step["conclusion"]
    if not isinstance(expected, dict):
        raise FormatError(f"step {where}: the conclusion is not a mapping")
    if _read_conclusion(expected, nodes, where) != _parts(fact):
        raise Refused(f"step {where} ({method}): the kernel concludes something else")


STEP_BUDGET_FLOOR = 5.0
STEP_BUDGET_FACTOR = 20.0
"""A replayed step may take 5 s plus 20 times what it took when it was
proved; a step that runs longer was not the step the proof recorded (an
edited power that SymPy expands for minutes, say)."""


class _OverBudget(BaseException):
    """Raised by the timer; a BaseException, so that no ``except Exception``
    inside SymPy swallows it."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt the block after ``seconds`` where the platform allows it (a
    timer signal, in the main thread); elsewhere the block runs unbounded."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def expire(signum, frame):
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _parts(fact: Fact) -> tuple:
    return fact.lhs, fact.rhs, fact.conditions, fact.trust, fact.assumptions


def _read_conclusion(conclusion: dict, nodes: list, where: str) -> tuple:
    try:
        conditions = frozenset(_node(i, nodes, where) for i in conclusion["conditions"])
        assumptions = conclusion["assumptions"]
        if not (isinstance(assumptions, list) and all(isinstance(a, str) for a in assumptions)):
            raise FormatError(f"step {where}: the assumptions are not names")
        return (
            _node(conclusion["lhs"], nodes, where),
            _node(conclusion["rhs"], nodes, where),
            conditions,
            conclusion["trust"],
            frozenset(assumptions),
        )
    except (KeyError, TypeError):
        raise FormatError(f"step {where}: the conclusion is not lhs, rhs and conditions") from None


def _node(index, nodes: list, where: str):
    if type(index) is not int or not 0 <= index < len(nodes):
        raise FormatError(f"step {where}: no node {index!r}")
    return nodes[index]


def _value(encoded, nodes: list, facts: list, where: str, depth: int):
    if depth > MAX_ARGUMENT_DEPTH:
        raise FormatError(f"step {where}: arguments nested too deeply")
    if encoded is None:
        return None
    if not isinstance(encoded, dict) or len(encoded) != 1:
        raise FormatError(f"step {where}: an argument is not one tagged value")
    ((kind, value),) = encoded.items()
    if kind == "fact":
        if type(value) is not int:
            raise FormatError(f"step {where}: a premise is not a step number")
        if not 0 <= value < len(facts):
            raise Refused(f"step {where}: its premise, step {value}, is not an earlier step")
        return facts[value]
    if kind == "expr":
        return _node(value, nodes, where)
    if kind == "bool" and type(value) is bool:
        return value
    if kind == "int" and type(value) is int:
        return value
    if kind == "str" and isinstance(value, str):
        return value
    if kind in ("list", "set") and isinstance(value, list):
        items = [_value(v, nodes, facts, where, depth + 1) for v in value]
        return items if kind == "list" else frozenset(items)
    if kind == "dict" and isinstance(value, list):
        pairs = {}
        for pair in value:
            if not isinstance(pair, list) or len(pair) != 2:
                raise FormatError(f"step {where}: a mapping entry is not a pair")
            key = _value(pair[0], nodes, facts, where, depth + 1)
            try:
                pairs[key] = _value(pair[1], nodes, facts, where, depth + 1)
            except TypeError:
                raise FormatError(f"step {where}: a mapping key of the wrong kind") from None
        return pairs
    raise FormatError(f"step {where}: an argument of kind {kind!r} holds {type(value).__name__}")
