"""Reads Prometheus text exposition on standard input with Prometheus's own
Python client (prometheus_client's text-format parser, not ours) and prints
what it understood as JSON: a list of families, each with its name (without
a counter's `_total`), type, help and samples. A text it cannot parse makes
it fail."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = [
    {
        "name": family.name,
        "type": family.type,
        "help": family.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    }
    for family in text_string_to_metric_families(sys.stdin.read())
]
json.dump(families, sys.stdout, allow_nan=False)
