use super::{ContentCheck, Kind, Rule, Setup};
use crate::diag::Fatal;
use crate::finding::Severity;
use crate::scan::fingerprint::Set;
use crate::scan::{File, Hit, redact, value_key};

pub const RULE: Rule = Rule {
    id: "leaked-value",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Content(new),
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

struct LeakedValue {
    fingerprints: Set,
}

fn new(setup: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    let mut fingerprints = Set::default();
    for s in setup.inventory.iter().flat_map(|inv| &inv.secrets) {
        for fp in &s.fingerprints {
            fingerprints.add(&fp.value, &s.name.value);
        }
    }
    Ok(Box::new(LeakedValue { fingerprints }))
}

impl ContentCheck for LeakedValue {
    fn reads_lock_files(&self) -> bool {
        !self.fingerprints.is_empty()
    }
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        if self.fingerprints.is_empty() {
            return;
        }
        for r in file.regions {
            for (s, e, name) in self.fingerprints.find(&file.text[r.clone()]) {
                let (s, e) = (r.start + s, r.start + e);
                let value = &file.text[s..e];
                out.push(
                    Hit::new(
                        &RULE,
                        s,
                        e,
                        format!("the value of `{name}` appears here ({})", redact(value)),
                    )
                    .label("inventoried secret value")
                    .key(value_key(value))
                    .secret(name)
                    .help("rotate the secret: it is in the repository now. Then remove it and read it from its store")
                    .value(),
                );
            }
        }
    }
}
