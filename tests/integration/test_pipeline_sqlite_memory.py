"""The pipeline on the embedded defaults: SQLite file + in-process memory:// bus."""

import pytest

from tests.integration.pipeline_contract import PipelineContract


class TestSqliteMemory(PipelineContract):
    @pytest.fixture
    def app(self, sqlite_app):
        return sqlite_app
