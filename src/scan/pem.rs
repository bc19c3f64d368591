//! Private-key blocks (PEM armour, SSH2, PuTTY) found in linear time.
//!
//! A regex with a bounded body (`BEGIN(...){64,8192}?END`) is retried from
//! every BEGIN line, so a file of BEGIN lines without an END costs
//! O(lines × bound): 8 MB of `-----BEGIN RSA PRIVATE KEY-----` took
//! 26.6 s. Here every BEGIN marker is found once (one Aho-Corasick pass),
//! and a block's END is looked for only up to the next BEGIN marker (or
//! the detector's `max_body`), so each byte of the file is read a bounded
//! number of times whatever it holds.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// One block-shaped detector, as the engine sees it.
pub struct Spec {
    /// The detector's index in the detector list.
    pub detector: usize,
    pub begin: String,
    pub end: String,
    pub max_body: usize,
    pub putty: bool,
}

/// A block: the whole armour and the secret inside it (the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Index into the `Spec` list.
    pub spec: usize,
    pub all: Range<usize>,
    pub body: Range<usize>,
}

pub struct Finder {
    specs: Vec<Spec>,
    /// Distinct BEGIN markers.
    begins: AhoCorasick,
    /// Marker index → the specs that open with it, in detector order.
    owners: Vec<Vec<usize>>,
}

impl Finder {
    pub fn new(specs: Vec<Spec>) -> Result<Finder, String> {
        let mut markers: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            if s.begin.is_empty() || (!s.putty && s.end.is_empty()) {
                return Err(format!("block detector {}: empty marker", s.detector));
            }
            match markers.iter().position(|m| *m == s.begin) {
                Some(j) => owners[j].push(i),
                None => {
                    markers.push(s.begin.clone());
                    owners.push(vec![i]);
                }
            }
        }
        let begins = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&markers)
            .map_err(|e| format!("block markers: {e}"))?;
        Ok(Finder {
            specs,
            begins,
            owners,
        })
    }

    pub fn specs(&self) -> &[Spec] {
        &self.specs
    }

    /// Every block in `text`, in order. `accept(spec, body range)` decides
    /// whether a candidate body is a key (entropy, placeholders); the first
    /// spec of a marker whose END closes the block and whose body is
    /// accepted wins. `open_ended`: a block with no END (cut, or broken by
    /// other text) runs to the next BEGIN marker or its `max_body` (what
    /// redaction masks: a key's lines are hidden even when it is cut).
    pub fn blocks(
        &self,
        text: &str,
        open_ended: bool,
        mut accept: impl FnMut(usize, Range<usize>) -> bool,
    ) -> Vec<Block> {
        let b = text.as_bytes();
        let marks: Vec<(usize, usize, usize)> = self
            .begins
            .find_iter(b)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        let mut out = Vec::new();
        for (k, &(start, after, marker)) in marks.iter().enumerate() {
            // The block cannot run past the next BEGIN marker.
            let limit = marks.get(k + 1).map_or(b.len(), |m| m.0);
            for &si in &self.owners[marker] {
                let s = &self.specs[si];
                let mut window_end = limit.min(after.saturating_add(s.max_body));
                while window_end > after && !text.is_char_boundary(window_end) {
                    window_end -= 1;
                }
                let Some(window) = text.get(after..window_end) else {
                    continue;
                };
                let found = if s.putty && open_ended {
                    // Its `Private-Lines` may lie past text that cut the
                    // file: everything up to the next marker is masked.
                    Some((after..after + window.len(), after + window.len()))
                } else if s.putty {
                    putty_body(window)
                        .map(|(body, end)| (after + body.start..after + body.end, after + end))
                } else {
                    memchr::memmem::find(window.as_bytes(), s.end.as_bytes())
                        .map(|at| (after..after + at, after + at + s.end.len()))
                };
                let found = found.or_else(|| {
                    open_ended.then(|| (after..after + window.len(), after + window.len()))
                });
                let Some((body, end)) = found else { continue };
                let body = trim_range(text, body);
                if accept(si, body.clone()) {
                    out.push(Block {
                        spec: si,
                        all: start..end,
                        body,
                    });
                    break;
                }
            }
        }
        out
    }
}

/// The body without the blank space (and literal `\n` escapes) at its ends.
fn trim_range(text: &str, r: Range<usize>) -> Range<usize> {
    let b = text.as_bytes();
    let (mut s, mut e) = (r.start, r.end);
    loop {
        if s < e && b[s].is_ascii_whitespace() {
            s += 1;
        } else if s + 1 < e && b[s] == b'\\' && matches!(b[s + 1], b'n' | b'r') {
            s += 2;
        } else {
            break;
        }
    }
    loop {
        if e > s && b[e - 1].is_ascii_whitespace() {
            e -= 1;
        } else if e >= s + 2 && b[e - 2] == b'\\' && matches!(b[e - 1], b'n' | b'r') {
            e -= 2;
        } else {
            break;
        }
    }
    s..e
}

/// The private part of a PuTTY key file that starts after its
/// `PuTTY-User-Key-File-N` marker: the `Private-Lines: N` lines. Returns
/// the body and the end of the block, relative to `window`.
fn putty_body(window: &str) -> Option<(Range<usize>, usize)> {
    const HEAD: &str = "Private-Lines:";
    let at = memchr::memmem::find(window.as_bytes(), HEAD.as_bytes())?;
    let rest = &window[at + HEAD.len()..];
    let nl = rest.find('\n')?;
    let count: usize = rest[..nl].trim().parse().ok()?;
    if count == 0 || count > 200 {
        return None;
    }
    let body_start = at + HEAD.len() + nl + 1;
    let mut end = body_start;
    for _ in 0..count {
        let line_end = window[end..]
            .find('\n')
            .map_or(window.len(), |i| end + i + 1);
        if line_end == end {
            return None;
        }
        end = line_end;
    }
    Some((body_start..end, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder() -> Finder {
        Finder::new(vec![
            Spec {
                detector: 0,
                begin: "-----BEGIN RSA PRIVATE KEY-----".into(),
                end: "-----END RSA PRIVATE KEY-----".into(),
                max_body: 8192,
                putty: false,
            },
            Spec {
                detector: 1,
                begin: "PuTTY-User-Key-File-".into(),
                end: String::new(),
                max_body: 16384,
                putty: true,
            },
        ])
        .unwrap()
    }

    #[test]
    fn a_block_ends_at_its_end_marker_and_not_past_the_next_begin() {
        let f = finder();
        let text = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----BEGIN RSA PRIVATE KEY-----\nBBBB\n-----END RSA PRIVATE KEY-----\n";
        let blocks = f.blocks(text, false, |_, _| true);
        assert_eq!(blocks.len(), 1);
        assert_eq!(&text[blocks[0].body.clone()], "BBBB");
        // Open-ended (redaction): the cut block's lines count too, up to
        // the next BEGIN.
        let blocks = f.blocks(text, true, |_, _| true);
        assert_eq!(blocks.len(), 2);
        assert_eq!(&text[blocks[0].body.clone()], "AAAA");
        assert_eq!(&text[blocks[1].body.clone()], "BBBB");
    }

    #[test]
    fn putty_private_lines() {
        let f = finder();
        let text = "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nPublic-Lines: 1\nAAAA\nPrivate-Lines: 2\nQUJD\nREVG\nPrivate-MAC: 00\n";
        let blocks = f.blocks(text, false, |_, _| true);
        assert_eq!(blocks.len(), 1);
        assert_eq!(&text[blocks[0].body.clone()], "QUJD\nREVG");
    }
}
