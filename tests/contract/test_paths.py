"""Endpoint templates as OpenAPI paths: parameters named after their collection, once per path."""

from __future__ import annotations

import pytest

from inspector.contract.paths import api_path, operation_id


@pytest.mark.parametrize(
    ("template", "path", "names"),
    [
        ("/users/{id}", "/users/{userId}", ("userId",)),
        ("/users/{id}/orders/{id}", "/users/{userId}/orders/{orderId}", ("userId", "orderId")),
        ("/categories/{id}", "/categories/{categoryId}", ("categoryId",)),
        ("/addresses/{id}", "/addresses/{addressId}", ("addressId",)),
        ("/images/{id}.png", "/images/{imageId}.png", ("imageId",)),
        ("/{id}/{id}", "/{id}/{id2}", ("id", "id2")),
        ("/api-keys/{id}", "/api-keys/{apiKeyId}", ("apiKeyId",)),
        ("/v1/2024/{id}", "/v1/2024/{id}", ("id",)),  # a number is no collection name
        # Templates from a configured spec keep their own names.
        ("/pets/{petId}/toys/{toyId}", "/pets/{petId}/toys/{toyId}", ("petId", "toyId")),
        ("/", "/", ()),
    ],
)
def test_parameters_are_named_after_the_segment_before(
    template: str, path: str, names: tuple[str, ...]
) -> None:
    found = api_path(template)
    assert found is not None
    assert (found.path, found.names) == (path, names)


def test_parameter_values_are_read_from_a_concrete_path() -> None:
    found = api_path("/users/{id}/orders/{id}")
    assert found is not None
    assert found.values("/users/42/orders/9f3c") == ("42", "9f3c")
    assert found.values("/users/42/orders/9f3c/") == ("42", "9f3c")
    assert found.values("/users/42") is None
    image = api_path("/images/{id}.png")
    assert image is not None and image.values("/images/15.png") == ("15",)


@pytest.mark.parametrize("template", ["example.com:443", "*", "", "/odd/{brace", "/a}b"])
def test_what_is_no_path_is_left_out(template: str) -> None:
    assert api_path(template) is None


def test_operation_ids_are_unique_and_readable() -> None:
    taken: set[str] = set()
    assert operation_id("GET", "/users/{userId}", taken) == "getUsersByUserId"
    assert operation_id("GET", "/users/{userId}", taken) == "getUsersByUserId2"
    assert operation_id("POST", "/api-keys", taken) == "postApiKeys"
    assert operation_id("GET", "/", taken) == "get"
