import textwrap
from datetime import datetime, timedelta, timezone

import pytest

from suanli.core.errors import InvalidInput
from suanli.governance import DataClass, WorkKind, load_rules

GOOD = textwrap.dedent(
    """\
    rules:
      - id: important-data-stays-home
        version: 3
        author: compliance@bank.example
        effective: 2026-11-01T00:00:00+08:00
        description: important and core data stay in the tenant's jurisdiction
        applies_to:
          classification_at_least: important
          kinds: [training, inference]
        forbid:
          outside_tenant_jurisdiction: true
      - id: listed-providers
        version: 1
        author: 王敏
        effective: 2026-10-01
        applies_to: {industries: finance}
        forbid: {providers_except: [telecom-cloud, hiking-ai]}
    """
)


def load_error(text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        load_rules(textwrap.dedent(text), source="rules.yaml")
    return info.value


def test_a_good_document_loads_every_field():
    first, second = load_rules(GOOD)
    assert (first.id, first.version, first.author) == ("important-data-stays-home", 3, "compliance@bank.example")
    assert first.effective == datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=8)))
    assert first.applies_to.classification_at_least is DataClass.IMPORTANT
    assert first.applies_to.kinds == {WorkKind.TRAINING, WorkKind.INFERENCE}
    assert first.forbid.outside_tenant_jurisdiction
    assert first.line == 2
    # A bare date is midnight China time; a single string is a one-element list.
    assert second.effective.isoformat() == "2026-10-01T00:00:00+08:00"
    assert second.applies_to.industries == {"finance"}
    assert second.forbid.providers_except == {"telecom-cloud", "hiking-ai"}


def test_a_bare_list_and_an_empty_document_are_accepted():
    assert load_rules("") == ()
    assert len(load_rules("- {id: r, version: 1, author: a, effective: 2026-01-01, forbid: {regions: [x]}}")) == 1


def test_unknown_condition_names_its_line_and_field():
    err = load_error(
        """\
        rules:
          - id: r
            version: 1
            author: a
            effective: 2026-11-01
            forbid:
              lacking_cert: mlps-3
        """
    )
    assert err.message.startswith("rules.yaml line 7: rules[0].forbid.lacking_cert: unknown pool condition")
    assert err.details == {"line": 7, "field": "rules[0].forbid.lacking_cert"}


@pytest.mark.parametrize(
    ("snippet", "line", "field", "fragment"),
    [
        ("version: one", 3, "rules[0].version", "expected a whole number"),
        ("effective: 2026-11-01 00:00:00", 4, "rules[0].effective", "has no time zone"),
        ("effective: next tuesday", 4, "rules[0].effective", "expected a time"),
        ("effective: 0001-01-01T00:00:00+01:00", 4, "rules[0].effective", "between the years 2000 and 2200"),
        ("effective: 1999-12-31", 4, "rules[0].effective", "between the years 2000 and 2200"),
    ],
)
def test_bad_values_name_their_line_and_field(snippet, line, field, fragment):
    base = {"version": "version: 1", "effective": "effective: 2026-11-01"}
    key = snippet.split(":")[0]
    base[key] = snippet
    err = load_error(
        f"""\
        - id: r
          author: a
          {base["version"]}
          {base["effective"]}
          forbid: {{regions: [x]}}
        """
    )
    assert err.details == {"line": line, "field": field}
    assert fragment in err.message


def test_classification_and_kinds_are_checked():
    err = load_error("- {id: r, version: 1, author: a, effective: 2026-11-01, "
                     "applies_to: {classification_at_least: secret}, forbid: {regions: x}}")
    assert "unknown data classification 'secret'" in err.message
    err = load_error("- {id: r, version: 1, author: a, effective: 2026-11-01, "
                     "applies_to: {kinds: [mining]}, forbid: {regions: x}}")
    assert "unknown kind of work 'mining'" in err.message


def test_a_rule_must_forbid_something_unless_withdrawn():
    err = load_error("- {id: r, version: 1, author: a, effective: 2026-11-01, forbid: {}}")
    assert "names no pool condition" in err.message
    err = load_error("- {id: r, version: 1, author: a, effective: 2026-11-01}")
    assert "missing required field 'forbid'" in err.message
    [rule] = load_rules("- {id: r, version: 2, author: a, effective: 2026-11-01, withdrawn: true}")
    assert rule.withdrawn
    err = load_error("- {id: r, version: 1, author: a, effective: 2026-11-01, "
                     "forbid: {outside_tenant_jurisdiction: false}}")
    assert "may only be true" in err.message


def test_required_fields_and_versions_in_time_order():
    err = load_error("- {id: r, version: 1, effective: 2026-11-01, forbid: {regions: x}}")
    assert "missing required field 'author'" in err.message
    err = load_error(
        """\
        - {id: r, version: 1, author: a, effective: 2026-11-01, forbid: {regions: x}}
        - {id: r, version: 1, author: b, effective: 2026-12-01, forbid: {regions: y}}
        """
    )
    assert "version 1 appears twice" in err.message and err.details["line"] == 2
    err = load_error(
        """\
        - {id: r, version: 1, author: a, effective: 2026-11-01, forbid: {regions: x}}
        - {id: r, version: 2, author: b, effective: 2026-10-01, forbid: {regions: y}}
        """
    )
    assert "version 2 must take effect after version 1" in err.message


def test_yaml_syntax_errors_name_their_line():
    err = load_error("rules:\n  - id: r\n    version: [1\n")
    assert err.message.startswith("rules.yaml line ") and "not valid YAML" in err.message
    assert isinstance(err.details["line"], int)
    err = load_error("policies: []")
    assert "unknown top-level key" in err.message
    err = load_error("rules: 5")
    assert "expected a list of rules" in err.message
