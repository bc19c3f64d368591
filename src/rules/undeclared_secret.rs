use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the scan stage (`crate::scan::exposure`).
pub const RULE: Rule = Rule {
    id: "undeclared-secret",
    severity: Severity::Warning,
    scope: Scope::Content,
    summary: "the code reads a secret-looking variable that the inventory does not declare",
    doc: r#"## What it does
Reports an environment variable read by the code (or defined in a `.env*`
file) whose name looks secret (`scan.secret_name_words`: SECRET, TOKEN,
PASSWORD, PRIVATE, API_KEY, …, matched as whole `_`-separated words) and that
the inventory does not declare. Reported once per name and file.

## Why it matters
A secret missing from the inventory has no owner, no store and no rotation:
it is the one nobody rotates.

## Example
❌ `os.environ["INTERNAL_ADMIN_TOKEN"]`, not in the inventory.
✅ `INTERNAL_ADMIN_TOKEN` declared with owner, store and cadence.

## How to fix
Declare the secret (`keyledger init` drafts entries), or rename a variable
that is not a secret.
"#,
};
