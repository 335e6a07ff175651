"""The `shouwang.services` entry point: how serve, migrate, run and keys find this service."""

from shouwang.common.plugins import ServicePlugin

SERVICE = ServicePlugin(
    name="web",
    port=8005,
    app_factory="shouwang.web.main:create_app",
    landing_page="/",
)
