"""Issue 14, finding 7: login throttling and lockout (django-axes) on the login page and the
token endpoint; API tokens (django-rest-knox) that expire, are stored hashed, can be revoked by
their owner and are all revoked when the password changes."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from merchants.models import AuditEntry
from tests.conftest import PASSWORD, client_for

API = "/api/v1"


def token_for(user, password=PASSWORD) -> str:
    response = APIClient().post(
        f"{API}/auth/token/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expiry"}
    return body["token"]


def with_token(token: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# Lockout.


def test_forty_wrong_passwords_on_the_login_page_lock_the_account_out(owner):
    client = Client()
    statuses = [
        client.post(reverse("login"), {"username": "alice", "password": f"wrong-{i}"}).status_code
        for i in range(40)
    ]
    # The form again with its error, until the 10th failure locks the account out.
    assert statuses[:9] == [200] * 9
    assert set(statuses[9:]) == {429}
    # The right password no longer works at once.
    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    assert client.post(reverse("login"), {"username": "bob", "password": "x"}).status_code == 200


def test_the_lockout_message_is_in_chinese_too(owner):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(10):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    page = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert page.status_code == 429
    assert "15 分钟" in page.content.decode()


def test_forty_wrong_passwords_on_the_token_endpoint_lock_it(owner):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    url = f"{API}/auth/token/"
    statuses = [
        client.post(url, {"username": "alice", "password": "wrong"}, format="json").status_code
        for _ in range(40)
    ]
    assert statuses[:9] == [400] * 9
    assert set(statuses[9:]) == {429}
    locked = client.post(url, {"username": "alice", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    assert "token" not in locked.json()
    assert not AuthToken.objects.exists()


def test_page_and_token_endpoint_share_the_count_and_the_lockout_ends(owner):
    for _ in range(5):
        Client().post(reverse("login"), {"username": "alice", "password": "wrong"})
    for _ in range(5):
        APIClient().post(
            f"{API}/auth/token/", {"username": "alice", "password": "wrong"}, format="json"
        )
    assert (
        Client().post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code
        == 429
    )
    # 15 minutes later the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = Client().post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    token_for(owner)


def test_a_success_resets_the_count(owner):
    client = Client()
    for _ in range(9):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert (
        client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
    for _ in range(9):
        Client().post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert (
        Client().post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )


def test_a_forged_forwarded_address_does_not_escape_the_lockout(owner):
    url = f"{API}/auth/token/"
    for i in range(12):
        APIClient(HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").post(
            url, {"username": "alice", "password": "wrong"}, format="json"
        )
    response = APIClient(HTTP_X_FORWARDED_FOR="10.9.9.9").post(
        url, {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429


# Tokens.


def test_token_is_stored_hashed_and_expires(owner, merchant, settings):
    token = token_for(owner)
    row = AuthToken.objects.get(user=owner)
    assert token not in (row.digest, row.token_key)
    assert row.digest != token and len(row.digest) == 128
    assert row.expiry is not None
    assert timedelta(days=29) < row.expiry - timezone.now() <= timedelta(days=30)
    assert with_token(token).get(f"{API}/merchants/").status_code == 200
    AuthToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert with_token(token).get(f"{API}/merchants/").status_code == 401


def test_owner_lists_and_revokes_own_tokens_by_api(owner, other_owner, merchant):
    first, second = token_for(owner), token_for(owner)
    theirs = token_for(other_owner)
    listed = with_token(first).get(f"{API}/auth/tokens/").json()
    assert {t["key"] for t in listed} == {first[:15], second[:15]}
    assert all(first not in str(t) and second not in str(t) for t in listed)
    # Someone else's token cannot be revoked.
    assert with_token(first).delete(f"{API}/auth/tokens/{theirs[:15]}/").status_code == 404
    assert with_token(theirs).get(f"{API}/merchants/").status_code == 200
    assert with_token(first).delete(f"{API}/auth/tokens/{second[:15]}/").status_code == 204
    assert with_token(second).get(f"{API}/merchants/").status_code == 401
    assert with_token(first).get(f"{API}/merchants/").status_code == 200
    assert AuditEntry.objects.filter(action="api_token.revoke", actor=owner).exists()


def test_owner_revokes_tokens_on_the_page(owner, merchant):
    first, second = token_for(owner), token_for(owner)
    client = client_for(owner)
    page = client.get(reverse("account-tokens"))
    assert page.status_code == 200
    text = page.content.decode()
    assert first[:15] in text and first not in text
    client.post(reverse("account-token-revoke", args=[first[:15]]))
    assert with_token(first).get(f"{API}/merchants/").status_code == 401
    assert with_token(second).get(f"{API}/merchants/").status_code == 200
    client.post(reverse("account-tokens-revoke-all"))
    assert with_token(second).get(f"{API}/merchants/").status_code == 401


def test_password_change_revokes_every_token(owner, merchant):
    tokens = [token_for(owner), token_for(owner)]
    client = client_for(owner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    for token in tokens:
        assert with_token(token).get(f"{API}/merchants/").status_code == 401
    assert not AuthToken.objects.filter(user=owner).exists()
    # A new token works with the new password.
    assert (
        with_token(token_for(owner, "another-long-passphrase")).get(f"{API}/merchants/").status_code
        == 200
    )


def test_admin_password_change_and_set_password_revoke_tokens(owner):
    token = token_for(owner)
    owner.set_password("yet-another-passphrase")
    owner.save()
    assert with_token(token).get(f"{API}/merchants/").status_code == 401


def test_logging_in_again_keeps_other_tokens(owner, merchant):
    token = token_for(owner)
    token_for(owner)
    assert (
        Client().post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
    assert with_token(token).get(f"{API}/merchants/").status_code == 200


@pytest.mark.parametrize("page", ["changelist", "change"])
def test_admin_never_shows_a_token(admin_user, owner, page):
    token = token_for(owner)
    row = AuthToken.objects.get(user=owner)
    client = client_for(admin_user)
    url = (
        reverse("admin:knox_authtoken_changelist")
        if page == "changelist"
        else reverse("admin:knox_authtoken_change", args=[row.pk])
    )
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert token not in text and token[:15] not in text
    assert client.get(reverse("admin:knox_authtoken_add")).status_code == 403
