from detlint.catalogs.schemas.fields import Schema, is_str, list_of_str

SCHEMA: dict[str, Schema] = {
    "report": {
        # An item of a published reproducibility checklist, and the rules (codes or code prefixes)
        # whose findings are gaps in it.
        "checklist_items": {"checklist": (is_str, True), "item": (is_str, True), "codes": (list_of_str, True)},
        # Environment variables that change what a run computes; the audit page shows their values.
        "environment_variables": {"names": (list_of_str, True), "why": (is_str, True)},
    },
}
