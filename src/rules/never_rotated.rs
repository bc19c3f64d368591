use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};
use crate::rotation::{Status, status};

pub const RULE: Rule = Rule {
    id: "never-rotated",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "a secret with a rotation cadence has no `last_rotated` date",
    doc: r#"## What it does
Reports secrets that declare a cadence (other than `on-compromise`) but no
`last_rotated` date: the inventory says they have never been rotated.

## Why it matters
A secret that was never rotated is as old as the system; nobody knows who has
seen it. Its due date cannot even be computed.

## Example
❌
```yaml
  - name: SENDGRID_API_KEY
    cadence: 90d
```
✅
```yaml
  - name: SENDGRID_API_KEY
    cadence: 90d
    last_rotated: 2026-10-02
```

## How to fix
Rotate it and record the date, or record the date of the last rotation if it
is known.
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    for s in &inv.secrets {
        if status(s, ctx.as_of, ctx.config.due_soon_days()) == Status::Never {
            let cadence = s
                .cadence
                .as_ref()
                .map(|c| c.value.to_string())
                .unwrap_or_default();
            out.push(
                Finding::new(
                    &RULE,
                    &inv.source,
                    s.name.span,
                    format!(
                        "`{}` has cadence {cadence} but no last_rotated date",
                        s.name.value
                    ),
                )
                .secret(&s.name.value)
                .label("never rotated")
                .help("rotate it and add `last_rotated: YYYY-MM-DD`"),
            );
        }
    }
}
