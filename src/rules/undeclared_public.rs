use std::collections::HashSet;

use super::{ContentCheck, Kind, Rule, Setup};
use crate::diag::Fatal;
use crate::envref::Kind as RefKind;
use crate::finding::Severity;
use crate::scan::exposure::{Exposure, framework_rule};
use crate::scan::{File, Hit};

pub const RULE: Rule = Rule {
    id: "undeclared-public",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Content(new),
    summary: "a client-exposed variable the inventory does not declare `exposure: public`",
    doc: r#"## What it does
Reports a client-exposed variable (`NEXT_PUBLIC_…`, `VITE_…`, …) read by the
code that the inventory does not list with `exposure: public`.

## Why it matters
Every value shipped to browsers should be a decision someone made; listing
them in the inventory makes the public surface reviewable.

## Example
❌ `process.env.NEXT_PUBLIC_POSTHOG_KEY` read, not in the inventory.
✅
```yaml
  - name: NEXT_PUBLIC_POSTHOG_KEY
    exposure: public
    blast_radius: low
```

## How to fix
Add the variable to the inventory with `exposure: public`.
"#,
};

struct UndeclaredPublic(Exposure);

fn new(setup: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    Ok(Box::new(UndeclaredPublic(Exposure::new(
        setup.inventory,
        setup.config,
    ))))
}

impl ContentCheck for UndeclaredPublic {
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        let ex = &self.0;
        if file.own || !ex.has_inventory() {
            return;
        }
        let mut seen = HashSet::new();
        for r in file.refs() {
            let name = r.name.as_str();
            let Some(prefix) = ex.prefix_of(name) else {
                continue;
            };
            // A secret behind the prefix is `client-exposed-secret`'s.
            if r.kind != RefKind::Read
                || ex.declared(name) == Some(true)
                || ex.exposes_declared_secret(name).is_some()
                || ex.exposes_secret_looking(name).is_some()
                || !seen.insert(name)
            {
                continue;
            }
            out.push(
                Hit::new(
                    &RULE,
                    r.start,
                    r.end,
                    format!(
                        "`{name}` is client-exposed ({}) but the inventory does not declare it `exposure: public`",
                        framework_rule(prefix)
                    ),
                )
                .label("here")
                .key(name)
                .help(format!(
                    "add `{name}` to the inventory with `exposure: public`, so a reviewer sees every value shipped to browsers"
                )),
            );
        }
    }
}
