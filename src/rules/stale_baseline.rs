use std::sync::Arc;

use super::{Kind, Rule};
use crate::baseline::Entry;
use crate::finding::{Finding, Severity};
use crate::source::{SourceFile, Span};

/// Run by the baseline stage (`crate::baseline`) for each entry that
/// matched no finding; `span` is the entry's fingerprint in the file.
pub const RULE: Rule = Rule {
    id: "stale-baseline",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::EndOfRun,
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

pub fn check(source: &Arc<SourceFile>, e: &Entry, span: Span) -> Finding {
    let mut f = Finding::new(
        &RULE,
        source,
        span,
        format!(
            "baseline entry for `{}` in {} matches no finding",
            e.rule, e.path
        ),
    )
    .label("stale entry")
    .key(e.fingerprint.clone())
    .help("run `keyledger baseline` to rewrite the baseline");
    f.secret = e.secret.clone();
    f
}
