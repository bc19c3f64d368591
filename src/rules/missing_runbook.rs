use std::path::Component;

use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};

pub const RULE: Rule = Rule {
    id: "missing-runbook",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "a secret's `runbook` path does not exist in the repository",
    doc: r#"## What it does
Checks that the `runbook` of every secret (or of `defaults`) is a file inside
the repository. Paths are relative to the repository root; a path that leaves
the repository (`../`, absolute) is reported too.

## Why it matters
A rotation runbook that moved or never existed is found missing during an
incident, when it is needed most.

## Example
❌
```yaml
    runbook: docs/runbooks/jwt.md      # no such file
```
✅
```yaml
    runbook: docs/runbooks/SECRET_MANAGEMENT.md
```

## How to fix
Point `runbook` at the file, or write the runbook.
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    // Many secrets share a runbook: look each path up once.
    let mut exists: std::collections::HashMap<&str, bool> = Default::default();
    for s in &inv.secrets {
        let Some(rb) = &s.runbook else { continue };
        let p = std::path::Path::new(&rb.value);
        // A symlink out of the repository is outside it too: the check
        // never follows one (crate::fsutil::contained).
        let escapes = p.is_absolute()
            || p.components()
                .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
            || crate::fsutil::contained(ctx.root, p, &rb.value).is_err();
        let (msg, label) = if escapes {
            (
                format!(
                    "runbook `{}` of `{}` is outside the repository",
                    rb.value, s.name.value
                ),
                "outside the repository",
            )
        } else if !*exists.entry(rb.value.as_str()).or_insert_with(|| {
            crate::fsutil::contained(ctx.root, p, &rb.value)
                .is_ok_and(|k| k == crate::fsutil::Kind::File)
        }) {
            (
                format!(
                    "runbook `{}` of `{}` does not exist",
                    rb.value, s.name.value
                ),
                "no such file",
            )
        } else {
            continue;
        };
        out.push(
            Finding::new(&RULE, &inv.source, rb.span, msg)
                .secret(&s.name.value)
                .label(label)
                .key(rb.value.clone())
                .help("runbook paths are relative to the repository root"),
        );
    }
}
