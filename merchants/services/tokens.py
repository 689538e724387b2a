"""API tokens (django-rest-knox): issued for a username and password, valid for a while
(`REST_KNOX["TOKEN_TTL"]`), stored only as a hash, revocable by their owner one by one, and all
revoked when the password changes."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from merchants.models import User
from merchants.services.audit import audit_log


def api_token_list(*, user: User) -> QuerySet[AuthToken]:
    """The owner's tokens still valid, newest first (what the owner may see and revoke)."""
    return (
        AuthToken.objects.filter(user=user).exclude(expiry__lt=timezone.now()).order_by("-created")
    )


@transaction.atomic
def api_token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new token for `user`; returns the row and the token itself, shown once and never
    stored (the row keeps its SHA-512 digest and its first 15 characters to tell it apart)."""
    instance, token = AuthToken.objects.create(user=user)
    # Expired tokens of this person are of no use any more.
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    audit_log(actor=user, action="api_token.create", obj=user, data={"key": instance.token_key})
    return instance, token


@transaction.atomic
def api_token_revoke(*, actor: User, token_key: str) -> bool:
    """The owner revokes one of their tokens, named by its key (its first characters)."""
    deleted, _ = AuthToken.objects.filter(user=actor, token_key=token_key).delete()
    if deleted:
        audit_log(actor=actor, action="api_token.revoke", obj=actor, data={"key": token_key})
    return bool(deleted)


@transaction.atomic
def api_tokens_revoke_all(*, user: User, reason: str = "revoke") -> int:
    """Every token of `user` revoked: when the password changes, or on the owner's request."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    if deleted:
        audit_log(actor=user, action="api_token.revoke_all", obj=user, data={"reason": reason})
    return deleted


def tokens_follow_password(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    """post_save of a user: a password set with `set_password` (change, reset, admin) revokes
    every API token. Django keeps the new raw password on the instance until after this signal
    (and clears it first when it only re-hashes the same password at login), so this is exact."""
    if created or getattr(instance, "_password", None) is None:
        return
    api_tokens_revoke_all(user=instance, reason="password")
