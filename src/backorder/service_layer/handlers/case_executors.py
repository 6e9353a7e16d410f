"""Every module that carries out case actions, imported once so their executors register.

Each feature registers its executors with `@executor(ActionKind...)` in its own module;
importing this module (the workflow runtime does) makes the registry complete.
"""

from backorder.service_layer.handlers import cases

__all__ = ["cases"]
