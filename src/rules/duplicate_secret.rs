use std::collections::HashMap;

use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};

pub const RULE: Rule = Rule {
    id: "duplicate-secret",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "two inventory entries declare the same secret name",
    doc: r#"## What it does
Reports a secret `name` declared more than once in the inventory, pointing at
the second entry and at the first.

## Why it matters
Two entries for one secret disagree sooner or later (one says it rotated, the
other does not); every rule would pick one at random.

## Example
❌
```yaml
secrets:
  - name: JWT_SECRET
    cadence: 90d
  - name: JWT_SECRET
    cadence: yearly
```
✅
```yaml
secrets:
  - name: JWT_SECRET
    cadence: 90d
```

## How to fix
Merge the two entries into one.
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, s) in inv.secrets.iter().enumerate() {
        match first.get(s.name.value.as_str()) {
            Some(&j) => out.push(
                Finding::new(
                    &RULE,
                    &inv.source,
                    s.name.span,
                    format!("secret `{}` is declared more than once", s.name.value),
                )
                .secret(&s.name.value)
                .label("declared again here")
                .also(inv.secrets[j].name.span, "first declared here")
                .key(format!("{i}"))
                .help("merge the entries into one"),
            ),
            None => {
                first.insert(&s.name.value, i);
            }
        }
    }
}
