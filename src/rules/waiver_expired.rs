use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the waiver stage (`crate::waiver`).
pub const RULE: Rule = Rule {
    id: "waiver-expired",
    severity: Severity::Error,
    scope: Scope::Inventory,
    summary: "a waiver's `expires` date has passed; it no longer waives anything",
    doc: r#"## What it does
Reports every waiver whose `expires` date is before the as-of date. The
expired waiver no longer applies: the findings it covered are reported again.

## Why it matters
Waivers are promises with a date. An expired waiver that kept working would
be a permanent exception nobody decided on.

## Example
❌ (as of 2026-11-23)
```yaml
waivers:
  - rule: rotation-overdue
    secret: LEGACY_PARTNER_KEY
    reason: vendor cannot rotate before their Q3 release
    expires: 2026-09-30
```
✅
```yaml
    expires: 2027-01-31    # renewed, with the new reason
```

## How to fix
Fix what the waiver covered and delete it, or renew it with a new reason and
date.
"#,
};
