use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the scan stage (`crate::scan::hardcoded`).
pub const RULE: Rule = Rule {
    id: "hardcoded-secret",
    severity: Severity::Error,
    scope: Scope::Content,
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
