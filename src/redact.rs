//! What may reach the output. Two rules serve every format and every
//! diagnostic:
//!
//! - **No secret value.** Text is redacted with the scanner's own detector
//!   engine (credential formats) and the fingerprints of every inventory
//!   loaded in this run (inventoried values): a value keeps its first 4
//!   characters, the rest becomes `*`, exactly as findings are masked.
//! - **No raw control character from a repository.** ANSI/OSC escapes,
//!   carriage returns, backspaces, newlines and Unicode bidi/format controls
//!   are shown as `\x1b`, `\u{202e}`.
//!
//! Both run on the text a renderer is about to print (messages, labels,
//! help, file names, snippet lines), so no check has to remember them.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use crate::scan::detectors::Detectors;
use crate::scan::fingerprint;

/// The fingerprints of every inventory read in this process.
static INVENTORIED: RwLock<Vec<([u8; 32], Arc<fingerprint::Set>)>> = RwLock::new(Vec::new());

/// Adds an inventory's fingerprints: from now on, text holding one of its
/// secrets' values is redacted wherever it is printed.
pub fn register(set: fingerprint::Set) {
    if set.is_empty() {
        return;
    }
    // The same inventory read again (a long-lived process, a test harness
    // running thousands of checks) adds nothing: every redaction consults
    // every set registered.
    let digest = set.digest();
    if let Ok(mut v) = INVENTORIED.write()
        && !v.iter().any(|(d, _)| *d == digest)
    {
        v.push((digest, Arc::new(set)));
    }
}

/// The characters of a value that stay visible: up to 4.
pub const VISIBLE: usize = 4;

/// Byte ranges of the secret values in `text` (detector matches and
/// inventoried values), sorted by start; possibly overlapping.
pub fn ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Detectors::get()
        .find_shaped(text)
        .iter()
        .map(|m| (m.start, m.end))
        .collect();
    let sets: Vec<Arc<fingerprint::Set>> = match INVENTORIED.read() {
        Ok(v) => v.iter().map(|(_, s)| s.clone()).collect(),
        Err(_) => Vec::new(),
    };
    for set in sets {
        out.extend(set.find(text).into_iter().map(|(s, e, _)| (s, e)));
    }
    out.sort_unstable();
    out
}

/// Where the masked part of `text[start..end]` begins: after its first
/// [`VISIBLE`] characters.
pub fn keep_until(text: &str, start: usize, end: usize) -> usize {
    text.get(start..end)
        .and_then(|v| v.char_indices().nth(VISIBLE))
        .map_or(end, |(i, _)| start + i)
}

/// Byte ranges to mask (each value after its visible head), merged.
pub fn masks(text: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges(text) {
        let k = keep_until(text, s, e);
        if k >= e {
            continue;
        }
        match out.last_mut() {
            Some(last) if k <= last.1 => last.1 = last.1.max(e),
            _ => out.push((k, e)),
        }
    }
    out
}

/// `text` with every secret value masked after its first 4 characters.
pub fn secrets(text: &str) -> Cow<'_, str> {
    let m = masks(text);
    if m.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in m {
        if s < at {
            continue;
        }
        out.push_str(&text[at..s]);
        out.extend(text[s..e].chars().map(|c| if c == '\n' { c } else { '*' }));
        at = e;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// A character a terminal (or a log viewer) would act on rather than show:
/// C0 and C1 controls except tab, DEL, and the Unicode format characters
/// that reorder or hide text (bidi overrides, zero-width characters).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// The visible form of an unsafe character: `\x1b`, `\u{202e}`.
pub fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    let n = c as u32;
    if n < 0x100 {
        let _ = write!(out, "\\x{n:02x}");
    } else {
        let _ = write!(out, "\\u{{{n:x}}}");
    }
}

/// `text` with every unsafe character escaped (newlines too: one line in,
/// one line out).
pub fn controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text from a repository, ready for a terminal: secrets masked, controls
/// escaped.
pub fn display(text: &str) -> String {
    controls(&secrets(text)).into_owned()
}

/// Like [`display`], for text keyledger composed that may hold newlines of
/// its own (help paragraphs): each line is made safe, the newlines stay.
pub fn display_lines(text: &str) -> String {
    let masked = secrets(text);
    masked
        .split('\n')
        .map(|l| controls(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_masked_and_controls_escaped() {
        let t = "cadence: ghp_x1Y2z3A4b5C6d7E8f9G0h1I2j3K4l5M6n7O8 \u{1b}]8;;x\u{7}";
        let d = display(t);
        assert!(!d.contains("x1Y2z3A4b5C6"), "{d}");
        assert!(d.contains("ghp_****"), "{d}");
        assert!(d.contains("\\x1b]8;;x\\x07"), "{d}");
        assert_eq!(
            controls("a\r\nb\u{8}\u{202e}"),
            "a\\x0d\\x0ab\\x08\\u{202e}"
        );
        assert_eq!(controls("plain\ttext é"), "plain\ttext é");
    }

    #[test]
    fn inventoried_values_are_masked_once_registered() {
        let value = "correct-horse-battery-staple-9731";
        let fp = fingerprint::make(&[7; 8], value);
        let mut set = fingerprint::Set::default();
        assert!(set.add(&fp, "DB_PASSWORD"));
        register(set);
        let d = display(&format!("owner: {value}"));
        assert!(!d.contains("horse"), "{d}");
        assert!(d.starts_with("owner: corr****"), "{d}");
    }
}
