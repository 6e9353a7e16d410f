"""Errors raised by the domain: each names what is wrong and where."""


class DomainError(ValueError):
    """A rule of the domain was broken by the input."""


class PolicyError(DomainError):
    """An allocation policy is malformed; the message names the field and the problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid allocation policy: " + "; ".join(problems))


class UnknownReferenceError(DomainError):
    """Input refers to an item, location or customer that does not exist."""
