"""The WSGI entry point: `flask --app wsgi ...`, or a WSGI server pointed at `wsgi:app`."""
import sys

from lifecycle import create_app
from lifecycle.domain.errors import WorkflowDefinitionError

try:
    app = create_app()
except WorkflowDefinitionError as error:
    sys.exit(f"Voelspriet cannot start: the workflow definition is broken.\n{error}")
