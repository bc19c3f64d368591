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

/// Annotations for the unsuppressed findings; notes only with `show_notes`
/// (a pull request is not the place for weak evidence).
pub fn render(out: &Outcome, show_notes: bool) -> String {
    let mut s = String::new();
    for f in out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && (show_notes || f.severity > Severity::Note))
    {
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
    if let Some(git) = sm.scan.as_ref().and_then(|s| s.git.as_ref())
        && let Some(first) = git.unreadable.first()
    {
        let cmd = if git.allow_incomplete {
            "warning"
        } else {
            "error"
        };
        s.push_str(&format!(
            "::{cmd} title=keyledger: incomplete history::{}\n",
            escape_data(&format!(
                "{} git objects could not be read (first: {} {} {}: {}); the scan is incomplete",
                git.unreadable.len(),
                first.kind,
                first.id,
                first.path,
                first.reason
            ))
        ));
    }
    s.push_str(&format!(
        "keyledger: {} errors, {} warnings, {} notes, {} blocking\n",
        sm.errors, sm.warnings, sm.notes, sm.blocking
    ));
    s
}
