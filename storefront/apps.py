from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    """The public store pages, their QR codes and posters, the public search and the open API:
    no models, read through the other apps' selectors."""

    name = "storefront"

    def ready(self) -> None:
        from storefront import receivers  # noqa: F401  (connects the receivers)
