"""The conformance kit's pytest plugin, enabled as any third-party plugin would."""

pytest_plugins = ["core.testing.plugin"]
