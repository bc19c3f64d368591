use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};

/// Expired waivers stop applying in the waiver stage (`crate::waiver`).
pub const RULE: Rule = Rule {
    id: "waiver-expired",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Inventory(check),
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

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    for w in inv.waivers.iter().filter(|w| w.expires.value < ctx.as_of) {
        let mut f = Finding::new(
            &RULE,
            &inv.source,
            w.expires.span,
            format!(
                "waiver of `{}`{} expired on {}; it no longer applies",
                w.rule.value,
                w.secret
                    .as_ref()
                    .map(|s| format!(" for `{}`", s.value))
                    .unwrap_or_default(),
                w.expires.value
            ),
        )
        .label("expired")
        .key(format!("{}:{}", w.rule.value, w.expires.value))
        .help("fix what it covered and delete the waiver, or renew it with a new reason and date");
        if let Some(s) = &w.secret {
            f = f.secret(&s.value);
        }
        out.push(f);
    }
}
