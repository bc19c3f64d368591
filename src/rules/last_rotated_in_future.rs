use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};
use crate::rotation::{Status, status};

pub const RULE: Rule = Rule {
    id: "last-rotated-in-future",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "`last_rotated` is after the as-of date",
    doc: r#"## What it does
Reports a `last_rotated` date later than the as-of date (`--as-of`, default
today).

## Why it matters
A date in the future is a typo (2062 for 2026) or a planned rotation recorded
as done; either way it hides the secret from the overdue checks for years.

## Example
❌ (as of 2026-11-23)
```yaml
    last_rotated: 2062-08-01
```
✅
```yaml
    last_rotated: 2026-08-01
```

## How to fix
Record the date the rotation actually happened.
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    for s in &inv.secrets {
        if let Status::InFuture { last } = status(s, ctx.as_of, ctx.config.due_soon_days()) {
            let span = s.last_rotated.as_ref().map_or(s.name.span, |l| l.span);
            out.push(
                Finding::new(
                    &RULE,
                    &inv.source,
                    span,
                    format!(
                        "`{}` was last rotated on {last}, after the as-of date {}",
                        s.name.value, ctx.as_of
                    ),
                )
                .secret(&s.name.value)
                .label("in the future")
                .help("record the date the rotation happened"),
            );
        }
    }
}
