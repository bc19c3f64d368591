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

/// One SARIF result.
fn result(f: &Finding, ids: &std::collections::HashMap<&str, usize>) -> Value {
    let (start, end) = f.source.range(f.span);
    let mut r = json!({
        "ruleId": f.rule,
        "ruleIndex": ids.get(f.rule.as_str()).copied().unwrap_or(0),
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
    // Locations in the repository's own files; a built-in policy pack is
    // not a file of the repository.
    let related: Vec<Value> = f
        .labels
        .iter()
        .filter_map(|l| l.source.as_ref().map(|src| (src, l)))
        .filter(|(src, _)| !crate::policy::is_builtin(src))
        .enumerate()
        .map(|(i, (src, l))| {
            let lc = src.line_col(l.span.start);
            json!({
                "id": i,
                "message": {"text": redact::secrets(&l.text)},
                "physicalLocation": {
                    "artifactLocation": {"uri": src.name, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": lc.line, "startColumn": lc.column},
                }
            })
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    if let Some(s) = &f.suppressed {
        let (kind, justification) = match s {
            Suppression::Inline => ("inSource", "keyledger:allow comment".to_string()),
            Suppression::Baseline => ("external", "listed in the keyledger baseline".to_string()),
            Suppression::Waiver { reason, expires } => (
                "external",
                redact::secrets(&format!("waived until {expires}: {reason}")).into_owned(),
            ),
        };
        r["suppressions"] = json!([{"kind": kind, "justification": justification}]);
    }
    r
}

pub fn render(out: &Outcome) -> String {
    let mut ids: Vec<String> = rules::ALL.iter().map(|r| r.id.to_string()).collect();
    // The first finding of each rule, found in one pass.
    let mut first: std::collections::HashMap<&str, &Finding> = Default::default();
    for f in &out.findings {
        if first.insert(&f.rule, f).is_none() && !ids.contains(&f.rule) {
            ids.push(f.rule.clone());
        }
    }
    let descriptors: Vec<Value> = ids
        .iter()
        .map(|id| descriptor(id, first.get(id.as_str()).copied()))
        .collect();
    let mut doc = json!({
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
            "results": Value::Null,
        }]
    });
    // A git scope that could not read part of the history: the run did
    // not succeed, and says what it could not read.
    if let Some(git) = out.summary.scan.as_ref().and_then(|s| s.git.as_ref())
        && git.incomplete()
    {
        let notes: Vec<Value> = git
            .unreadable
            .iter()
            .map(|u| {
                json!({
                    "level": if git.allow_incomplete { "warning" } else { "error" },
                    "message": {"text": redact::controls(&format!("{} {} {} unreadable: {}", u.kind, u.id, u.path, u.reason))},
                })
            })
            .collect();
        doc["runs"][0]["invocations"] = json!([{
            "executionSuccessful": git.allow_incomplete,
            "toolExecutionNotifications": notes,
        }]);
    }
    // Results are built and written one at a time: a run with 120,000
    // findings never holds them all as JSON values at once.
    let shown = WithResults {
        doc: &doc,
        results: Results {
            out,
            ids: &ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect(),
        },
        depth: 0,
    };
    let mut s = serde_json::to_string_pretty(&shown).unwrap_or_default();
    s.push('\n');
    s
}

/// The results, serialized lazily.
struct Results<'a> {
    out: &'a Outcome,
    ids: &'a std::collections::HashMap<&'a str, usize>,
}

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.out.findings.len()))?;
        for f in &self.out.findings {
            seq.serialize_element(&result(f, self.ids))?;
        }
        seq.end()
    }
}

/// The document, with [`Results`] in place of `runs[0].results`, keys in
/// the document's own order.
struct WithResults<'a> {
    doc: &'a Value,
    results: Results<'a>,
    depth: usize,
}

impl serde::Serialize for WithResults<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let at = |doc| WithResults {
            doc,
            results: Results {
                out: self.results.out,
                ids: self.results.ids,
            },
            depth: self.depth + 1,
        };
        match self.doc {
            Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    // `runs[0].results`: depth 0 is the document, 1 the
                    // runs array, 2 the run.
                    if self.depth == 2 && k == "results" {
                        map.serialize_entry(k, &self.results)?;
                    } else {
                        map.serialize_entry(k, &at(v))?;
                    }
                }
                map.end()
            }
            Value::Array(a) if self.depth <= 1 => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(&at(v))?;
                }
                seq.end()
            }
            v => v.serialize(s),
        }
    }
}
