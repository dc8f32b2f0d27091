"""Validates Open Referral UK documents against the profile's JSON Schemas.

Reads a JSON array of {"schema": "service.json", "document": {...}} from standard input, checks
each document against that schema file in the folder given as the first argument (formats such as
uuid and email checked too), and prints one line per problem. Exits 1 if there was any.
"""

import json
import sys
from pathlib import Path

import jsonschema


def main() -> int:
    folder = Path(sys.argv[1])
    problems = 0
    for n, item in enumerate(json.load(sys.stdin)):
        schema = json.loads((folder / item["schema"]).read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        for error in validator.iter_errors(item["document"]):
            problems += 1
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"document {n} ({item['schema']}) at /{where}: {error.message}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
