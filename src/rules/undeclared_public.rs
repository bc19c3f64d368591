use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the scan stage (`crate::scan::exposure`).
pub const RULE: Rule = Rule {
    id: "undeclared-public",
    severity: Severity::Warning,
    scope: Scope::Content,
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
