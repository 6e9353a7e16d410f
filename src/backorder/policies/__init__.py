"""Policy files shipped with backorder, and loading a policy from a file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from backorder.domain.allocation.policy import Policy, policy_from_yaml
from backorder.domain.operations import OperationsPolicy, parse_operations_policy


def load_policy(path: Path) -> Policy:
    """Read and validate a policy YAML file; problems name the file and field."""
    return policy_from_yaml(path.read_text(encoding="utf-8"), source=str(path))


def default_policy() -> Policy:
    """The policy shipped with the package (`policies/default.yaml`)."""
    text = resources.files(__package__).joinpath("default.yaml").read_text(encoding="utf-8")
    return policy_from_yaml(text, source="default.yaml")


def load_operations_policy(path: Path) -> OperationsPolicy:
    """Read and validate an operations policy file."""
    return parse_operations_policy(path.read_text(encoding="utf-8"), source=str(path))


def default_operations_policy() -> OperationsPolicy:
    """The operations policy shipped with the package (`policies/operations.yaml`)."""
    text = resources.files(__package__).joinpath("operations.yaml").read_text(encoding="utf-8")
    return parse_operations_policy(text, source="operations.yaml")
