use std::collections::HashSet;

use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};
use crate::schema::did_you_mean;

pub const RULE: Rule = Rule {
    id: "unknown-reference",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "a `rotate_with` entry or a waiver names a secret or rule that does not exist",
    doc: r#"## What it does
Checks that every name in `rotate_with` is a secret of the inventory (and not
the secret itself), and that every waiver names an existing secret and a rule
or policy id keyledger knows. Suggests the closest name when there is one.

## Why it matters
A misspelt `rotate_with` means a rotation group silently loses a member; a
misspelt waiver waives nothing, or the wrong thing.

## Example
❌
```yaml
  - name: JWT_SECRET
    rotate_with: [VALKEY_PASSWROD]
waivers:
  - rule: rotation-overdu
    secret: LEGACY_PARTNER_KEY
```
✅
```yaml
  - name: JWT_SECRET
    rotate_with: [VALKEY_PASSWORD]
waivers:
  - rule: rotation-overdue
    secret: LEGACY_PARTNER_KEY
```

## How to fix
Use the exact name of the secret or rule (`keyledger explain --list` lists the
rule ids).
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    let names: HashSet<&str> = inv.secrets.iter().map(|s| s.name.value.as_str()).collect();
    let suggest = |word: &str| {
        did_you_mean(word, names.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| {
                "declare the secret in the inventory, or remove the reference".into()
            })
    };
    for s in &inv.secrets {
        for r in &s.rotate_with {
            if r.value == s.name.value {
                out.push(
                    Finding::new(
                        &RULE,
                        &inv.source,
                        r.span,
                        format!("`{}` lists itself in rotate_with", r.value),
                    )
                    .secret(&s.name.value)
                    .label("self-reference")
                    .key(format!("rotate_with:{}", r.value))
                    .help("rotate_with names the other secrets of the rotation group"),
                );
            } else if !names.contains(r.value.as_str()) {
                out.push(
                    Finding::new(
                        &RULE,
                        &inv.source,
                        r.span,
                        format!(
                            "`{}` rotates with `{}`, which is not in the inventory",
                            s.name.value, r.value
                        ),
                    )
                    .secret(&s.name.value)
                    .label("unknown secret")
                    .key(format!("rotate_with:{}", r.value))
                    .help(suggest(&r.value)),
                );
            }
        }
    }
    for w in &inv.waivers {
        if let Some(sec) = &w.secret
            && !names.contains(sec.value.as_str())
        {
            out.push(
                Finding::new(
                    &RULE,
                    &inv.source,
                    sec.span,
                    format!(
                        "waiver names secret `{}`, which is not in the inventory",
                        sec.value
                    ),
                )
                .secret(&sec.value)
                .label("unknown secret")
                .key(format!("waiver-secret:{}", w.rule.value))
                .help(suggest(&sec.value)),
            );
        }
        if !ctx.known_ids.contains(&w.rule.value) {
            let help = did_you_mean(&w.rule.value, ctx.known_ids.iter().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "`keyledger explain --list` lists the rule ids".into());
            out.push(
                Finding::new(
                    &RULE,
                    &inv.source,
                    w.rule.span,
                    format!("waiver names rule `{}`, which does not exist", w.rule.value),
                )
                .label("unknown rule")
                .key(format!("waiver-rule:{}", w.rule.value))
                .help(help),
            );
        }
    }
}
