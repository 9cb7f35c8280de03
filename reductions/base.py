"""The one shape every reduction and encoding has (forward, backward, name, version), and composition."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable


@runtime_checkable
class Reduction(Protocol):
    """A per-instance map: `forward` builds the target and keeps the variable map; `backward` reads it.

    Built fresh for each instance (with its deadline, for an encoding that can outlast one) and used once: after
    `forward`, the object *is* the variable map, read through its public methods (`backward`, and for CNF
    encodings `blocking_clause`, `var_map`). `reductions.registry.ReductionEntry.encode` returns the pair
    (target, map) in one call.
    """

    name: ClassVar[str]
    version: ClassVar[str]

    def forward(self, source: Any) -> Any: ...

    def backward(self, target_solution: Any) -> Any: ...


class Composed:
    """`compose(first, second)`: source →first→ middle →second→ target, and back through both.

    `middle` is the intermediate instance of the last `forward`, the one `second`'s variable map refers to.
    """

    version: ClassVar[str] = "1"

    def __init__(self, first: Reduction, second: Reduction) -> None:
        self.first = first
        self.second = second
        self.name = f"{second.name}∘{first.name}"
        self.middle: Any = None

    def forward(self, source: Any) -> Any:
        self.middle = self.first.forward(source)
        return self.second.forward(self.middle)

    def backward(self, target_solution: Any) -> Any:
        return self.first.backward(self.second.backward(target_solution))


def compose(first: Reduction, second: Reduction) -> Composed:
    """Chain two fresh reductions; `first` runs first on the way forward and last on the way back."""
    return Composed(first, second)
