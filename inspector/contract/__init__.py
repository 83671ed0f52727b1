"""The API's contract: an OpenAPI document inferred from traffic, and drift from a given spec."""
