use std::sync::Arc;

use super::{Kind, Rule};
use crate::finding::{Finding, Severity};
use crate::inventory::Waiver;
use crate::source::SourceFile;

/// Run by the waiver stage (`crate::waiver`) for each waiver that matched
/// no finding.
pub const RULE: Rule = Rule {
    id: "unused-waiver",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::EndOfRun,
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

pub fn check(source: &Arc<SourceFile>, w: &Waiver) -> Finding {
    let mut f = Finding::new(
        &RULE,
        source,
        w.rule.span,
        format!(
            "waiver of `{}`{} matches no finding",
            w.rule.value,
            w.secret
                .as_ref()
                .map(|s| format!(" for `{}`", s.value))
                .unwrap_or_default()
        ),
    )
    .label("waives nothing")
    .key(w.rule.value.clone())
    .help("delete the waiver");
    if let Some(s) = &w.secret {
        f = f.secret(&s.value);
    }
    f
}
