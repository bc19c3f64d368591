//! Diagnostics: one type for fatal errors (exit code 2) and for rendering
//! findings with a snippet of the file they point into.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, Severity as MSeverity, SourceCode};

use crate::source::{Snippet, SourceFile, Span};

/// A located message, renderable by miette.
#[derive(Debug, Clone)]
pub struct Diag {
    pub code: String,
    pub message: String,
    pub source: Option<Arc<SourceFile>>,
    pub labels: Vec<(Span, String)>,
    pub help: Option<String>,
    pub severity: MSeverity,
    snippet: Option<Snippet>,
}

impl Diag {
    /// An error with no location (a missing file, a bad argument).
    pub fn plain(code: &str, message: impl Into<String>) -> Self {
        Diag {
            code: code.to_string(),
            message: message.into(),
            source: None,
            labels: Vec::new(),
            help: None,
            severity: MSeverity::Error,
            snippet: None,
        }
    }

    /// An error at `span` in `source`.
    pub fn at(
        code: &str,
        message: impl Into<String>,
        source: &Arc<SourceFile>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diag {
            code: code.to_string(),
            message: message.into(),
            snippet: Some(Snippet(source.clone())),
            source: Some(source.clone()),
            labels: vec![(span, label.into())],
            help: None,
            severity: MSeverity::Error,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_severity(mut self, severity: MSeverity) -> Self {
        self.severity = severity;
        self
    }

    /// `file:line:column` of the first label, or the file alone.
    pub fn location(&self) -> Option<String> {
        let src = self.source.as_ref()?;
        match self.labels.first() {
            Some((span, _)) => {
                let lc = src.line_col(span.start);
                Some(format!("{}:{}:{}", src.name, lc.line, lc.column))
            }
            None => Some(src.name.clone()),
        }
    }
}

impl Diag {
    /// One line, location first: for logs and plain-text consumers.
    pub fn one_line(&self) -> String {
        match self.location() {
            Some(loc) => format!("{loc}: {}: {}", self.code, self.message),
            None => format!("{}: {}", self.code, self.message),
        }
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag {}

impl Diagnostic for Diag {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<MSeverity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.snippet.is_none() || self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().enumerate().map(
            |(i, (span, label))| {
                let text = if label.is_empty() {
                    None
                } else {
                    Some(label.clone())
                };
                if i == 0 {
                    LabeledSpan::new_primary_with_span(text, *span)
                } else {
                    LabeledSpan::new_with_span(text, *span)
                }
            },
        )))
    }
}

/// Everything that stops keyledger before it can give a complete answer.
/// All errors found are collected, not only the first; exit code 2.
#[derive(Debug, Clone)]
pub struct Fatal(pub Vec<Diag>);

impl From<Diag> for Fatal {
    fn from(d: Diag) -> Self {
        Fatal(vec![d])
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", d.one_line())?;
        }
        Ok(())
    }
}

impl std::error::Error for Fatal {}

/// Renders diagnostics as miette does on a terminal, deterministically:
/// fixed width, colour only when asked for.
pub fn render(diags: &[Diag], color: bool) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for d in diags {
        if handler.render_report(&mut out, d).is_err() {
            out.push_str(&d.to_string());
            out.push('\n');
        }
    }
    out
}
