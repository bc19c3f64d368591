use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};
use crate::rotation::{Status, plural, status};

pub const RULE: Rule = Rule {
    id: "rotation-due-soon",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "a rotation falls due within the `due_soon` window (default 30 days)",
    doc: r#"## What it does
Reports secrets whose due date (`last_rotated + cadence`) falls within the
`due_soon` window of `keyledger.toml` (default `30d`) after the as-of date.

## Why it matters
Rotations that need a change window, a vendor or another team are late unless
they are planned; this warning is the heads-up.

## Example
❌ (as of 2026-11-23, window 30 days)
```yaml
  - name: VALKEY_PASSWORD
    cadence: 90d
    last_rotated: 2026-09-10     # due 2026-12-09, 16 days left
```
✅
```yaml
  - name: VALKEY_PASSWORD
    cadence: 90d
    last_rotated: 2026-11-15
```

## How to fix
Schedule the rotation. Change the window with `due_soon = "14d"`.
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    for s in &inv.secrets {
        if let Status::DueSoon { due, days } = status(s, ctx.as_of, ctx.config.due_soon_days()) {
            let span = s.last_rotated.as_ref().map_or(s.name.span, |l| l.span);
            let when = if days == 0 {
                "today".to_string()
            } else {
                format!("in {}", plural(days, "day"))
            };
            out.push(
                Finding::new(
                    &RULE,
                    &inv.source,
                    span,
                    format!("`{}` is due for rotation {when} ({due})", s.name.value),
                )
                .secret(&s.name.value)
                .label(format!("due {due}"))
                .help("schedule the rotation"),
            );
        }
    }
}
