use std::collections::HashSet;

use super::{ContentCheck, Kind, Rule, Setup};
use crate::diag::Fatal;
use crate::envref;
use crate::finding::Severity;
use crate::inventory::Exposure;
use crate::scan::shape::{self, Shape};
use crate::scan::{File, Hit, redact, value_key};

/// Inventoried names and their literals are found by the scan engine's name
/// matcher (`crate::scan::hardcoded`), shared with drift.
pub const RULE: Rule = Rule {
    id: "hardcoded-secret",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Content(new),
    summary: "an inventoried secret's name assigned a literal value (.env, compose, Kubernetes, Terraform, config, code)",
    doc: r#"## What it does
Finds an inventoried name assigned a literal: `JWT_SECRET=…` in `.env*` and
shell files, `environment:` in docker-compose, `env`/`value:` and `Secret`
`data:`/`stringData:` in Kubernetes manifests (base64 decoded), Terraform,
JSON/YAML/TOML config, and `NAME = "…"` in JS/TS, Python, Go, Rust, Java and
Ruby. Placeholders (`changeme`, `<…>`, `${…}`, `xxx`, empty, `your-…`) and
references (`secretKeyRef`, `var.x`, `process.env.X`) are not findings. The
inventory file itself is not checked.

## Why it matters
The inventory says where the secret lives; a literal in the repository means
it also lives somewhere nobody rotates.

## Example
❌
```yaml
# deploy/k8s/legacy-secret.yaml
stringData:
  LEGACY_PARTNER_KEY: 9c1f…
```
✅
```yaml
env:
  - name: LEGACY_PARTNER_KEY
    valueFrom: { secretKeyRef: { name: partner, key: api-key } }
```

## How to fix
Read the value from its store at run time; rotate it if the literal was real.
"#,
};

struct HardcodedSecret {
    /// Inventoried names declared `exposure: public`.
    public: HashSet<String>,
    /// Some inventoried name is long enough to be looked for.
    names: bool,
}

fn new(setup: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    let public = setup
        .inventory
        .iter()
        .flat_map(|inv| &inv.secrets)
        .filter(|s| s.exposure.value == Exposure::Public)
        .map(|s| s.name.value.clone())
        .collect();
    let names = setup
        .inventory
        .iter()
        .flat_map(|inv| &inv.secrets)
        .any(|s| s.name.value.len() >= 3);
    Ok(Box::new(HardcodedSecret { public, names }))
}

/// Why a literal is weak evidence (reported as a note), if it is: the
/// inventory declares the value public; or the value is not credential-
/// shaped and either looks like a stand-in (placeholder-like, a local URL,
/// a trivial password, short) or sits where stand-ins live (an example env
/// file, documentation, a CI workflow, test code, docker-compose). A
/// credential-shaped value (a known format, a random string, a URL with a
/// real password to a real host) is an error wherever it is.
pub fn weak_evidence(path: &str, value: &str, public: bool) -> Option<&'static str> {
    if public {
        return Some("declared `exposure: public`");
    }
    let s = shape::of(value);
    if s.is_strong() {
        return None;
    }
    s.weakness().or_else(|| envref::role(path).as_reason())
}

impl ContentCheck for HardcodedSecret {
    fn reads_lock_files(&self) -> bool {
        self.names
    }
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        if file.own {
            return;
        }
        for a in &file.names().assignments {
            let value = &file.text[a.start..a.end];
            if matches!(shape::of(value), Shape::Expression | Shape::Placeholder) {
                continue;
            }
            let weak = weak_evidence(file.path, value, self.public.contains(&a.name));
            let message = match weak {
                Some(why) => format!(
                    "`{}` is assigned a literal value ({}); weak evidence: {why}",
                    a.name,
                    redact(value)
                ),
                None => format!(
                    "`{}` is assigned a literal value ({})",
                    a.name,
                    redact(value)
                ),
            };
            let mut hit = Hit::new(&RULE, a.start, a.end, message)
                .label("literal value")
                .secret(&a.name)
                .key(value_key(value))
                .help(format!(
                    "read `{}` from its store at run time; if the value is real, rotate it",
                    a.name
                ))
                .value();
            if weak.is_some() {
                hit = hit.at_most(Severity::Note);
            }
            out.push(hit);
        }
    }
}
