use super::{Ctx, Kind, Rule};
use crate::evidence::{Checked, escape};
use crate::finding::{Finding, Severity};
use crate::rotation::{days_between, plural};

/// Runs when evidence is given (`--evidence`, `evidence` in the config).
pub const RULE: Rule = Rule {
    id: "rotation-evidence-mismatch",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "`last_rotated` disagrees with the store's own date (with `--evidence`): a rotation the store never saw (error), or a rotation the inventory missed (warning)",
    doc: r#"## What it does
With store exports (`--evidence FILE`, or `evidence` in `keyledger.toml`),
compares each matched entry's `last_rotated` with the date the store
recorded: AWS `LastRotatedDate`/`LastChangedDate` (or the current version's
`CreatedDate`), Azure `attributes.updated` (or the newest version's
`created`), GCP's newest version `createTime`, Vault's current version
`created_time`, Kubernetes' last `managedFields` change to `data`.

- `last_rotated` is more than the tolerance (`evidence_tolerance`, default
  `2d`) *after* the store's latest change: the inventory claims a rotation
  the store never saw. Error.
- The store changed the value more than the tolerance *after*
  `last_rotated`: the secret was rotated and the inventory is stale.
  Warning; the message gives the store's date. A store date after the
  as-of date (`--as-of`) is not used.

A `[rules]` override sets the severity of both.

## Why it matters
Every rotation figure rests on a date someone typed. A claimed rotation the
store never saw hides an overdue secret; a stale date makes a rotated
secret look overdue and trains people to ignore the gate.

## Example
❌ (store export: `LastChangedDate: 2026-05-02T09:14:03Z`)
```yaml
  - name: STRIPE_SECRET_KEY
    store: { kind: aws-secrets-manager, ref: prod/payments/stripe }
    last_rotated: 2026-11-01     # the store never changed after May
```
✅
```yaml
    last_rotated: 2026-05-02
```

## How to fix
Rotate the secret if the claim was wrong, or set `last_rotated` to the
store's date (`keyledger evidence update` proposes the edits as a diff).
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    if let Some(c) = ctx.evidence {
        run(ctx, c, out);
    }
}

fn run(ctx: &Ctx<'_>, c: &Checked<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    let tol = c.settings.tolerance;
    for m in &c.matches {
        if m.items.is_empty() {
            continue;
        }
        let Some(s) = inv.secrets.get(m.secret) else {
            continue;
        };
        let Some(last) = &s.last_rotated else {
            continue;
        };
        let reference = escape(&m.pattern_text(s));
        if let Some(latest) = c.latest(m) {
            let ahead = days_between(latest.date(), last.value);
            if ahead * 24 > tol.hours && last.value <= ctx.as_of {
                out.push(
                    Finding::new(
                        &RULE,
                        &inv.source,
                        last.span,
                        format!(
                            "`{}` claims a rotation on {} that the store never saw: {} `{reference}` last changed on {} ({}, {} earlier)",
                            s.name.value,
                            last.value,
                            crate::evidence::Store::kind(&m.pattern.store()),
                            latest.date(),
                            latest.field,
                            plural(ahead, "day")
                        ),
                    )
                    .secret(&s.name.value)
                    .label(format!("store: {}", latest.date()))
                    .key("claim")
                    .help("rotate the secret in the store, or correct last_rotated to the store's date"),
                );
                continue;
            }
        }
        if let Some(changed) = c.changed(m) {
            let behind = days_between(last.value, changed.date());
            if behind * 24 > tol.hours && changed.date() <= ctx.as_of {
                out.push(
                    Finding::new(
                        &RULE,
                        &inv.source,
                        last.span,
                        format!(
                            "`{}` was rotated in the store on {} ({}), {} after last_rotated {}; set last_rotated: {}",
                            s.name.value,
                            changed.date(),
                            changed.field,
                            plural(behind, "day"),
                            last.value,
                            changed.date()
                        ),
                    )
                    .at_most(Severity::Warning)
                    .secret(&s.name.value)
                    .label(format!("store: {}", changed.date()))
                    .key("stale")
                    .help("`keyledger evidence update` proposes this edit as a diff"),
                );
            }
        }
    }
}
