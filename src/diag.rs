//! Diagnostics: one type for fatal errors (exit code 2) and for rendering
//! findings with a snippet of the file they point into.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, Severity as MSeverity, SourceCode,
    SourceSpan, SpanContents,
};

use crate::redact;
use crate::source::{SourceFile, Span};

macro_rules! error_codes {
    ($($variant:ident => $name:literal, $meaning:literal;)*) => {
        /// What kind of error stopped keyledger (exit code 2). Each has one
        /// stable name, printed before the message (`io: cannot read …`) and
        /// in the JSON and SARIF outputs; scripts may match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in documentation order (generated with the enum,
            /// so none can be missing).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }

            /// One line on what the code means, for the README's table.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)*
                }
            }
        }
    };
}

error_codes! {
    Usage => "usage", "arguments that cannot work together, or a value an option does not take";
    Io => "io", "a file or folder that cannot be read or written: missing, unreadable, too large, outside the repository, not a regular file";
    Parse => "parse", "a YAML, TOML or JSON file that does not parse, or expands past the alias bound";
    Schema => "schema", "an inventory that does not match its JSON Schema, or a schema that is not valid";
    Config => "config", "a `keyledger.toml` that names an unknown rule, severity or setting, or an invalid value";
    Policy => "policy", "a policy file that does not match the policy schema";
    Baseline => "baseline", "a baseline file that keyledger cannot use";
    Evidence => "evidence", "an evidence file or a secret store's answer that cannot be used";
    Git => "git", "a repository, revision range or history that cannot be read completely";
    Pii => "pii", "a PII source (`pii.from` schema) that cannot be used";
    Report => "report", "report arguments (quarter, inventories) that cannot be used";
}

/// The README's error-code table.
pub fn error_code_table() -> String {
    let mut out = String::from("| code | meaning |\n| --- | --- |\n");
    for c in ErrorCode::ALL {
        out.push_str(&format!("| `{}` | {} |\n", c.as_str(), c.meaning()));
    }
    out
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a diagnostic is: an error that stops the run, or a finding of a
/// rule rendered with its snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Error(ErrorCode),
    Rule(String),
}

impl From<ErrorCode> for Code {
    fn from(c: ErrorCode) -> Self {
        Code::Error(c)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Error(c) => f.write_str(c.as_str()),
            Code::Rule(r) => f.write_str(r),
        }
    }
}

/// A located message, renderable by miette.
#[derive(Debug, Clone)]
pub struct Diag {
    pub code: Code,
    pub message: String,
    pub source: Option<Arc<SourceFile>>,
    pub labels: Vec<(Span, String)>,
    pub help: Option<String>,
    pub severity: MSeverity,
}

impl Diag {
    /// An error with no location (a missing file, a bad argument).
    pub fn plain(code: impl Into<Code>, message: impl Into<String>) -> Self {
        Diag {
            code: code.into(),
            message: message.into(),
            source: None,
            labels: Vec::new(),
            help: None,
            severity: MSeverity::Error,
        }
    }

    /// An error at `span` in `source`.
    pub fn at(
        code: impl Into<Code>,
        message: impl Into<String>,
        source: &Arc<SourceFile>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diag {
            code: code.into(),
            message: message.into(),
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
    /// Secret values are masked and control characters escaped.
    pub fn one_line(&self) -> String {
        let line = match self.location() {
            Some(loc) => format!("{loc}: {}: {}", self.code, self.message),
            None => format!("{}: {}", self.code, self.message),
        };
        redact::display(&line)
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag {}

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

/// The most errors one run collects from one stage (a schema, a parse);
/// past it the rest of that stage is not listed.
pub const MAX_ERRORS: usize = 1000;

/// Errors rendered before the rest are only counted.
pub const MAX_SHOWN_ERRORS: usize = 100;

/// The widest piece of one source line a snippet shows, in columns; longer
/// lines (minified bundles, single-line JSON) are clipped around the span.
const MAX_LINE_COLUMNS: usize = 160;
/// How much of a clipped line is kept before the span.
const MARGIN_COLUMNS: usize = 48;
/// A label over more lines than this shows its first line only.
const MAX_SPAN_LINES: usize = 8;
/// Bytes around a snippet searched for secret values to mask.
const REDACT_AROUND: usize = 8 << 10;
/// Lines of context above and below a label (miette's default).
const CONTEXT_LINES: usize = 1;

/// Renders diagnostics as miette does on a terminal, deterministically:
/// fixed width, colour only when asked for.
///
/// miette never sees a repository's file: it sees a [`View`] of the lines
/// around the labels, each clipped to [`MAX_LINE_COLUMNS`] around its span
/// (miette panics on a label at column 65,536 or later, and a 2 MB line is
/// no snippet), with secret values masked and control characters escaped.
/// Messages, labels, help and file names are made safe the same way.
pub fn render(diags: &[Diag], color: bool) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_context_lines(CONTEXT_LINES);
    let mut out = String::new();
    let mut one = String::new();
    for d in diags {
        let shown = Shown::new(d);
        one.clear();
        if handler.render_report(&mut one, &shown).is_ok() {
            out.push_str(&one);
        } else {
            out.push_str(&d.one_line());
            out.push('\n');
        }
    }
    out
}

/// Fatal errors: the first [`MAX_SHOWN_ERRORS`] rendered, the rest counted.
pub fn render_fatal(diags: &[Diag], color: bool) -> String {
    let n = diags.len().min(MAX_SHOWN_ERRORS);
    let mut s = render(&diags[..n], color);
    if diags.len() > n {
        s.push_str(&format!(
            "… and {} more errors, not shown (fix the ones above first)\n",
            diags.len() - n
        ));
    }
    s
}

/// A diagnostic as miette sees it: safe text and a [`View`].
struct Shown {
    code: String,
    message: String,
    help: Option<String>,
    severity: MSeverity,
    view: Option<View>,
    labels: Vec<(Span, Option<String>)>,
}

impl Shown {
    fn new(d: &Diag) -> Shown {
        let (view, labels) = match &d.source {
            Some(src) if !d.labels.is_empty() => {
                let (view, labels) = View::build(src, &d.labels);
                let labels = labels
                    .into_iter()
                    .map(|(span, text)| {
                        let text = (!text.is_empty()).then(|| redact::display(&text));
                        (span, text)
                    })
                    .collect();
                (Some(view), labels)
            }
            _ => (None, Vec::new()),
        };
        Shown {
            code: redact::display(&d.code.to_string()),
            message: redact::display(&d.message),
            help: d.help.as_deref().map(redact::display_lines),
            severity: d.severity,
            view,
            labels,
        }
    }
}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {}

impl Diagnostic for Shown {
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
        self.view.as_ref().map(|v| v as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.view.is_none() || self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().enumerate().map(
            |(i, (span, text))| {
                if i == 0 {
                    LabeledSpan::new_primary_with_span(text.clone(), *span)
                } else {
                    LabeledSpan::new_with_span(text.clone(), *span)
                }
            },
        )))
    }
}

/// The lines a diagnostic shows, prepared for a terminal: one part per run
/// of neighbouring lines, each line clipped around its labels, secret values
/// masked, control characters escaped. Offsets in a view are its own; the
/// line numbers and the header's line and column are the file's.
struct View {
    name: String,
    text: String,
    parts: Vec<Part>,
    /// Per label: its start in the view, and its line and column (0-based)
    /// in the file.
    origins: Vec<(usize, usize, usize)>,
}

struct Part {
    start: usize,
    end: usize,
    /// 0-based line in the file of the part's first line.
    first_line: usize,
    /// View offsets of the part's line starts.
    lines: Vec<usize>,
}

impl View {
    fn build(src: &SourceFile, labels: &[(Span, String)]) -> (View, Vec<(Span, String)>) {
        let len = src.text.len();
        let last_line = src.line_count() - 1;
        // Labels in the file, clamped, multi-line spans cut to their first
        // line when long.
        let mut spans = Vec::with_capacity(labels.len());
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (span, _) in labels {
            let s = src.floor_char_boundary(span.start.min(len));
            let mut e = src.floor_char_boundary(span.end.min(len)).max(s);
            let ls = src.line_index(s);
            let mut le = src.line_index(if e > s { e - 1 } else { s });
            if le - ls >= MAX_SPAN_LINES {
                e = src.line_end(ls).max(s);
                le = ls;
            }
            spans.push((s, e));
            // The empty "line" after a final newline is not context.
            let phantom = last_line > 0 && src.line_start(last_line) == len;
            let last_ctx = if phantom && le < last_line {
                last_line - 1
            } else {
                last_line
            };
            ranges.push((
                ls.saturating_sub(CONTEXT_LINES),
                (le + CONTEXT_LINES).min(last_ctx),
            ));
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(m) if r.0 <= m.1 + 1 => m.1 = m.1.max(r.1),
                _ => merged.push(r),
            }
        }
        // Secret values are looked for around what is shown (the lines and
        // 8 KiB either side, room for a PEM block), not in the whole file:
        // redaction costs what the snippet costs, whatever the file's size.
        let mut masks: Vec<(usize, usize)> = Vec::new();
        for &(first, last) in &merged {
            let from = src.floor_char_boundary(src.line_start(first).saturating_sub(REDACT_AROUND));
            let to = src.floor_char_boundary(src.line_end(last).saturating_add(REDACT_AROUND));
            masks.extend(
                redact::masks(&src.text[from..to])
                    .into_iter()
                    .map(|(s, e)| (s + from, e + from)),
            );
        }
        masks.sort_unstable();
        masks.dedup_by(|next, prev| {
            // Merge overlapping ranges (windows of two parts can overlap).
            if next.0 <= prev.1 {
                prev.1 = prev.1.max(next.1);
                true
            } else {
                false
            }
        });
        let mut map: std::collections::HashMap<usize, usize> = Default::default();
        let mut text = String::new();
        let mut parts = Vec::with_capacity(merged.len());
        for (first, last) in merged {
            let start = text.len();
            let mut lines = Vec::with_capacity(last - first + 1);
            for li in first..=last {
                lines.push(text.len());
                let (ls, le) = (src.line_start(li), src.line_end(li));
                let points: Vec<usize> = spans
                    .iter()
                    .flat_map(|&(s, e)| [s, e])
                    .filter(|&p| p >= ls && src.line_index(p) == li)
                    .collect();
                let (ws, we) = window(src, ls, le, &points);
                if ws > ls {
                    text.push('…');
                }
                let mut m = masks.partition_point(|&(_, me)| me <= ws);
                for (i, c) in src.text[ws..we].char_indices() {
                    let o = ws + i;
                    if points.contains(&o) {
                        map.insert(o, text.len());
                    }
                    while m < masks.len() && masks[m].1 <= o {
                        m += 1;
                    }
                    if m < masks.len() && masks[m].0 <= o {
                        text.push('*');
                    } else if redact::is_unsafe(c) {
                        redact::push_escaped(&mut text, c);
                    } else {
                        text.push(c);
                    }
                }
                let line_start_in_view =
                    lines[lines.len() - 1] + if ws > ls { '…'.len_utf8() } else { 0 };
                for &p in &points {
                    if p < ws {
                        map.insert(p, line_start_in_view);
                    } else if p >= we {
                        map.insert(p, text.len());
                    }
                }
                if we < le {
                    text.push('…');
                }
                text.push('\n');
            }
            parts.push(Part {
                start,
                end: text.len(),
                first_line: first,
                lines,
            });
        }
        let mut out = Vec::with_capacity(labels.len());
        let mut origins = Vec::with_capacity(labels.len());
        for ((s, e), (_, label)) in spans.iter().zip(labels) {
            let vs = map.get(s).copied().unwrap_or(0);
            let ve = map.get(e).copied().unwrap_or(vs).max(vs);
            let lc = src.line_col(*s);
            origins.push((vs, lc.line - 1, lc.column - 1));
            out.push((Span::new(vs, ve), label.clone()));
        }
        (
            View {
                name: redact::controls(&src.name).into_owned(),
                text,
                parts,
                origins,
            },
            out,
        )
    }
}

/// Columns a character takes in a snippet: an escaped control character
/// (`\x0d`, `\u{202e}`) takes its escape's width.
fn width(c: char) -> usize {
    if !redact::is_unsafe(c) {
        1
    } else if (c as u32) < 0x100 {
        4
    } else {
        5 + format!("{:x}", c as u32).len()
    }
}

/// The part `[ws, we)` of line `[ls, le)` to show: at most
/// [`MAX_LINE_COLUMNS`] columns, starting [`MARGIN_COLUMNS`] columns before the
/// first label on the line. Every walk is bounded by those widths, never by
/// the line's length: a 10 MB line costs what a short one does.
fn window(src: &SourceFile, ls: usize, le: usize, points: &[usize]) -> (usize, usize) {
    let text = &src.text;
    let lo = src.floor_char_boundary(points.iter().copied().min().unwrap_or(ls).clamp(ls, le));
    // Back from the first label, up to the margin.
    let back = |from: usize, budget: usize| {
        let mut at = from;
        let mut used = 0;
        for c in text[ls..from].chars().rev() {
            used += width(c);
            if used > budget {
                break;
            }
            at -= c.len_utf8();
        }
        (at, used.min(budget))
    };
    let (mut ws, _) = back(lo, MARGIN_COLUMNS);
    // Forward, up to the width.
    let mut we = ws;
    let mut used = 0;
    for c in text[ws..le].chars() {
        if used + width(c) > MAX_LINE_COLUMNS {
            break;
        }
        used += width(c);
        we += c.len_utf8();
    }
    // The line ended early: spend what is left of the width before.
    if we == le && ws > ls {
        let (more, _) = back(ws, MAX_LINE_COLUMNS - used);
        ws = more;
    }
    (ws, we)
}

impl SourceCode for View {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        let part = self
            .parts
            .iter()
            .find(|p| p.start <= start && end <= p.end)
            .ok_or(MietteError::OutOfBounds)?;
        let line_of = |o: usize| part.lines.partition_point(|&l| l <= o).saturating_sub(1);
        if context_lines_before == 0 && context_lines_after == 0 {
            // The exact span: miette takes the header's line and column
            // from this, so they are the file's, not the view's.
            let (line, column) = match self.origins.iter().find(|o| o.0 == start) {
                Some(&(_, l, c)) => (l, c),
                None => (part.first_line + line_of(start), 0),
            };
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[start..end],
                *span,
                line,
                column,
                self.text[start..end].matches('\n').count() + 1,
            )));
        }
        let first = line_of(start).saturating_sub(context_lines_before);
        let last_of_span = line_of(end.saturating_sub(usize::from(!span.is_empty())).max(start));
        let last = (last_of_span + context_lines_after).min(part.lines.len() - 1);
        let from = part.lines[first];
        let to = part.lines.get(last + 1).copied().unwrap_or(part.end);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            part.first_line + first,
            0,
            last - first + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_unique_and_the_list_is_stable() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "two error codes share a name");
        for c in ErrorCode::ALL {
            assert!(
                !crate::rules::ALL.iter().any(|r| r.id == c.as_str()) || c.as_str() == "schema",
                "error code `{}` is also a rule id",
                c.as_str()
            );
        }
        insta::assert_snapshot!(error_code_table());
    }

    fn rendered(text: &str, span: Span) -> String {
        let src = SourceFile::new("f.txt", text);
        render(
            &[Diag::at(ErrorCode::Io, "message", &src, span, "here")],
            false,
        )
    }

    #[test]
    fn a_label_past_column_65536_renders_clipped() {
        let line = format!("{}TOKEN{}", "x".repeat(70_000), "y".repeat(70_000));
        let out = rendered(&format!("a\n{line}\nb\n"), Span::new(70_002, 70_007));
        assert!(out.contains("[f.txt:2:70001]"), "{out}");
        assert!(out.contains("…xxx"), "{out}");
        assert!(out.contains("TOKENyyy"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 400), "{out}");
    }

    #[test]
    fn snippets_escape_controls_and_mask_credentials() {
        let text = "a: 1\nb: \u{1b}[31mred\u{7} ghp_x1Y2z3A4b5C6d7E8f9G0h1I2j3K4l5M6n7O8\nc: 3\n";
        let out = rendered(text, Span::new(8, 9));
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(out.contains("\\x1b[31mred\\x07"), "{out}");
        assert!(!out.contains("x1Y2z3A4b5C6"), "{out}");
    }

    #[test]
    fn labels_in_far_apart_lines_keep_their_line_numbers() {
        let mut text = String::new();
        for i in 0..200 {
            text.push_str(&format!("line {i}\n"));
        }
        let src = SourceFile::new("f.txt", text.as_str());
        let a = text.find("line 3\n").unwrap();
        let b = text.find("line 150\n").unwrap();
        let mut d = Diag::at(ErrorCode::Io, "m", &src, Span::new(b, b + 4), "second");
        d.labels.push((Span::new(a, a + 4), "first".into()));
        let out = render(&[d], false);
        assert!(out.contains("[f.txt:151:1]"), "{out}");
        assert!(out.contains(" 4 │ line 3"), "{out}");
        assert!(out.contains(" 151 │ line 150"), "{out}");
    }

    #[test]
    fn escaped_characters_count_in_the_clipped_width() {
        let line = format!("{}X{}", "\r".repeat(70_000), "\r".repeat(70_000));
        let out = rendered(&format!("a\n{line}\n"), Span::new(70_002, 70_003));
        assert!(out.contains("\\x0dX\\x0d"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
    }

    #[test]
    fn fatal_rendering_counts_what_it_does_not_show() {
        let many: Vec<Diag> = (0..150)
            .map(|i| Diag::plain(ErrorCode::Io, format!("e{i}")))
            .collect();
        let out = render_fatal(&many, false);
        assert!(out.contains("e99"), "{out}");
        assert!(!out.contains("e100"), "{out}");
        assert!(out.contains("and 50 more errors"), "{out}");
    }
}
