import os

import pytest

pytest_plugins = ["ventanilla.testing.fixtures", "ventanilla.testing.browser"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give each PostgreSQL test run its own database so concurrent runs on one server never collide."""
    from django.conf import settings

    suffix = os.environ.get("VENTANILLA_TEST_DB_SUFFIX") or f"p{os.getpid()}"
    for config in settings.DATABASES.values():
        if "postgresql" not in config["ENGINE"]:
            continue
        test = config.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + config['NAME']}_{suffix}"
