//! Credential detectors as data (`detectors.toml`, embedded): an
//! ASCII-case-insensitive Aho-Corasick pass over every detector's keywords
//! decides which regexes run at all; each regex is compiled the first time
//! its keyword appears, so a clean commit pays for none of them.

use std::collections::HashSet;
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
    pub start: usize,
    pub end: usize,
}

pub struct Detectors {
    pub rules: Vec<Detector>,
    known: HashSet<String>,
    prefilter: AhoCorasick,
    /// Keyword pattern index → detector index.
    owner: Vec<usize>,
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
        Ok(Detectors {
            rules: file.rules,
            known: file.known_examples.into_iter().collect(),
            prefilter,
            owner,
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

    /// Every reported match in `text`.
    pub fn find<'d>(&'d self, text: &str) -> Vec<Match<'d>> {
        let mut hit = vec![false; self.rules.len()];
        let mut any = false;
        for m in self.prefilter.find_overlapping_iter(text.as_bytes()) {
            let i = self.owner[m.pattern().as_usize()];
            if !hit[i] {
                hit[i] = true;
                any = true;
            }
        }
        let mut out = Vec::new();
        if !any {
            return out;
        }
        for (i, d) in self.rules.iter().enumerate().filter(|(i, _)| hit[*i]) {
            let _ = i;
            let Some(re) = d.regex() else { continue };
            for caps in re.captures_iter(text) {
                let Some(m) = caps
                    .name("secret")
                    .or_else(|| caps.get(1))
                    .or_else(|| caps.get(0))
                else {
                    continue;
                };
                let value = m.as_str();
                if self.known.contains(value) || is_placeholder(value) {
                    continue;
                }
                if d.entropy.is_some_and(|floor| entropy(value) < floor) {
                    continue;
                }
                out.push(Match {
                    detector: d,
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
