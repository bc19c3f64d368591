//! Findings are data: checks produce them, renderers print them.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::rules::Rule;
use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a finding does not count against the exit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Suppression {
    /// An inventory waiver covers it until `expires`.
    Waiver { reason: String, expires: String },
    /// The baseline file lists its fingerprint.
    Baseline,
    /// A `keyledger:allow RULE` comment on the line or the line above.
    Inline,
}

/// A secondary location: in the finding's own file, or in another file
/// (the policy line that required what a finding reports missing).
#[derive(Debug, Clone)]
pub struct Label {
    /// `None`: the finding's own file.
    pub source: Option<Arc<SourceFile>>,
    pub span: Span,
    pub text: String,
}

/// One finding: a rule, where it points and what it says.
///
/// Rules create findings at their rule's default severity (or lower, for
/// weak evidence, with [`Finding::at_most`]); the run's one sink,
/// [`crate::rules::Sink`], applies the `[rules]` overrides.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// The file the finding is in, for snippets and positions.
    pub source: Arc<SourceFile>,
    pub span: Span,
    /// Further locations, with labels.
    pub labels: Vec<Label>,
    /// Label of the primary span.
    pub label: String,
    pub help: Option<String>,
    pub secret: Option<String>,
    pub commit: Option<String>,
    /// Distinguishes findings of the same rule on the same secret (a policy
    /// requirement, a matched detector), for fingerprints.
    pub key: String,
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// A finding of a registered rule, at the rule's default severity.
    pub fn new(
        rule: &Rule,
        source: &Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Finding::for_id(rule.id, rule.severity, source, span, message)
    }

    /// A finding of a rule outside the registry (a policy), at `severity`.
    pub fn for_id(
        rule: &str,
        severity: Severity,
        source: &Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule: rule.to_string(),
            severity,
            message: message.into(),
            source: source.clone(),
            span,
            labels: Vec::new(),
            label: String::new(),
            help: None,
            secret: None,
            commit: None,
            key: String::new(),
            suppressed: None,
        }
    }

    pub fn secret(mut self, name: &str) -> Self {
        self.secret = Some(name.to_string());
        self
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }
    /// A second location in the same file.
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.labels.push(Label {
            source: None,
            span,
            text: label.into(),
        });
        self
    }
    /// A second location in another file.
    pub fn also_in(
        mut self,
        source: &Arc<SourceFile>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        self.labels.push(Label {
            source: Some(source.clone()),
            span,
            text: label.into(),
        });
        self
    }
    /// Lowers the severity for weak evidence; the `[rules]` override of
    /// the rule then applies as a ceiling, never raising it.
    pub fn at_most(mut self, severity: Severity) -> Self {
        self.severity = self.severity.min(severity);
        self
    }

    pub fn path(&self) -> &str {
        &self.source.name
    }

    /// A fingerprint that survives unrelated edits: it hashes the rule, the
    /// path, the secret and the finding's key, never line numbers.
    pub fn fingerprint(&self) -> String {
        let mut h = blake3::Hasher::new();
        for part in [
            self.rule.as_str(),
            self.path(),
            self.secret.as_deref().unwrap_or(""),
            self.key.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update(b"\0");
        }
        h.finalize().to_hex()[..16].to_string()
    }

    pub fn blocks(&self, fail_on: Severity) -> bool {
        self.suppressed.is_none() && self.severity >= fail_on
    }
}

/// Stable order: path, position, rule.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.path(), a.span.start, &a.rule, &a.secret, &a.key).cmp(&(
            b.path(),
            b.span.start,
            &b.rule,
            &b.secret,
            &b.key,
        ))
    });
}
