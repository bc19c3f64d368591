//! Source files with a line index, shared by every diagnostic.
//!
//! Spans are byte ranges into the file text. Lines and columns are 1-based;
//! columns count Unicode scalar values, as editors show them.

use std::path::Path;
use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Shows `path` relative to `root` with `/` separators when it is inside.
pub fn display_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// A byte range in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }
}

impl From<Span> for SourceSpan {
    fn from(s: Span) -> Self {
        SourceSpan::new(s.start.into(), s.end - s.start)
    }
}

/// A file's text with the name it is shown under and a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scanned root, with `/` separators.
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    ascii: bool,
}

/// A position as humans read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let ascii = text.is_ascii();
        Arc::new(SourceFile {
            name: name.into(),
            text,
            line_starts,
            ascii,
        })
    }

    /// 0-based line index containing byte `offset`.
    fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let li = self.line_index(offset);
        let start = self.line_starts[li];
        let column = if self.ascii {
            offset - start + 1
        } else {
            self.text[start..offset].chars().count() + 1
        };
        LineCol {
            line: li + 1,
            column,
        }
    }

    /// Byte offset of a 1-based line and a 0-based character column.
    pub fn offset_of(&self, line: usize, char_col: usize) -> usize {
        let li = line.saturating_sub(1).min(self.line_starts.len() - 1);
        let start = self.line_starts[li];
        if self.ascii {
            let next = self
                .line_starts
                .get(li + 1)
                .map_or(self.text.len(), |&n| n - 1);
            return (start + char_col).min(next);
        }
        let rest = &self.text[start..];
        let line_end = rest.find('\n').map_or(rest.len(), |i| i);
        rest[..line_end]
            .char_indices()
            .nth(char_col)
            .map_or(start + line_end, |(i, _)| start + i)
    }

    /// Start and end positions of a span.
    pub fn range(&self, span: Span) -> (LineCol, LineCol) {
        (self.line_col(span.start), self.line_col(span.end))
    }

    /// The text of line `line` (1-based), without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let li = line.saturating_sub(1).min(self.line_starts.len() - 1);
        let start = self.line_starts[li];
        let rest = &self.text[start..];
        let end = rest.find('\n').map_or(rest.len(), |i| i);
        rest[..end].trim_end_matches('\r')
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    fn floor_char_boundary(&self, mut i: usize) -> usize {
        while i > 0 && !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// A cheap handle to a shared source file that miette can render snippets
/// from. Unlike miette's implementation for `String`, reading a span uses the
/// line index instead of scanning the file from its start, so rendering
/// thousands of diagnostics over one large inventory stays linear.
#[derive(Debug, Clone)]
pub struct Snippet(pub Arc<SourceFile>);

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let src = &self.0;
        let start = span.offset();
        let end = start + span.len();
        if end > src.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        if context_lines_before == 0 && context_lines_after == 0 {
            // The exact span: miette takes the header's line and column
            // from this, so it names the node, not the start of its line.
            let lc = src.line_col(start);
            return Ok(Box::new(MietteSpanContents::new_named(
                src.name.clone(),
                &src.text.as_bytes()[start..end],
                *span,
                lc.line - 1,
                lc.column - 1,
                src.text[start..end].matches('\n').count() + 1,
            )));
        }
        let first = src.line_index(start).saturating_sub(context_lines_before);
        let last_of_span =
            src.line_index(end.saturating_sub(usize::from(!span.is_empty())).max(start));
        let last = (last_of_span + context_lines_after).min(src.line_starts.len() - 1);
        let from = src.line_starts[first];
        let to = src.line_starts.get(last + 1).map_or(src.text.len(), |&s| s);
        let data = &src.text.as_bytes()[from..to];
        Ok(Box::new(MietteSpanContents::new_named(
            src.name.clone(),
            data,
            SourceSpan::new(from.into(), to - from),
            first,
            0,
            last - first + 1,
        )))
    }
}
