"""Exporters: hosted services (ReadMe, Apitally, OTLP, Elasticsearch) and files (HAR, NDJSON).

Service exporters share one delivery engine (`delivery`) with durable cursors and retries, one
HTTP transport (`transport`) and a registry of destinations and their options (`registry`).
Nothing here imports httpx or protobuf at package import time.
"""
