use std::collections::BTreeSet;

use super::{Kind, Rule};
use crate::finding::{Finding, Severity};
use crate::inventory::Inventory;

/// Checked at the end of a working-tree scan (`crate::check`).
pub const RULE: Rule = Rule {
    id: "unused-secret",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::EndOfRun,
    summary: "an inventory entry that nothing in the repository reads or mentions",
    doc: r#"## What it does
After a working-tree scan, reports inventory entries whose name no scanned
file reads (`process.env.X`, `os.getenv("X")`, …), defines (`.env`, compose,
Kubernetes `env`, Dockerfile) or mentions in code or configuration. Prose
(Markdown, text) does not count. Not run for `--staged`, `--since` or
`--history`, which see only part of the repository.

## Why it matters
A secret nothing uses is still valid somewhere: it can leak and grant access
while nobody remembers it. Delete it at the provider, then here.

## Example
❌ `MIXPANEL_API_SECRET` still in the inventory after the move to PostHog.
✅ The key revoked at Mixpanel and the entry removed.

## How to fix
Revoke the secret and remove the entry, or waive the rule with a reason if
another repository uses it.
"#,
};

/// End of input: the entries whose name no scanned file mentioned.
pub fn check(inv: &Inventory, mentioned: &BTreeSet<String>) -> Vec<Finding> {
    inv.secrets
        .iter()
        .filter(|s| !mentioned.contains(&s.name.value))
        .map(|s| {
            Finding::new(&RULE,
                &inv.source,
                s.name.span,
                format!("nothing in the repository reads or mentions `{}`", s.name.value),
            )
            .secret(&s.name.value)
            .label("unused")
            .help("revoke it at the provider and remove the entry, or waive the rule if another repository uses it")
        })
        .collect()
}
