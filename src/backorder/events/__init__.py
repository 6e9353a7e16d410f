"""The canonical event model: registry of types, CloudEvents envelopes, schemas, AsyncAPI."""
