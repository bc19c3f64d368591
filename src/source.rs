//! Source files with a line index, shared by every diagnostic.
//!
//! Spans are byte ranges into the file text. Lines and columns are 1-based;
//! columns count Unicode scalar values, as editors show them.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use miette::SourceSpan;

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
    /// (byte offset, characters before it) about every [`CHECKPOINT`]
    /// bytes (non-ASCII text only, built on first use), so a column on a
    /// long line is found without counting the line from its start.
    checkpoints: OnceLock<Vec<(usize, usize)>>,
    /// 0-based lines holding `keyledger:allow` (built on first use).
    allow_lines: OnceLock<Vec<usize>>,
}

/// Bytes per column checkpoint.
const CHECKPOINT: usize = 4096;

/// Unicode scalar values in `s`, counted from its bytes.
fn count_chars(s: &str) -> usize {
    s.bytes().filter(|b| (b & 0xC0) != 0x80).count()
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
            checkpoints: OnceLock::new(),
            allow_lines: OnceLock::new(),
        })
    }

    /// 0-based line index containing byte `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
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
        } else if offset - start <= CHECKPOINT {
            count_chars(&self.text[start..offset]) + 1
        } else {
            self.chars_before(offset) - self.chars_before(start) + 1
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
        &self.text[self.line_starts[li]..self.line_end(li)]
    }

    /// The text of line `line` (1-based) if it holds a `keyledger:allow`
    /// comment. The lines that do are found in one pass over the file, so
    /// asking for each of 100,000 findings on one long line stays linear.
    pub fn allow_comment(&self, line: usize) -> Option<&str> {
        let lines = self.allow_lines.get_or_init(|| {
            let mut v: Vec<usize> =
                memchr::memmem::find_iter(self.text.as_bytes(), "keyledger:allow")
                    .map(|at| self.line_index(at))
                    .collect();
            v.dedup();
            v
        });
        let li = line.checked_sub(1)?;
        lines.binary_search(&li).ok().map(|_| self.line_text(line))
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where 0-based line `li` starts.
    pub fn line_start(&self, li: usize) -> usize {
        self.line_starts[li.min(self.line_starts.len() - 1)]
    }

    /// Byte offset where 0-based line `li` ends, before its `\r\n` or `\n`.
    pub fn line_end(&self, li: usize) -> usize {
        let li = li.min(self.line_starts.len() - 1);
        let end = self
            .line_starts
            .get(li + 1)
            .map_or(self.text.len(), |&n| n - 1);
        if end > self.line_starts[li] && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        }
    }

    /// The largest char boundary at or before `i` (clamped to the text).
    pub fn floor_char_boundary(&self, i: usize) -> usize {
        let mut i = i.min(self.text.len());
        while i > 0 && !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    /// Characters in the text before byte `offset` (a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let cps = self.checkpoints.get_or_init(|| {
            let mut v = Vec::with_capacity(self.text.len() / CHECKPOINT + 1);
            let (mut at, mut count) = (0, 0);
            v.push((0, 0));
            while at + CHECKPOINT <= self.text.len() {
                let next = self.floor_char_boundary(at + CHECKPOINT).max(at + 1);
                let next = self.floor_char_boundary(next);
                if next <= at {
                    break;
                }
                count += count_chars(&self.text[at..next]);
                v.push((next, count));
                at = next;
            }
            v
        });
        let i = cps.partition_point(|&(o, _)| o <= offset).saturating_sub(1);
        let (at, count) = cps[i];
        count + count_chars(&self.text[at..offset])
    }
}

/// Line starts of a text, for finding a byte's line in O(log n) where no
/// [`SourceFile`] exists yet (the scanner, before it masks a file).
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// 0-based line of byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Where 0-based line `li` starts.
    pub fn start(&self, li: usize) -> usize {
        self.starts[li.min(self.starts.len() - 1)]
    }

    /// Where 0-based line `li` ends (before its newline).
    pub fn end(&self, li: usize) -> usize {
        self.starts.get(li + 1).map_or(self.len, |&n| n - 1)
    }
}
