"""The one shape every reduction has (forward, backward, name, version), composition, and the registry."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable


@runtime_checkable
class Reduction(Protocol):
    """A per-instance map: `forward` builds the target and keeps the variable map; `backward` reads it."""

    name: ClassVar[str]
    version: ClassVar[str]

    def forward(self, source: Any) -> Any: ...

    def backward(self, target_solution: Any) -> Any: ...


class Composed:
    """`compose(first, second)`: source →first→ middle →second→ target, and back through both."""

    version: ClassVar[str] = "1"

    def __init__(self, first: Reduction, second: Reduction) -> None:
        self.first = first
        self.second = second
        self.name = f"{second.name}∘{first.name}"

    def forward(self, source: Any) -> Any:
        return self.second.forward(self.first.forward(source))

    def backward(self, target_solution: Any) -> Any:
        return self.first.backward(self.second.backward(target_solution))


def compose(first: Reduction, second: Reduction) -> Composed:
    """Chain two fresh reductions; `first` runs first on the way forward and last on the way back."""
    return Composed(first, second)
