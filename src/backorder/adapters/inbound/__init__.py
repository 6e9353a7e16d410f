"""Inbound transports: the NATS JetStream consumer of canonical ERP/WMS/eCommerce messages.

`stream` names the stream, subjects and consumer configuration; `consumer` runs the
durable pull consumer that hands batches to `service_layer.handlers.inbound.apply_messages`.
Nothing here connects at import time.
"""
