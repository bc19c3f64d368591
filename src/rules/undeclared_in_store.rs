use super::{Ctx, Kind, Rule};
use crate::evidence::Checked;
use crate::finding::{Finding, Severity};

/// Runs when evidence is given (`--evidence`, `evidence` in the config).
pub const RULE: Rule = Rule {
    id: "undeclared-in-store",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "a secret in a store export (with `--evidence`) that no inventory entry claims",
    doc: r#"## What it does
With store exports, reports every exported secret or key that no inventory
entry's `store.kind` + `store.ref` matches, at its place in the export, and
names the reference to declare. Not reported: secrets AWS shows as
scheduled for deletion, Key Vault secrets that back a certificate
(`managed: true`), Helm release records and service-account tokens that
Kubernetes manages.

## Why it matters
A secret nobody declared has no owner, no cadence and no runbook: it is
the one that leaks and that nobody rotates.

## Example
❌ `prod/payments/old-webhook-secret` in `list-secrets`, in no entry.
✅ An entry with `store: { kind: aws-secrets-manager, ref:
prod/payments/old-webhook-secret }`, or the secret deleted in the store.

## How to fix
Declare it with an owner and a cadence, or delete it from the store.
"#,
};

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    if let Some(c) = ctx.evidence {
        run(ctx, c, out);
    }
}

fn run(ctx: &Ctx<'_>, c: &Checked<'_>, out: &mut Vec<Finding>) {
    let _ = ctx;
    for (i, it) in c.evidence.items.iter().enumerate() {
        if c.claimed_by.get(i).is_some_and(|v| !v.is_empty())
            || it.unowned.is_some()
            || it.deleted.is_some()
        {
            continue;
        }
        let kind = it.store().kind();
        out.push(
            Finding::new(&RULE,
                &it.source,
                it.span,
                format!(
                    "`{}` in {kind} is not declared in the inventory",
                    it.id.display()
                ),
            )
            .label("undeclared")
            .key(it.id.key())
            .help(format!(
                "declare it (store: {{ kind: {kind}, ref: {} }}) with an owner and a cadence, or delete it from the store",
                it.id.suggested_ref()
            )),
        );
    }
}
