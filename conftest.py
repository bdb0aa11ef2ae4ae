pytest_plugins = ["ventanilla.testing.fixtures"]
