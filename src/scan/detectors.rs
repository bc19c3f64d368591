//! Credential detectors as data (`detectors.toml`, embedded): an
//! ASCII-case-insensitive Aho-Corasick pass over every detector's keywords
//! decides which regexes run at all; each regex is compiled the first time
//! its keyword appears, so a clean commit pays for none of them.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::Regex;
use serde::Deserialize;

pub const DETECTORS_TOML: &str = include_str!("detectors.toml");

#[derive(Debug, Deserialize)]
pub struct File {
    #[serde(default)]
    pub known_examples: Vec<String>,
    #[serde(rename = "rule")]
    pub rules: Vec<Detector>,
}

#[derive(Debug, Deserialize)]
pub struct Detector {
    pub id: String,
    pub name: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub pattern: String,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative: Vec<String>,
    /// The pattern spans many lines (a PEM block): its regex runs over the
    /// whole scanned region once a keyword is seen, not only around the
    /// keyword's line.
    #[serde(default)]
    pub multiline: bool,
    /// For a `multiline` detector: a case-sensitive literal on the first
    /// lines of every match.
    #[serde(default)]
    pub anchor: Option<String>,
    #[serde(skip)]
    compiled: OnceLock<Option<Regex>>,
}

impl Detector {
    /// The compiled regex; `None` only if the embedded pattern is broken,
    /// which the test suite rules out.
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.pattern)
                    .size_limit(1 << 24)
                    .dfa_size_limit(1 << 19)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// A match of a detector: the secret's byte range in the text.
#[derive(Debug, Clone)]
pub struct Match<'d> {
    pub detector: &'d Detector,
    /// The detector's place in the file: matches come in this order.
    pub rank: usize,
    pub start: usize,
    pub end: usize,
}

pub struct Detectors {
    pub rules: Vec<Detector>,
    known: HashSet<String>,
    prefilter: AhoCorasick,
    /// Keyword pattern index → detector index.
    owner: Vec<usize>,
    /// Distinct anchors of the multiline detectors, with their detectors.
    anchors: Vec<(memchr::memmem::Finder<'static>, Vec<usize>)>,
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    let mut n = 0usize;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Values that stand for a secret without being one.
pub fn is_placeholder(v: &str) -> bool {
    let t = v.trim().trim_matches(|c| c == '"' || c == '\'' || c == '`');
    let l = t.to_ascii_lowercase();
    if t.is_empty()
        || t.starts_with("${")
        || t.starts_with("$(")
        || t.starts_with("{{")
        || t.starts_with("%(")
        || (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with('[') && t.ends_with(']'))
        || (t.starts_with('$')
            && t[1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return true;
    }
    const WORDS: &[&str] = &[
        "changeme",
        "change-me",
        "change_me",
        "changeit",
        "placeholder",
        "example",
        "secret",
        "password",
        "redacted",
        "todo",
        "tbd",
        "none",
        "null",
        "nil",
        "undefined",
        "dummy",
        "fake",
        "test",
        "sample",
        "xxx",
        "replace-me",
        "replaceme",
        "notasecret",
        "not-a-secret",
    ];
    if WORDS.contains(&l.as_str()) {
        return true;
    }
    if l.starts_with("your-")
        || l.starts_with("your_")
        || l.starts_with("<your")
        || l.starts_with("insert")
        || l.starts_with("replace")
    {
        return true;
    }
    // xxxx, ****, ...., 0000
    let first = t.chars().next().unwrap_or(' ');
    if t.len() >= 3 && t.chars().all(|c| c == first) {
        return true;
    }
    l.contains("xxxx") || l.contains("****") || l.contains("changeme") || l.contains("example")
}

impl Detectors {
    pub fn load() -> Result<Detectors, String> {
        let file: File =
            toml::from_str(DETECTORS_TOML).map_err(|e| format!("detectors.toml: {e}"))?;
        let mut keywords = Vec::new();
        let mut owner = Vec::new();
        for (i, r) in file.rules.iter().enumerate() {
            for k in &r.keywords {
                keywords.push(k.as_bytes().to_vec());
                owner.push(i);
            }
        }
        let prefilter = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // A DFA: overlapping search (every keyword of every rule) on a
            // DFA is several times faster than on the default NFA.
            .kind(Some(AhoCorasickKind::DFA))
            .build(&keywords)
            .map_err(|e| format!("detector keywords: {e}"))?;
        let mut anchors: Vec<(memchr::memmem::Finder<'static>, Vec<usize>)> = Vec::new();
        for (i, r) in file.rules.iter().enumerate() {
            match (&r.anchor, r.multiline) {
                (Some(a), true) => {
                    match anchors.iter_mut().find(|(f, _)| f.needle() == a.as_bytes()) {
                        Some((_, rules)) => rules.push(i),
                        None => anchors.push((
                            memchr::memmem::Finder::new(a.as_bytes()).into_owned(),
                            vec![i],
                        )),
                    }
                }
                (None, false) => {}
                _ => return Err(format!("{}: `anchor` goes with `multiline`", r.id)),
            }
        }
        Ok(Detectors {
            rules: file.rules,
            known: file.known_examples.into_iter().collect(),
            prefilter,
            owner,
            anchors,
        })
    }

    pub fn get() -> &'static Detectors {
        static D: OnceLock<Detectors> = OnceLock::new();
        D.get_or_init(|| {
            // The file is embedded and validated by the test suite.
            #[allow(clippy::expect_used)]
            Detectors::load().expect("embedded detectors.toml is valid")
        })
    }

    pub fn is_known_example(&self, v: &str) -> bool {
        self.known.contains(v)
    }

    /// Credentials in `text`.
    pub fn find<'d>(&'d self, text: &str) -> Vec<Match<'d>> {
        self.find_in(text, std::slice::from_ref(&(0..text.len())))
    }

    /// Credentials that start inside `regions` (byte ranges of `text` that
    /// begin and end on line boundaries); the text around them is context.
    ///
    /// The keyword pass sees every byte of the regions once. A detector's
    /// regex then runs only on the lines around its keywords (the line
    /// before, the keyword's line, the line after), because its match holds
    /// the keyword; a `multiline` detector's regex runs on the whole region.
    pub fn find_in<'d>(&'d self, text: &str, regions: &[Range<usize>]) -> Vec<Match<'d>> {
        self.search(text, regions, true)
    }

    /// Every match of every pattern in `text`, without the entropy,
    /// placeholder and known-example filters: what redaction masks
    /// (`crate::redact`). A low-entropy token is still a token to hide, and
    /// masking too much is harmless.
    pub fn find_shaped<'d>(&'d self, text: &str) -> Vec<Match<'d>> {
        self.search(text, std::slice::from_ref(&(0..text.len())), false)
    }

    fn search<'d>(
        &'d self,
        text: &str,
        regions: &[Range<usize>],
        filtered: bool,
    ) -> Vec<Match<'d>> {
        let b = text.as_bytes();
        let partial = !(regions.len() == 1 && regions[0] == (0..text.len()));
        // Per detector: the ranges its regex runs on, ascending, disjoint.
        let mut spans: Vec<Vec<Range<usize>>> = Vec::new();
        for r in regions {
            let input = aho_corasick::Input::new(b).range(r.clone());
            // The keyword's line and the lines around it, for the last
            // keyword: the next one is often on the same line, and finding
            // a long line's ends again for each keyword on it would cost
            // the line's length each time.
            let mut last_line: Option<(Range<usize>, Range<usize>)> = None;
            for m in self.prefilter.find_overlapping_iter(input) {
                let i = self.owner[m.pattern().as_usize()];
                if partial && self.rules[i].multiline {
                    continue;
                }
                if spans.is_empty() {
                    spans.resize_with(self.rules.len(), Vec::new);
                }
                let span = if self.rules[i].multiline {
                    r.clone()
                } else {
                    match &last_line {
                        Some((line, around)) if line.start <= m.start() && m.end() <= line.end => {
                            around.clone()
                        }
                        _ => {
                            let (line, around) = keyword_lines(b, m.start(), m.end(), r);
                            last_line = Some((line, around.clone()));
                            around
                        }
                    }
                };
                let v = &mut spans[i];
                match v.last_mut() {
                    Some(last) if span.start <= last.end => {
                        last.start = last.start.min(span.start);
                        last.end = last.end.max(span.end);
                    }
                    _ => v.push(span),
                }
            }
        }
        let mut out = Vec::new();
        if partial {
            self.multiline_blocks(text, regions, &mut out);
        }
        let blocks = out.len();
        for (rank, (d, spans)) in self.rules.iter().zip(&spans).enumerate() {
            if spans.is_empty() {
                continue;
            }
            let Some(re) = d.regex() else { continue };
            for sp in spans {
                // The haystack ends with the span; what precedes it is
                // context for `\b` and `^`.
                let Some(hay) = text.get(..sp.end) else {
                    continue;
                };
                let mut at = sp.start;
                while at < sp.end {
                    let Some(caps) = re.captures_at(hay, at) else {
                        break;
                    };
                    let Some(whole) = caps.get(0) else { break };
                    at = if whole.end() > at {
                        whole.end()
                    } else {
                        at + 1
                    };
                    while at < hay.len() && !hay.is_char_boundary(at) {
                        at += 1;
                    }
                    let Some(m) = secret_of(&caps) else { continue };
                    if !filtered || self.accepts(d, m.as_str()) {
                        out.push(Match {
                            detector: d,
                            rank,
                            start: m.start(),
                            end: m.end(),
                        });
                    }
                }
            }
        }
        // Detector order, then position: the order a whole-file scan gives.
        if blocks > 0 {
            out.sort_by_key(|m| (m.rank, m.start));
        }
        out
    }

    fn accepts(&self, d: &Detector, value: &str) -> bool {
        !self.known.contains(value)
            && !is_placeholder(value)
            && !d.entropy.is_some_and(|floor| entropy(value) < floor)
    }

    /// Multiline blocks (PEM keys) that overlap `regions`, found from their
    /// anchors anywhere in `text`: a commit that changes a line inside a
    /// key block changes the key.
    fn multiline_blocks<'d>(
        &'d self,
        text: &str,
        regions: &[Range<usize>],
        out: &mut Vec<Match<'d>>,
    ) {
        /// The longest multiline match the detectors allow, and then some.
        const MAX_BLOCK: usize = 48 * 1024;
        let b = text.as_bytes();
        let whole = 0..b.len();
        // Every block, as a whole-file scan finds them: then the ones that
        // overlap `regions`.
        let mut blocks: Vec<(usize, Range<usize>, Range<usize>)> = Vec::new();
        for (finder, rules) in &self.anchors {
            for at in finder.find_iter(b) {
                // The match starts on the anchor's line or the line before.
                let (_, lines) = keyword_lines(b, at, at, &whole);
                let Some(hay) = text.get(..b.len().min(lines.start + MAX_BLOCK)) else {
                    continue;
                };
                for &i in rules {
                    let d = &self.rules[i];
                    let Some(re) = d.regex() else { continue };
                    let Some(caps) = re.captures_at(hay, lines.start) else {
                        continue;
                    };
                    let (Some(all), Some(m)) = (caps.get(0), secret_of(&caps)) else {
                        continue;
                    };
                    if all.start() < lines.end
                        && !blocks
                            .iter()
                            .any(|(j, _, v)| *j == i && v.start == m.start())
                        && self.accepts(d, m.as_str())
                    {
                        blocks.push((i, all.range(), m.range()));
                    }
                }
            }
        }
        // As in a whole-file scan, an earlier detector's block wins over a
        // later one's that overlaps it.
        blocks.sort_by_key(|(i, _, v)| (*i, v.start));
        let mut kept: Vec<Range<usize>> = Vec::new();
        for (i, all, v) in blocks {
            if kept.iter().any(|k| k.start < v.end && v.start < k.end) {
                continue;
            }
            kept.push(v.clone());
            if regions
                .iter()
                .any(|r| r.start < all.end && all.start < r.end)
            {
                out.push(Match {
                    detector: &self.rules[i],
                    rank: i,
                    start: v.start,
                    end: v.end,
                });
            }
        }
    }
}

/// The secret in a match: group `secret`, else group 1, else the whole
/// match.
fn secret_of<'h>(caps: &regex::Captures<'h>) -> Option<regex::Match<'h>> {
    caps.name("secret")
        .or_else(|| caps.get(1))
        .or_else(|| caps.get(0))
}

/// For a keyword at `s..e` within `region`: its line(s), and the lines
/// around them (the line before through the line after).
fn keyword_lines(
    b: &[u8],
    s: usize,
    e: usize,
    region: &Range<usize>,
) -> (Range<usize>, Range<usize>) {
    let line_start = |at: usize| {
        memchr::memrchr(b'\n', &b[region.start..at]).map_or(region.start, |i| region.start + i + 1)
    };
    let line_end =
        |at: usize| memchr::memchr(b'\n', &b[at..region.end]).map_or(region.end, |i| at + i + 1);
    let first = line_start(s);
    let start = if first > region.start {
        line_start(first - 1)
    } else {
        first
    };
    let last = line_end(e);
    let end = if last < region.end {
        line_end(last)
    } else {
        last
    };
    (first..last, start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference semantics: a detector's regex over the whole text once
    /// any of its keywords occurs anywhere.
    fn find_ungated<'d>(ds: &'d Detectors, text: &str) -> Vec<(&'d str, usize, usize)> {
        let mut hit = vec![false; ds.rules.len()];
        for m in ds.prefilter.find_overlapping_iter(text.as_bytes()) {
            hit[ds.owner[m.pattern().as_usize()]] = true;
        }
        let mut out = Vec::new();
        for (d, _) in ds.rules.iter().zip(&hit).filter(|(_, h)| **h) {
            let Some(re) = d.regex() else { continue };
            for caps in re.captures_iter(text) {
                let Some(m) = secret_of(&caps) else { continue };
                if ds.accepts(d, m.as_str()) {
                    out.push((d.id.as_str(), m.start(), m.end()));
                }
            }
        }
        out.sort();
        out
    }

    fn gated<'d>(ds: &'d Detectors, text: &str) -> Vec<(&'d str, usize, usize)> {
        let mut v: Vec<_> = ds
            .find(text)
            .into_iter()
            .map(|m| (m.detector.id.as_str(), m.start, m.end))
            .collect();
        v.sort();
        v
    }

    /// Running regexes only around keyword lines finds what running them on
    /// whole files finds: on every example and every text file under
    /// `fixtures/`.
    #[test]
    fn keyword_line_gating_loses_nothing() {
        let ds = Detectors::get();
        let mut texts: Vec<(String, String)> = Vec::new();
        for d in &ds.rules {
            for (i, ex) in d.examples.iter().chain(&d.negative).enumerate() {
                texts.push((format!("{} example {i}", d.id), ex.clone()));
            }
        }
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if let Ok(t) = std::fs::read_to_string(&p) {
                    texts.push((p.display().to_string(), t));
                }
            }
        }
        assert!(texts.len() > 300, "{}", texts.len());
        let mut found = 0;
        for (name, t) in &texts {
            let want = find_ungated(ds, t);
            found += want.len();
            assert_eq!(gated(ds, t), want, "{name}");
        }
        assert!(found > 100, "only {found} matches to compare");
    }

    #[test]
    fn regions_limit_where_matches_start() {
        let ds = Detectors::get();
        let line = "token = \"ghp_Zk3f9QpL2xW8vR1tY6uN0mB4cJ7hA5sD2eF9\"\n";
        let text = format!("{line}// unchanged\n{line}");
        let pat = |v: Vec<Match<'_>>| -> Vec<usize> {
            v.into_iter()
                .filter(|m| m.detector.id == "github-pat-classic")
                .map(|m| m.start)
                .collect()
        };
        assert_eq!(pat(ds.find(&text)).len(), 2);
        let second = text.len() - line.len()..text.len();
        let found = pat(ds.find_in(&text, std::slice::from_ref(&second)));
        assert_eq!(found.len(), 1);
        assert!(found[0] >= second.start);
        assert!(ds.find_in(&text, &[]).is_empty());
    }

    #[test]
    fn every_detector_compiles_and_its_examples_behave() {
        let ds = Detectors::load().unwrap();
        assert!(ds.rules.len() >= 60, "only {} detectors", ds.rules.len());
        let mut ids = HashSet::new();
        for d in &ds.rules {
            assert!(ids.insert(d.id.as_str()), "duplicate detector id {}", d.id);
            assert!(d.regex().is_some(), "{}: pattern does not compile", d.id);
            assert!(!d.description.is_empty() && !d.name.is_empty(), "{}", d.id);
            assert!(
                d.examples.len() >= 2 && d.negative.len() >= 2,
                "{}: needs examples",
                d.id
            );
            for ex in &d.examples {
                let found = ds.find(ex);
                assert!(
                    found.iter().any(|m| m.detector.id == d.id),
                    "{}: example not detected: {ex:?}",
                    d.id
                );
                for m in found.iter().filter(|m| m.detector.id == d.id) {
                    let text = &ex[m.start..m.end].to_ascii_lowercase();
                    let whole = ex.to_ascii_lowercase();
                    assert!(
                        d.keywords.iter().any(|k| whole.contains(k.as_str())),
                        "{}: match without keyword in {text}",
                        d.id
                    );
                }
            }
            for neg in &d.negative {
                let found = ds.find(neg);
                assert!(
                    !found.iter().any(|m| m.detector.id == d.id),
                    "{}: negative example detected: {neg:?}",
                    d.id
                );
            }
        }
    }

    #[test]
    fn placeholders() {
        for p in [
            "changeme",
            "${DB_PASSWORD}",
            "<your-token>",
            "xxxxxxxx",
            "",
            "your-api-key",
            "$SECRET",
            "{{ .Values.key }}",
            "********",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for s in ["hunter2-but-longer-8f3k", "sk_live_51H8a9dke02"] {
            assert!(!is_placeholder(s), "{s}");
        }
    }

    #[test]
    fn entropy_floor() {
        assert!(entropy("aaaaaaaa") < 0.1);
        assert!(entropy("8f3kQ9zL1xPw") > 3.0);
    }
}
