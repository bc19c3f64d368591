use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the scan stage with the inventory's fingerprints.
pub const RULE: Rule = Rule {
    id: "leaked-value",
    severity: Severity::Error,
    scope: Scope::Content,
    summary: "the value of an inventoried secret (matched by its fingerprint) appears in scanned content",
    doc: r#"## What it does
Tests every candidate token of every scanned file against the inventory's
`fingerprints` (written by `keyledger fingerprint NAME`, which reads the value
from standard input). Finds the exact value of your own secrets even when no
detector knows their format.

## Why it matters
Internal secrets (HMAC keys, database passwords) have no recognisable format;
the fingerprint is the only way to find them without storing them.

## Example
❌
```sh
curl -H "X-Signature: <the webhook secret itself>" …
```
✅
```sh
curl -H "X-Signature: $(sign "$BODY")" …
```

## How to fix
Rotate the secret (it is in the repository now), update `last_rotated` and
its fingerprint, and remove the value.
"#,
};
