use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the scan stage (`crate::scan::pii`).
pub const RULE: Rule = Rule {
    id: "pii-in-log",
    severity: Severity::Warning,
    scope: Scope::Content,
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
