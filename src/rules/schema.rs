use super::{Kind, Rule};
use crate::finding::Severity;

/// Checked while loading: see `crate::schema`. A schema error stops the run
/// (exit 2), since nothing else can be trusted about the file.
pub const RULE: Rule = Rule {
    id: "schema",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Loading,
    summary: "the inventory, configuration or a policy file violates its JSON Schema (exit 2)",
    doc: r#"## What it does
Validates `secrets-inventory.yaml` (or `.toml`), `keyledger.toml` and every
policy file against their JSON Schemas (`keyledger schema` prints the
inventory's), and reports **every** violation at the exact node: unknown
fields (with a "did you mean"), wrong types, values outside an enum, bad
dates and cadences.

## Why it matters
An inventory with a typo (`ownr:`) silently loses the field; every later
check would then be wrong. keyledger refuses to guess and exits 2.

## Example
❌
```yaml
secrets:
  - name: JWT_SECRET
    ownr: platform-team      # unknown field `ownr`: did you mean `owner`?
    blast_radius: huge       # not one of low, medium, high, critical
```
✅
```yaml
secrets:
  - name: JWT_SECRET
    owner: platform-team
    blast_radius: critical
```

## How to fix
Correct the field as the message says. Add
`# yaml-language-server: $schema=./schemas/secret-inventory.schema.json` at
the top of the file so your editor completes and checks it as you type.
"#,
};
