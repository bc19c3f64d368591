//! SARIF 2.1.0 for code scanning: one `reportingDescriptor` per rule id,
//! results with `physicalLocation` regions, `partialFingerprints` stable
//! across runs (the finding fingerprint never includes line numbers), and
//! suppressed findings carried as SARIF suppressions.

use serde_json::{Value, json};

use crate::check::Outcome;
use crate::finding::{Finding, Severity, Suppression};
use crate::redact;
use crate::rules;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn pascal(id: &str) -> String {
    id.split(['-', '.'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn descriptor(id: &str, example: Option<&Finding>) -> Value {
    match rules::find(id) {
        Some(r) => json!({
            "id": r.id,
            "name": pascal(r.id),
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.summary},
            "help": {"text": r.doc, "markdown": r.doc},
            "defaultConfiguration": {"level": level(r.severity)},
        }),
        None => {
            // A policy: its description travels in the findings' help.
            let help = example
                .and_then(|f| f.help.as_deref())
                .map(|h| redact::secrets(h).into_owned())
                .unwrap_or_else(|| format!("policy {id}"));
            json!({
                "id": id,
                "name": pascal(id),
                "shortDescription": {"text": format!("policy {id}")},
                "fullDescription": {"text": help},
                "help": {"text": help},
                "defaultConfiguration": {"level": example.map_or("error", |f| level(f.severity))},
            })
        }
    }
}

pub fn render(out: &Outcome) -> String {
    let mut ids: Vec<String> = rules::ALL.iter().map(|r| r.id.to_string()).collect();
    for f in &out.findings {
        if !ids.contains(&f.rule) {
            ids.push(f.rule.clone());
        }
    }
    let descriptors: Vec<Value> = ids
        .iter()
        .map(|id| descriptor(id, out.findings.iter().find(|f| &f.rule == id)))
        .collect();
    let results: Vec<Value> = out
        .findings
        .iter()
        .map(|f| {
            let (start, end) = f.source.range(f.span);
            let mut r = json!({
                "ruleId": f.rule,
                "ruleIndex": ids.iter().position(|i| *i == f.rule).unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": redact::secrets(&f.message)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path(), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": start.line,
                            "startColumn": start.column,
                            "endLine": end.line,
                            "endColumn": end.column.max(1),
                        }
                    }
                }],
                "partialFingerprints": {"keyledger/v1": f.fingerprint()},
                "properties": {"secret": f.secret, "commit": f.commit},
            });
            if let Some(s) = &f.suppressed {
                let (kind, justification) = match s {
                    Suppression::Inline => ("inSource", "keyledger:allow comment".to_string()),
                    Suppression::Baseline => {
                        ("external", "listed in the keyledger baseline".to_string())
                    }
                    Suppression::Waiver { reason, expires } => (
                        "external",
                        redact::secrets(&format!("waived until {expires}: {reason}")).into_owned(),
                    ),
                };
                r["suppressions"] = json!([{"kind": kind, "justification": justification}]);
            }
            r
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "keyledger",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The scanned repository root"}}},
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
