"""Print the app's OpenAPI schema as JSON, without starting a server (for the TS types)."""

from __future__ import annotations

import json
import os
import sys

# The schema does not depend on secrets; a placeholder keeps settings validation quiet.
os.environ.setdefault("SECRET_KEY", "openapi-schema-export-" + "x" * 32)
os.environ["DOCS_ENABLED"] = "true"

from app.main import create_app  # noqa: E402  (after the environment is set)

json.dump(create_app().openapi(), sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
