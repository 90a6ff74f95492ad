"""The pipeline on the production parts: real PostgreSQL + real RabbitMQ."""

import pytest

from tests.integration.pipeline_contract import PipelineContract


class TestPostgresRabbitMQ(PipelineContract):
    @pytest.fixture
    def app(self, pg_amqp_app):
        return pg_amqp_app
