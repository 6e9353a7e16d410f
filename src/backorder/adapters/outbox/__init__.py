"""Outbox relay: NATS JetStream publishing and signed webhooks, with leaders and health."""
