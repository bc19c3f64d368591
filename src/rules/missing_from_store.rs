use super::{Ctx, Kind, Rule};
use crate::evidence::{Checked, escape};
use crate::finding::{Finding, Severity};

/// Runs when evidence is given (`--evidence`, `evidence` in the config).
pub const RULE: Rule = Rule {
    id: "missing-from-store",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "an inventory entry whose store was exported (with `--evidence`) has no matching secret there, or it is scheduled for deletion",
    doc: r#"## What it does
With store exports, reports entries whose `store.kind` + `store.ref` fall
inside a complete listing (an AWS `list-secrets` of the entry's region and
account, a Key Vault `secret list` or `key list` of its vault, a GCP
`secrets list` of its project, a `kubectl get secrets` of its namespace)
but match no item, and AWS secrets the export shows as scheduled for
deletion (`DeletedDate`). `store.ref` may be a name, an ARN (with or
without AWS's six-character suffix), a Key Vault URL or `VAULT/NAME`, a GCP
resource name or a Kubernetes `NAMESPACE/NAME`; an entry without `ref` is
looked up by its name. Single-secret exports (`describe-secret`, `key
list-versions`, `vault kv metadata get`) cover only themselves.

## Why it matters
The inventory promises an owner, a cadence and a runbook for something that
is not where it says: the code reads it from somewhere else, or it was
deleted and the inventory is fiction.

## Example
❌ `store: { kind: aws-secrets-manager, ref: prod/legacy/partner-key }` and
the region's `list-secrets` has no such secret.
✅ `ref` corrected to the name the store uses, or the entry removed.

## How to fix
Correct `store.ref` (the message lists how it was matched), create the
secret in the store, or remove the entry if the secret is gone.
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
        let Some(s) = inv.secrets.get(m.secret) else {
            continue;
        };
        let kind = m.pattern.store().kind();
        let reference = escape(&m.pattern_text(s));
        let implicit = s.store.as_ref().is_some_and(|st| st.reference.is_none());
        if m.items.is_empty() && m.covered {
            let files: Vec<String> = c
                .evidence
                .exports
                .iter()
                .filter(|e| e.coverage.as_ref().is_some_and(|sc| sc.covers(&m.pattern)))
                .map(|e| e.source.name.clone())
                .collect();
            let mut f = Finding::new(&RULE,
                &inv.source,
                m.ref_span,
                format!(
                    "`{}` is declared in {kind} as `{reference}`, but the store's export ({}) has no such secret",
                    s.name.value,
                    files.join(", ")
                ),
            )
            .secret(&s.name.value)
            .label("not in the store")
            .help(if implicit {
                "the entry has no store.ref, so keyledger looked for its name: set store.ref to the store's name, ARN or URL"
            } else {
                "correct store.ref (name, ARN or URL), create the secret in the store, or remove the entry"
            });
            if implicit {
                f = f.also(s.name.span, "looked up by this name");
            }
            out.push(f);
            continue;
        }
        let deleted: Vec<_> = m
            .items
            .iter()
            .filter_map(|&i| c.evidence.items.get(i))
            .filter_map(|it| it.deleted.as_ref())
            .collect();
        if !m.items.is_empty() && deleted.len() == m.items.len() {
            out.push(
                Finding::new(
                    &RULE,
                    &inv.source,
                    m.ref_span,
                    format!(
                        "`{}` (`{reference}`) is scheduled for deletion in {kind} (DeletedDate {})",
                        s.name.value,
                        deleted[0].date()
                    ),
                )
                .secret(&s.name.value)
                .label("deleted in the store")
                .key("deleted")
                .help("restore it (`aws secretsmanager restore-secret`) or remove the entry"),
            );
        }
    }
}
