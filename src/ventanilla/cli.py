"""The `ventanilla` console command: Django's management commands plus Ventanilla's own."""

import os
import sys


def main() -> None:
    if sys.version_info < (3, 12):  # noqa: UP036 - installed by an older pip, say why instead of crashing
        sys.exit("Ventanilla needs Python 3.12 or newer; this is " + sys.version.split()[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
