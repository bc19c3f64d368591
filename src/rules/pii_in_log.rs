use std::path::Path;

use super::{ContentCheck, Kind, Rule, Setup};
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::finding::Severity;
use crate::inventory::Inventory;
use crate::scan::pii::Pii;
use crate::scan::{File, Hit};

/// Log calls are read by the lexer of `crate::scan::pii`.
pub const RULE: Rule = Rule {
    id: "pii-in-log",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Content(new),
    summary: "a PII field (email, name, phone, …) passed to a log call",
    doc: r#"## What it does
Finds log calls — JS/TS `console.*` and `.log/.info/.warn/.error/.debug/
.trace/.fatal` on `logger`, `log`, `winston`, `pino`, `bunyan` (plus
`scan.log_sinks`); Python `logging.*`, `logger.*`, `log.*`, `print`; Go
`log.Print*`, `slog.*`, zap and logrus; Rust `tracing`/`log` macros and
`println!`/`eprintln!`; Java slf4j/log4j — and reports arguments that
mention a PII field from the inventory's `pii.fields` and from the JSON
Schemas of `pii.from` (properties with `"pii": true`): member access
(`user.email`), object keys and keyword arguments, string keys that are
exactly the field, template and f-string interpolations, across multi-line
calls. Not reported: receivers that are plainly not a person (`err.name`,
`migration.name`; `scan.non_person_receivers`), identifiers that merely
contain the word (`emailVerified`), words inside string literals, and values
wrapped in a redacting call (`hash`, `redact`, `mask`, …;
`scan.redacting_calls`).

## Why it matters
Logs are copied to vendors, kept for years and read by many people; personal
data there breaks data-protection promises (GDPR, HIPAA) and widens every
breach.

## Example
❌
```ts
logger.error({ msg: 'checkout failed', userEmail: user.email })
```
✅
```ts
logger.error({ msg: 'checkout failed', userId: user.id })
```

## How to fix
Log an identifier that is not personal data, or wrap the value in a
redacting call.
"#,
};

/// The PII fields looked for when the inventory has no `pii:` section (or
/// with `--no-inventory`): the personal data most often logged by mistake.
/// Spellings are matched across case and `_` (`firstName`, `first_name`).
pub const DEFAULT_FIELDS: &[&str] = &[
    "email",
    "email_address",
    "phone",
    "phone_number",
    "mobile_number",
    "full_name",
    "first_name",
    "last_name",
    "given_name",
    "family_name",
    "date_of_birth",
    "dob",
    "birth_date",
    "birthdate",
    "address",
    "street_address",
    "home_address",
    "postal_address",
    "ssn",
    "social_security_number",
    "national_id",
    "passport_number",
    "tax_id",
    "ip_address",
    "card_number",
    "credit_card",
    "credit_card_number",
    "iban",
];

/// Which field list a run uses: the inventory's `pii:` section, or the
/// default list when there is none.
pub fn field_source(inventory: Option<&Inventory>) -> &'static str {
    match inventory {
        Some(inv) if inv.root.get("pii").is_some() => "inventory",
        _ => "default",
    }
}

struct PiiInLog(Pii, Vec<String>);

fn new(setup: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    let mut fields = Vec::new();
    match setup.inventory {
        Some(inv) if field_source(Some(inv)) == "inventory" => {
            fields.extend(inv.pii.fields.iter().cloned());
            fields.extend(pii_fields_from_schemas(setup.root, inv)?);
        }
        _ => fields.extend(DEFAULT_FIELDS.iter().map(|f| f.to_string())),
    }
    let scan = &setup.config.scan;
    Ok(Box::new(PiiInLog(
        Pii::new(
            &fields,
            &scan.redacting_calls,
            &scan.non_person_receivers,
            &scan.log_sinks,
        ),
        fields,
    )))
}

impl ContentCheck for PiiInLog {
    fn identity(&self, hasher: &mut blake3::Hasher) {
        // The fields include those read from `pii.from` schemas.
        hasher.update(format!("{:?}", self.1).as_bytes());
    }
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        if file.own {
            return;
        }
        for a in self.0.find(file.path, file.text) {
            out.push(
                Hit::new(
                    &RULE,
                    a.start,
                    a.end,
                    format!(
                        "`{}` (PII field `{}`) is passed to a log call (`{}`)",
                        a.what, a.field, a.callee
                    ),
                )
                .label("personal data")
                .key(format!("{}:{}", a.callee, a.what))
                .help(format!(
                    "log an identifier that is not personal data (a user id), or wrap the value in a redacting call ({})",
                    self.0.redactors_hint()
                )),
            );
        }
    }
}

fn pii_fields_from_schemas(root: &Path, inv: &Inventory) -> Result<Vec<String>, Fatal> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(props) = m.get("properties").and_then(|p| p.as_object()) {
                    for (k, p) in props {
                        if p.get("pii").and_then(serde_json::Value::as_bool) == Some(true) {
                            out.push(k.clone());
                        }
                    }
                }
                for x in m.values() {
                    walk(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for f in &inv.pii.from {
        if !seen.insert(f.value.as_str()) {
            continue;
        }
        // The repository's file: contained and bounded.
        let text = crate::fsutil::read_in_repo_required(root, Path::new(&f.value), &f.value);
        let parsed = text.map_err(|e| e.message).and_then(|t| {
            serde_json::from_str::<serde_json::Value>(&t.text).map_err(|e| e.to_string())
        });
        match parsed {
            Ok(v) => walk(&v, &mut out),
            Err(e) => errors.push(Diag::at(
                ErrorCode::Pii,
                format!("cannot read the PII schema `{}`: {e}", f.value),
                &inv.source,
                f.span,
                "listed here",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Fatal(errors))
    }
}
