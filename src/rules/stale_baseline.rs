use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the baseline stage (`crate::baseline`).
pub const RULE: Rule = Rule {
    id: "stale-baseline",
    severity: Severity::Warning,
    scope: Scope::Inventory,
    summary: "a baseline entry that matches no finding any more",
    doc: r#"## What it does
Reports entries of the baseline file (`keyledger baseline` writes it,
default `.keyledger/baseline.json`) whose fingerprint matched no finding in
this run.

## Why it matters
A baseline is a list of accepted, known findings. An entry that no longer
matches is dead weight at best; at worst it silently accepts the problem the
day it comes back.

## Example
❌ `.keyledger/baseline.json` lists a `leaked-credential` in a file that was
deleted.
✅ The entry is removed by running `keyledger baseline` again.

## How to fix
Run `keyledger baseline` to rewrite the file from the current findings, and
review the diff.
"#,
};
