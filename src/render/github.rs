//! GitHub Actions workflow commands: one annotation per blocking or
//! informative finding (`::error file=…,line=…::…`), shown on the PR diff.

use crate::check::Outcome;
use crate::finding::Severity;
use crate::redact;

/// A workflow command's message: secret values masked, `%`, CR and LF
/// percent-encoded as the runner expects (so no text can end the command
/// and start another), every other control character shown escaped (the
/// log viewer renders ANSI sequences).
fn escape_data(s: &str) -> String {
    let masked = redact::secrets(s);
    let mut out = String::with_capacity(masked.len());
    for c in masked.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if redact::is_unsafe(c) => redact::push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// A property value (`file=`, `title=`): also `:` and `,`, which end it.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(out: &Outcome) -> String {
    let mut s = String::new();
    for f in out.findings.iter().filter(|f| f.suppressed.is_none()) {
        let (start, end) = f.source.range(f.span);
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        s.push_str(&format!(
            "::{cmd} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(f.path()),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("keyledger {}", f.rule)),
            escape_data(&f.message),
        ));
    }
    let sm = &out.summary;
    s.push_str(&format!(
        "keyledger: {} errors, {} warnings, {} notes, {} blocking\n",
        sm.errors, sm.warnings, sm.notes, sm.blocking
    ));
    s
}
