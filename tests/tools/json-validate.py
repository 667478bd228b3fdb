#!/usr/bin/python3
"""json-validate.py SCHEMA DEF [FILE]: check one JSON document (FILE, or
stdin) against SCHEMA's $defs/DEF with the jsonschema library (Debian's
python3-jsonschema), Draft 2020-12. Every error on stdout as
'PATH: MESSAGE'; exit 0 valid, 1 invalid, 2 not JSON, 77 no jsonschema."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed")
    sys.exit(77)


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    src = open(sys.argv[3], encoding="utf-8") if len(sys.argv) == 4 else sys.stdin
    try:
        doc = json.load(src)
    except ValueError as e:
        print("not JSON: %s" % e)
        return 2
    # the whole file's oneOf picks the shape by "command"; DEF asks for one
    sub = dict(schema)
    sub.pop("oneOf", None)
    sub["$ref"] = "#/$defs/" + sys.argv[2]
    errors = sorted(jsonschema.Draft202012Validator(sub).iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors:
        print("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message[:300]))
    if not errors and not list(jsonschema.Draft202012Validator(schema).iter_errors(doc)):
        return 0
    if not errors:
        print("(top): valid as %s but not as exactly one of the file's shapes" % sys.argv[2])
    return 1


sys.exit(main())
