use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};
use crate::rotation::{Status, plural, status};

pub const RULE: Rule = Rule {
    id: "rotation-overdue",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "`last_rotated + cadence` is before the as-of date",
    doc: r#"## What it does
Computes each secret's due date, `last_rotated + cadence` (calendar
arithmetic: `2026-01-31 + monthly` is `2026-02-28`), and reports the secrets
whose due date is before the as-of date (`--as-of`, default today). Secrets
with `cadence: on-compromise` are never overdue by date.

## Why it matters
A secret past its rotation date has been exposed to every person, laptop and
log that saw it since its last rotation; cadences are how a team bounds that.

## Example
❌ (as of 2026-11-23)
```yaml
  - name: JWT_SECRET
    cadence: quarterly
    last_rotated: 2026-08-01     # due 2026-11-01, 22 days overdue
```
✅
```yaml
  - name: JWT_SECRET
    cadence: quarterly
    last_rotated: 2026-11-20
```

## How to fix
Rotate the secret (and its `rotate_with` group), then update `last_rotated`.
If it cannot rotate yet, add a waiver with a reason and an expiry date.
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    for s in &inv.secrets {
        if let Status::Overdue { due, days } = status(s, ctx.as_of, ctx.config.due_soon_days()) {
            let (span, cadence) = match (&s.last_rotated, &s.cadence) {
                (Some(l), Some(c)) => (l.span, c.value.to_string()),
                _ => (s.name.span, String::new()),
            };
            out.push(
                Finding::new(
                    &RULE,
                    &inv.source,
                    span,
                    format!(
                        "`{}` is {} overdue for rotation (cadence {cadence}, due {due})",
                        s.name.value,
                        plural(days, "day")
                    ),
                )
                .secret(&s.name.value)
                .label(format!("due {due}"))
                .also(s.name.span, "this secret")
                .help(
                    "rotate it, update last_rotated, or add a waiver with a reason and an expiry",
                ),
            );
        }
    }
}
