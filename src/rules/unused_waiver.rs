use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the waiver stage (`crate::waiver`).
pub const RULE: Rule = Rule {
    id: "unused-waiver",
    severity: Severity::Warning,
    scope: Scope::Inventory,
    summary: "a waiver that matches no finding",
    doc: r#"## What it does
Reports a waiver (not expired) that matched no finding in this run.

## Why it matters
A stale waiver is a loaded gun: the day the problem comes back, it is waived
without anyone deciding so.

## Example
❌
```yaml
waivers:
  - rule: rotation-overdue
    secret: JWT_SECRET        # rotated last week: nothing to waive
    reason: waiting for the auth release
    expires: 2027-01-31
```
✅ (the waiver removed)

## How to fix
Delete the waiver.
"#,
};
