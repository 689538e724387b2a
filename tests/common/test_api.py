"""What every API view shares (common/api.py): page sizes within their documented range, and
JSON for a path under /api/ the URL resolver does not know."""

import pytest

from tests.conftest import api


@pytest.mark.parametrize("value", ["0", "-1", "201", "abc", "1.5", "²"])
def test_a_page_size_outside_1_to_200_is_a_400(owner, value):
    response = api(owner).get("/api/v1/regions/", {"page_size": value})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["A whole number from 1 to 200."]}


def test_a_page_size_within_range_sets_the_page(owner):
    for size in ("3", "60"):
        page = api(owner).get("/api/v1/regions/", {"page_size": size}).json()
        assert len(page["results"]) == int(size) < page["count"]


def test_an_unknown_api_path_answers_json_and_a_page_path_html(client, db):
    response = client.get("/api/v1/merchants/1.5/")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}

    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
