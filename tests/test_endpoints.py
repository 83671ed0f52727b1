"""endpoint_template: identifiers become {id}, words stay."""

from __future__ import annotations

import pytest

from inspector.endpoints import endpoint_template


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/users/123/orders/9f3c2a1b4d5e6f70", "/users/{id}/orders/{id}"),
        ("/users/550e8400-e29b-41d4-a716-446655440000", "/users/{id}"),
        ("/customers/cus_4fQx9LmN2pRt8vW1", "/customers/{id}"),
        ("/reports/2026-11-22", "/reports/{id}"),
        ("/users/me", "/users/me"),
        ("/profile-settings/notifications", "/profile-settings/notifications"),
        ("/v1/items/", "/v1/items/"),
        ("/", "/"),
        ("", "/"),
        ("/people/ada@example.test", "/people/{id}"),
        ("/images/15.png", "/images/{id}.png"),
        ("/invoices/9f3c2a1b4d5e6f70.pdf", "/invoices/{id}.pdf"),
        ("/static/logo.png", "/static/logo.png"),
        ("/v1.2/items", "/v1.2/items"),
    ],
)
def test_templates(path: str, template: str) -> None:
    assert endpoint_template(path) == template
