"""Backward DRUP checking: find the conflict going forward, then check only the lemmas it needs, newest first.

The method of drat-trim (Wetzler, Heule, Hunt: "DRAT-trim: Efficient Checking and Trimming Using Expressive
Clausal Proofs", SAT 2014), restricted to RUP lemmas, on our own two-watched-literal propagation:

1. Forward: add the lemmas one by one with unit propagation at the top level (no decisions), honouring deletions,
   until the clause database propagates to a conflict. Lemmas after that point are never looked at.
2. Mark the clauses that took part in that conflict (conflict analysis over the top-level implication graph).
3. Backward: undo the steps newest first. A lemma is removed, the top-level assignment goes back to what it was
   before the lemma was added, deleted clauses come back, and a *marked* lemma must then be RUP: assigning the
   negation of its literals and propagating must reach a conflict. The clauses of that conflict are marked in turn.

Soundness: every marked lemma is RUP with respect to the formula and the lemmas before it (a subset of them, when
deletions were honoured), and the marked lemmas with the formula propagate to a conflict; so formula ∧ marked
lemmas, each implied by what comes before, derives the empty clause. Unmarked lemmas are never checked: a proof
with a wrong lemma that the refutation does not use is still accepted, since the formula is refuted without it.
The marked lemmas are returned (`core`) so that another checker can confirm the trimmed proof.

Deletions: a deleted clause leaves the database, unless it is a unit clause or the reason of a top-level literal
(drat-trim's default; the literal stays assigned, which is sound since the clause was implied). Deleting a clause
can only make a RUP check harder, so honouring deletions never makes an invalid proof pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Variables beyond this are rejected rather than sized into the literal-indexed arrays.
MAX_VARIABLE = 1 << 24


@dataclass
class BackwardResult:
    """The verdict; the added lemmas (indices into the proof's additions, ascending) and the formula clauses
    (indices into the formula) that the refutation used."""

    valid: bool
    core: list[int] = field(default_factory=list)
    formula_core: list[int] = field(default_factory=list)
    reason: str = ""


class _Propagator:
    """Clauses with two watched literals, one top-level trail, and marks on the clauses that a conflict used.

    Literal-indexed lists have 2n+1 entries and are indexed by the signed literal itself: Python's negative
    indices put -v at position 2n+1-v, distinct from every positive literal. `value[lit]` is 1 (true), -1 (false)
    or 0; the first two literals of a watched clause are its watches. Binary clauses have no watches to move:
    `binaries[lit]` maps each binary clause (lit ∨ other) to `other`, the literal it implies once lit is false.
    """

    def __init__(self, n_vars: int) -> None:
        size = 2 * n_vars + 1
        self.value = [0] * size
        self.watches: list[list[int]] = [[] for _ in range(size)]
        self.binaries: list[dict[int, int]] = [{} for _ in range(size)]
        self.reason = [-1] * (n_vars + 1)  # clause id that propagated the variable, -1 for none
        self.position = [0] * (n_vars + 1)  # index on the trail
        self.analysed = bytearray(n_vars + 1)  # variable whose reasons are already marked
        self.trail: list[int] = []
        self.clauses: list[list[int]] = []
        self.needed = bytearray()
        self.watched = bytearray()  # 1 while the clause sits in two watch lists (or two binary maps)

    def new_clause(self, lits: Sequence[int]) -> int:
        """Store a clause without duplicate literals; returns its id."""
        self.clauses.append(list(dict.fromkeys(lits)))
        self.needed.append(0)
        self.watched.append(0)
        return len(self.clauses) - 1

    def add(self, cid: int) -> int:
        """Attach clause `cid` at the top level and propagate; returns a conflicting clause id, or -1."""
        clause = self.clauses[cid]
        value = self.value
        if len({abs(lit) for lit in clause}) < len(clause):
            return -1  # a tautology is never unit: leave it out
        free = [i for i, lit in enumerate(clause) if value[lit] >= 0]
        if not free:
            return cid
        if len(clause) == 1:
            return self._assign_and_propagate(clause[0], cid) if value[clause[0]] == 0 else -1
        first = free[0]
        clause[0], clause[first] = clause[first], clause[0]
        if len(free) >= 2:
            second = free[1]
        else:  # unit or satisfied: the second watch is the false literal assigned last
            position = self.position
            second = max(range(1, len(clause)), key=lambda i: position[abs(clause[i])])
        clause[1], clause[second] = clause[second], clause[1]
        self.attach(cid)
        if len(free) == 1 and value[clause[0]] == 0:
            return self._assign_and_propagate(clause[0], cid)
        return -1

    def attach(self, cid: int) -> None:
        clause = self.clauses[cid]
        if len(clause) == 2:
            self.binaries[clause[0]][cid] = clause[1]
            self.binaries[clause[1]][cid] = clause[0]
        elif len(clause) > 2:
            self.watches[clause[0]].append(cid)
            self.watches[clause[1]].append(cid)
        self.watched[cid] = len(clause) >= 2

    def detach(self, cid: int) -> None:
        """Stop watching a clause. Its entries in the watch lists are dropped lazily, when propagation visits them:
        removing them here would scan the lists, quadratic over a proof that deletes many clauses."""
        if self.watched[cid]:
            clause = self.clauses[cid]
            if len(clause) == 2:
                del self.binaries[clause[0]][cid], self.binaries[clause[1]][cid]
            self.watched[cid] = 0

    def is_reason(self, cid: int) -> bool:
        return any(self.reason[abs(lit)] == cid and self.value[lit] > 0 for lit in self.clauses[cid])

    def _assign_and_propagate(self, lit: int, cid: int) -> int:
        self._assign(lit, cid)
        return self.propagate(len(self.trail) - 1)

    def _assign(self, lit: int, cid: int) -> None:
        var = abs(lit)
        self.value[lit] = 1
        self.value[-lit] = -1
        self.reason[var] = cid
        self.position[var] = len(self.trail)
        self.trail.append(lit)

    def propagate(self, head: int) -> int:
        """Unit propagation of the trail from `head`; returns a conflicting clause id, or -1 at a fixpoint."""
        trail, value, watches, clauses = self.trail, self.value, self.watches, self.clauses
        reason, position, binaries, watched = self.reason, self.position, self.binaries, self.watched
        while head < len(trail):
            false_lit = -trail[head]
            head += 1
            for cid, other in binaries[false_lit].items():
                if value[other] > 0:
                    continue
                if value[other] < 0:
                    return cid
                var = abs(other)
                value[other] = 1
                value[-other] = -1
                reason[var] = cid
                position[var] = len(trail)
                trail.append(other)
            watching = watches[false_lit]
            kept: list[int] = []
            for index, cid in enumerate(watching):
                if not watched[cid]:
                    continue  # detached: drop the entry
                clause = clauses[cid]
                if clause[0] == false_lit:
                    clause[0], clause[1] = clause[1], false_lit
                elif clause[1] != false_lit:
                    continue  # an entry left from before a detach: the clause watches other literals now
                other = clause[0]
                if value[other] > 0:
                    kept.append(cid)
                    continue
                for k in range(2, len(clause)):
                    lit = clause[k]
                    if value[lit] >= 0:
                        clause[1], clause[k] = lit, false_lit
                        watches[lit].append(cid)
                        break
                else:
                    kept.append(cid)
                    if value[other] < 0:
                        kept.extend(watching[index + 1 :])
                        watches[false_lit] = kept
                        return cid
                    var = abs(other)
                    value[other] = 1
                    value[-other] = -1
                    reason[var] = cid
                    position[var] = len(trail)
                    trail.append(other)
            watches[false_lit] = kept
        return -1

    def backtrack(self, length: int) -> None:
        """Unassign the trail past `length`."""
        value, reason, analysed = self.value, self.reason, self.analysed
        for lit in self.trail[length:]:
            var = abs(lit)
            value[lit] = value[-lit] = 0
            reason[var] = -1
            analysed[var] = 0
        del self.trail[length:]

    def mark_reasons(self, lits: Sequence[int]) -> None:
        """Mark the reason clauses of the (assigned) `lits`, and transitively those of their reasons' literals."""
        reason, analysed, clauses, needed = self.reason, self.analysed, self.clauses, self.needed
        stack = [abs(lit) for lit in lits]
        while stack:
            var = stack.pop()
            if analysed[var]:
                continue
            analysed[var] = 1
            cid = reason[var]
            if cid >= 0:
                needed[cid] = 1
                stack.extend(abs(lit) for lit in clauses[cid])

    def mark_conflict(self, cid: int) -> None:
        self.needed[cid] = 1
        self.mark_reasons(self.clauses[cid])

    def is_rup(self, cid: int) -> bool:
        """Does the negation of clause `cid` propagate to a conflict? Marks the clauses used; the trail is restored."""
        top = len(self.trail)
        value = self.value
        clause = self.clauses[cid]
        for lit in clause:
            if value[lit] > 0:  # already true: ¬lit conflicts with lit's reasons
                self.mark_reasons([lit])
                self.backtrack(top)
                return True
            if value[lit] == 0:
                self._assign(-lit, -1)
        conflict = self.propagate(top)
        if conflict >= 0:
            self.mark_conflict(conflict)
        self.backtrack(top)
        return conflict >= 0


def check_backward(formula: Sequence[Sequence[int]], steps: Sequence[tuple[bool, Sequence[int]]]) -> BackwardResult:
    """Check a DRUP proof backward. `steps` are (is_deletion, clause) in proof order."""
    n_vars = max((abs(lit) for clause in formula for lit in clause), default=0)
    n_vars = max(n_vars, max((abs(lit) for _, clause in steps for lit in clause), default=0))
    if n_vars > MAX_VARIABLE:
        return BackwardResult(False, reason=f"variable {n_vars} is beyond {MAX_VARIABLE}")
    engine = _Propagator(n_vars)
    for clause in formula:
        conflict = engine.add(engine.new_clause(clause))
        if conflict >= 0:
            engine.mark_conflict(conflict)
            formula_core = [cid for cid, used in enumerate(engine.needed) if used]
            return BackwardResult(True, formula_core=formula_core, reason="the formula is refuted by unit propagation")
    forward = _forward(engine, steps)
    if isinstance(forward, str):
        return BackwardResult(False, reason=forward)
    return _backward(engine, len(formula), *forward)


_Event = tuple[int, int]  # (clause id, trail length before it was added) for an addition; (~clause id, 0) to re-add


def _forward(engine: _Propagator, steps: Sequence[tuple[bool, Sequence[int]]]) -> tuple[list[_Event], int] | str:
    """Add lemmas until a conflict: the events to undo, and the conflicting clause id; or why there is none."""
    present: dict[tuple[int, ...], list[int]] = {}
    for cid, clause in enumerate(engine.clauses):
        present.setdefault(tuple(sorted(clause)), []).append(cid)
    events: list[_Event] = []
    for deletion, lits in steps:
        key = tuple(sorted(set(lits)))
        if deletion:
            deleted = _delete(engine, present.get(key))
            if deleted >= 0:
                events.append((~deleted, 0))
            continue
        if not lits:
            return "the empty clause is not implied by unit propagation"
        cid = engine.new_clause(lits)
        events.append((cid, len(engine.trail)))
        present.setdefault(key, []).append(cid)
        conflict = engine.add(cid)
        if conflict >= 0:
            return events, conflict
    return "the proof ends before unit propagation refutes the formula"


def _delete(engine: _Propagator, copies: list[int] | None) -> int:
    """Detach the newest copy of a clause, unless it is a unit or a reason; returns its id, or -1 if kept.

    Units and tautologies are not watched: their deletion is ignored like a reason's.
    """
    if not copies:
        return -1  # deleting an absent clause changes nothing
    cid = copies[-1]
    if not engine.watched[cid] or engine.is_reason(cid):
        return -1
    copies.pop()
    engine.detach(cid)
    return cid


def _backward(engine: _Propagator, n_formula: int, events: list[_Event], conflict: int) -> BackwardResult:
    engine.mark_conflict(conflict)
    needed = engine.needed
    for cid, trail_length in reversed(events):
        if cid < 0:
            engine.attach(~cid)
            continue
        engine.detach(cid)
        engine.backtrack(trail_length)
        if needed[cid] and not engine.is_rup(cid):
            return BackwardResult(False, reason=f"lemma {cid - n_formula + 1} is not RUP: {engine.clauses[cid]}")
    core = [cid - n_formula for cid in range(n_formula, len(engine.clauses)) if needed[cid]]
    return BackwardResult(True, core, [cid for cid in range(n_formula) if needed[cid]])
