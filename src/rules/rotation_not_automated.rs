use super::{Ctx, Kind, Rule};
use crate::evidence::{Checked, Store, escape};
use crate::finding::{Finding, Severity};

/// Off by default: runs only when `[rules]` names it (with `--evidence`).
pub const RULE: Rule = Rule {
    id: "rotation-not-automated",
    severity: Severity::Note,
    default_on: false,
    kind: Kind::Inventory(check),
    summary: "(off by default) an AWS secret rotated by hand (`RotationEnabled: false`) whose cadence is shorter than 90 days",
    doc: r#"## What it does
Off unless `[rules]` sets a severity for it (`rotation-not-automated =
"note"`). With an AWS Secrets Manager export, reports entries whose
cadence is shorter than 90 days while the store says `RotationEnabled:
false`: a person has to remember to rotate them every few weeks.

## Why it matters
Short cadences kept by hand are the ones that slip. Secrets Manager can
rotate on a schedule with a rotation function.

## Example
❌ `cadence: 30d` and `"RotationEnabled": false`.
✅ Rotation configured (`aws secretsmanager rotate-secret --rotation-rules
AutomaticallyAfterDays=30`), or a longer cadence the team can keep.

## How to fix
Configure automatic rotation, or waive the rule for the secret with the
reason it cannot be automated.
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    if let Some(c) = ctx.evidence {
        run(ctx, c, out);
    }
}

fn run(ctx: &Ctx<'_>, c: &Checked<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    for m in &c.matches {
        if m.pattern.store() != Store::Aws {
            continue;
        }
        let Some(s) = inv.secrets.get(m.secret) else {
            continue;
        };
        let Some(cadence) = &s.cadence else { continue };
        let Some(days) = cadence.value.nominal_days() else {
            continue;
        };
        if days >= 90 {
            continue;
        }
        let manual = m
            .items
            .iter()
            .filter_map(|&i| c.evidence.items.get(i))
            .any(|it| it.rotation_enabled == Some(false));
        if !manual {
            continue;
        }
        out.push(
            Finding::new(&RULE,
                &inv.source,
                cadence.span,
                format!(
                    "`{}` must rotate every {} but AWS rotation is off for `{}` (RotationEnabled: false)",
                    s.name.value,
                    cadence.value,
                    escape(&m.pattern_text(s))
                ),
            )
            .secret(&s.name.value)
            .label("rotated by hand")
            .help("configure rotation: aws secretsmanager rotate-secret --secret-id ID --rotation-lambda-arn ARN --rotation-rules AutomaticallyAfterDays=N"),
        );
    }
}
