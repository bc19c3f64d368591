use super::{ContentCheck, Kind, Rule, Setup};
use crate::diag::Fatal;
use crate::finding::Severity;
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

struct HardcodedSecret;

fn new(_: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    Ok(Box::new(HardcodedSecret))
}

impl ContentCheck for HardcodedSecret {
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        if file.own {
            return;
        }
        for a in &file.names().assignments {
            let value = &file.text[a.start..a.end];
            out.push(
                Hit::new(
                    &RULE,
                    a.start,
                    a.end,
                    format!(
                        "`{}` is assigned a literal value ({})",
                        a.name,
                        redact(value)
                    ),
                )
                .label("literal value")
                .secret(&a.name)
                .key(value_key(value))
                .help(format!(
                    "read `{}` from its store at run time; if the value is real, rotate it",
                    a.name
                ))
                .value(),
            );
        }
    }
}
