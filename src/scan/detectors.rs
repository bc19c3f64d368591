//! Credential detectors as data (`detectors.toml`, embedded): an
//! ASCII-case-insensitive Aho-Corasick pass over every detector's keywords
//! decides which regexes run at all; each regex is compiled the first time
//! its keyword appears, so a clean commit pays for none of them.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::Regex;
use serde::Deserialize;

use super::generic;
use super::pem;
use crate::finding::Severity;

pub const DETECTORS_TOML: &str = include_str!("detectors.toml");

/// The longest keyword prefix the prefilter looks for: a keyword's first 8
/// bytes find it as well as the whole keyword, and a smaller automaton is a
/// faster one.
const MAX_KEYWORD: usize = 8;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Exact values that are documented samples, never credentials.
    #[serde(default)]
    pub known_examples: Vec<String>,
    #[serde(default)]
    pub allow: GlobalAllow,
    /// The generic detector's word lists.
    #[serde(default)]
    pub words: generic::Words,
    #[serde(rename = "rule")]
    pub rules: Vec<Detector>,
}

/// Exceptions that hold for every detector.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalAllow {
    /// Files no detector reads (lock files, source maps): globs.
    #[serde(default)]
    pub skip_files: Vec<String>,
    /// Documentation: findings that rest on context, or whose value is
    /// made up, are notes there.
    #[serde(default)]
    pub docs_paths: Vec<String>,
    /// Templates of configuration (`.env.example`): every finding is a
    /// note there.
    #[serde(default)]
    pub example_paths: Vec<String>,
    /// Whole values (any case) that stand for a secret.
    #[serde(default)]
    pub placeholder_words: Vec<String>,
    /// Lowercase substrings that make a value a placeholder.
    #[serde(default)]
    pub placeholder_contains: Vec<String>,
    /// Lowercase prefixes that make a value a placeholder.
    #[serde(default)]
    pub placeholder_prefixes: Vec<String>,
    /// Values public by design (publishable keys): never findings.
    #[serde(default)]
    pub public_prefixes: Vec<String>,
    /// Values that are secrets of a test mode: notes.
    #[serde(default)]
    pub note_prefixes: Vec<String>,
}

/// How a detector finds its candidates.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// `pattern` on the lines around each keyword.
    #[default]
    Regex,
    /// `begin` … `end` blocks (PEM armour, PuTTY files), found in linear
    /// time; the body is the secret.
    Block,
    /// The scored generic assignment detector (`generic.rs`), on keyword
    /// lines.
    Generic,
}

/// How a candidate value is weighed after it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Score {
    /// A password slot (connection strings, netrc, `-p`): human-chosen
    /// values count; trivial ones (`postgres`, `admin`) are notes.
    Password,
    /// The password of a URL's userinfo (group `secret`, host in group
    /// `host`): like `password`, and a trivial password for a local or
    /// example host is a note.
    Url,
    /// Base64 of `user:password` (`Authorization: Basic`, Docker `auth`,
    /// npm `_auth`): decoded, then weighed as a password.
    Basic,
    /// A bearer token or header value: only random values count.
    Random,
    /// A password that may be base64-encoded (`_password=`, FileZilla
    /// `<Pass encoding="base64">`): decoded when it decodes to text, then
    /// weighed as a password.
    EncodedPassword,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    /// Exact values that are not findings.
    #[serde(default)]
    pub values: Vec<String>,
    /// Lowercase substrings of the value that make it not a finding.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Lowercase substrings of the match's line that make it not a
    /// finding (`integrity`, `checksum`).
    #[serde(default)]
    pub line_stopwords: Vec<String>,
    /// Lowercase substrings of the match's line that make it a note
    /// (client-exposed names: `NEXT_PUBLIC_`).
    #[serde(default)]
    pub line_notes: Vec<String>,
    /// Lowercase words in the `context_lines` lines above the match (or on
    /// its line) that make it not a finding (`algolia`).
    #[serde(default)]
    pub context_stopwords: Vec<String>,
    /// Lowercase words in the `context_lines` lines above the match (or on
    /// its line) that make it a note (`firebase` web config).
    #[serde(default)]
    pub note_context: Vec<String>,
    /// Lowercase words one of which must be in the `context_lines` lines
    /// above the match (or on its line) for it to count.
    #[serde(default)]
    pub require_context: Vec<String>,
    #[serde(default)]
    pub context_lines: usize,
    /// Globs of paths this detector does not read.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Globs of paths that are the only ones this detector reads.
    #[serde(default)]
    pub only_paths: Vec<String>,
    /// Globs of paths where this detector's findings are notes.
    #[serde(default)]
    pub note_paths: Vec<String>,
    /// Value prefixes that are public by design: not findings.
    #[serde(default)]
    pub public_prefixes: Vec<String>,
    /// Value prefixes that make a finding a note (test-mode keys).
    #[serde(default)]
    pub note_prefixes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detector {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The family the benchmark reports it under (`private-key`, `cloud`,
    /// `vendor`, `generic`, `connection`, `framework`, `password-hash`).
    pub family: String,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub engine: Engine,
    #[serde(default)]
    pub pattern: String,
    /// `block` engine: the opening and closing markers, and the longest
    /// body looked at.
    #[serde(default)]
    pub begin: String,
    #[serde(default)]
    pub end: String,
    #[serde(default = "default_max_body")]
    pub max_body: usize,
    /// `error` (default), `warning` or `note`: the severity of a finding
    /// that nothing weakens.
    #[serde(default)]
    pub severity: Option<String>,
    /// The rule id its findings carry (default `leaked-credential`).
    #[serde(default)]
    pub rule: Option<String>,
    /// The id of a `generic` detector whose keyword lines this detector
    /// reads instead of the whole file's: its keywords (vendor names) are
    /// looked for on those lines only, by a second small automaton, not by
    /// the prefilter over every byte. For patterns that need a secret-like
    /// name (`LINODE_TOKEN=...`), whose line always holds a generic keyword.
    #[serde(default)]
    pub within: Option<String>,
    #[serde(default)]
    pub score: Option<Score>,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub references: Vec<String>,
    /// Texts in which the detector reports an error (or its severity).
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts in which the detector reports a note.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Texts in which the detector reports nothing.
    #[serde(default)]
    pub negative: Vec<String>,
    /// The path the examples are scanned as (for path-bound detectors).
    #[serde(default)]
    pub example_path: Option<String>,
    #[serde(default)]
    pub allow: Allow,
    #[serde(skip)]
    compiled: OnceLock<Option<Regex>>,
    #[serde(skip)]
    pub(crate) sev: Option<Severity>,
}

fn default_max_body() -> usize {
    16 * 1024
}

impl Detector {
    /// The compiled regex; `None` for engines without one, or if the
    /// embedded pattern is broken, which the test suite rules out.
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                if self.pattern.is_empty() {
                    return None;
                }
                // Bytes, ASCII classes: `(?i)`, `\s`, `\b` and `[^\n]` are
                // ASCII-only and compile to small automata (Unicode classes
                // and Unicode case folding made compiling the detectors a
                // tenth of a tree scan). Matches are cut at char
                // boundaries by the caller.
                regex::bytes::RegexBuilder::new(&self.pattern)
                    .unicode(false)
                    .size_limit(1 << 24)
                    .dfa_size_limit(1 << 20)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The severity of a finding that nothing weakens.
    pub fn severity(&self) -> Severity {
        self.sev.unwrap_or(Severity::Error)
    }

    /// The rule id of its findings.
    pub fn rule_id(&self) -> &str {
        self.rule.as_deref().unwrap_or("leaked-credential")
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
    pub severity: Severity,
}

/// What a path glob in the detector file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathRule {
    Skip,
    Docs,
    Example,
    Off(usize),
    Only(usize),
    Note(usize),
}

/// What the detectors know about one file before reading it.
struct FileInfo {
    kind: generic::Kind,
    docs: bool,
    example: bool,
    /// Detector-specific path rules that matched.
    rules: Vec<PathRule>,
}

impl FileInfo {
    fn reads(&self, d: usize, only: bool) -> bool {
        !self.rules.contains(&PathRule::Off(d))
            && (!only || self.rules.contains(&PathRule::Only(d)))
    }
}

pub struct Detectors {
    pub rules: Vec<Detector>,
    known: HashSet<String>,
    allow: GlobalAllow,
    placeholder_words: HashSet<String>,
    pub(crate) words: generic::Lexicon,
    /// The ASCII keywords of every detector, each once.
    keywords: Keywords,
    /// Keyword pattern index → the detectors that have it.
    owner: Vec<Vec<usize>>,
    /// The keywords with non-ASCII letters (`пароль`, `密码`), in their own
    /// automaton that reads only text that is not ASCII: their bytes would
    /// double the size of the main automaton, and its speed is its size.
    unicode: Option<(AhoCorasick, Vec<Vec<usize>>)>,
    /// The keywords of `within` detectors, looked for on their host's
    /// lines, and the host's index.
    gated: Option<(AhoCorasick, Vec<Vec<usize>>, usize)>,
    /// Every path glob of the file, and what it does.
    globs: GlobSet,
    glob_rules: Vec<PathRule>,
    /// Detectors that read only the paths they name.
    only: Vec<bool>,
    blocks: pem::Finder,
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

/// Values that stand for a secret without being one: the placeholder
/// lexicon of `detectors.toml` (`[allow]`), templates (`${X}`, `{{ x }}`,
/// `%(x)s`, `<x>`, `$X`) and runs of one character (`xxxx`, `****`).
pub fn is_placeholder(v: &str) -> bool {
    Detectors::get().placeholder(v)
}

impl Detectors {
    pub fn load() -> Result<Detectors, String> {
        let mut file: File =
            toml::from_str(DETECTORS_TOML).map_err(|e| format!("detectors.toml: {e}"))?;
        let mut keywords: Vec<String> = Vec::new();
        let mut owner: Vec<Vec<usize>> = Vec::new();
        let mut uni_keywords: Vec<String> = Vec::new();
        let mut uni_owner: Vec<Vec<usize>> = Vec::new();
        let mut gated_keywords: Vec<String> = Vec::new();
        let mut gated_owner: Vec<Vec<usize>> = Vec::new();
        let host = file.rules.iter().position(|r| r.engine == Engine::Generic);
        let mut specs = Vec::new();
        for (i, r) in file.rules.iter_mut().enumerate() {
            if r.keywords.is_empty() && r.allow.only_paths.is_empty() {
                return Err(format!(
                    "{}: no keywords (only a path-bound detector may have none)",
                    r.id
                ));
            }
            for k in &r.keywords {
                if k.is_empty() || k.bytes().any(|b| b.is_ascii_uppercase()) {
                    return Err(format!("{}: keywords are lowercase and not empty", r.id));
                }
                // A keyword's first bytes find it as well as the whole
                // keyword (the pattern checks the rest), and keep the
                // automaton small: its speed is its size.
                let k = if k.is_ascii() && k.len() > MAX_KEYWORD {
                    &k[..MAX_KEYWORD]
                } else {
                    k.as_str()
                };
                let k = &k.to_string();
                let (list, owners) = if r.within.is_some() {
                    (&mut gated_keywords, &mut gated_owner)
                } else if k.is_ascii() {
                    (&mut keywords, &mut owner)
                } else {
                    (&mut uni_keywords, &mut uni_owner)
                };
                match list.iter().position(|x| x == k) {
                    Some(j) => owners[j].push(i),
                    None => {
                        list.push(k.clone());
                        owners.push(vec![i]);
                    }
                }
            }
            if r.within.is_some() && (r.engine != Engine::Regex || host.is_none_or(|h| h == i)) {
                return Err(format!(
                    "{}: `within` is for regex detectors inside the generic one",
                    r.id
                ));
            }
            r.sev = match &r.severity {
                None => None,
                Some(s) => Some(
                    Severity::parse(s).ok_or_else(|| format!("{}: unknown severity {s}", r.id))?,
                ),
            };
            match r.engine {
                Engine::Regex => {
                    if r.pattern.is_empty() || !r.begin.is_empty() {
                        return Err(format!(
                            "{}: a regex detector has a pattern and no begin",
                            r.id
                        ));
                    }
                }
                Engine::Block => {
                    if !r.pattern.is_empty() || r.begin.is_empty() {
                        return Err(format!(
                            "{}: a block detector has begin/end, no pattern",
                            r.id
                        ));
                    }
                    specs.push(pem::Spec {
                        detector: i,
                        begin: r.begin.clone(),
                        end: r.end.clone(),
                        max_body: r.max_body,
                        putty: r.end.is_empty(),
                    });
                }
                Engine::Generic => {
                    if !r.pattern.is_empty() {
                        return Err(format!("{}: the generic engine has no pattern", r.id));
                    }
                }
            }
        }
        let keywords = Keywords::new(keywords)?;
        let gated = match host {
            Some(h) if !gated_keywords.is_empty() => {
                if let Some(r) = file.rules.iter().find(|r| {
                    r.within.is_some() && r.within.as_deref() != Some(file.rules[h].id.as_str())
                }) {
                    return Err(format!("{}: `within` names the generic detector", r.id));
                }
                let ac = AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&gated_keywords)
                    .map_err(|e| format!("detector keywords: {e}"))?;
                Some((ac, gated_owner, h))
            }
            _ => None,
        };
        let unicode = if uni_keywords.is_empty() {
            None
        } else {
            // Leftmost-first, so that its search skips ahead with a
            // prefilter (the rare leading bytes) instead of stepping the
            // automaton over every byte.
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&uni_keywords)
                .map_err(|e| format!("detector keywords: {e}"))?;
            Some((ac, uni_owner))
        };
        let mut globs = GlobSetBuilder::new();
        let mut glob_rules = Vec::new();
        let mut add = |g: &str, rule: PathRule| -> Result<(), String> {
            let glob = Glob::new(g).map_err(|e| format!("detectors.toml: glob {g}: {e}"))?;
            globs.add(glob);
            glob_rules.push(rule);
            Ok(())
        };
        for g in &file.allow.skip_files {
            add(g, PathRule::Skip)?;
        }
        for g in &file.allow.docs_paths {
            add(g, PathRule::Docs)?;
        }
        for g in &file.allow.example_paths {
            add(g, PathRule::Example)?;
        }
        let mut only = Vec::new();
        for (i, r) in file.rules.iter().enumerate() {
            for g in &r.allow.paths {
                add(g, PathRule::Off(i))?;
            }
            for g in &r.allow.only_paths {
                add(g, PathRule::Only(i))?;
            }
            for g in &r.allow.note_paths {
                add(g, PathRule::Note(i))?;
            }
            only.push(!r.allow.only_paths.is_empty());
        }
        let globs = globs.build().map_err(|e| format!("detectors.toml: {e}"))?;
        let placeholder_words = file
            .allow
            .placeholder_words
            .iter()
            .map(|w| w.to_lowercase())
            .collect();
        Ok(Detectors {
            known: file.known_examples.iter().cloned().collect(),
            allow: file.allow,
            placeholder_words,
            words: file.words.build()?,
            rules: file.rules,
            keywords,
            owner,
            unicode,
            gated,
            globs,
            glob_rules,
            only,
            blocks: pem::Finder::new(specs)?,
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

    /// Whether no detector reads `path` (lock files, source maps).
    pub fn skips(&self, path: &str) -> bool {
        self.with_glob_matches(path, |m| {
            m.iter().any(|&i| self.glob_rules[i] == PathRule::Skip)
        })
    }

    /// The path globs `path` matches, remembered for the last path each
    /// thread asked about: a file is asked about several times (lock file?
    /// which detectors?), and a history scan asks about every version of a
    /// file in a row.
    fn with_glob_matches<R>(&self, path: &str, f: impl FnOnce(&[usize]) -> R) -> R {
        thread_local! {
            static LAST: std::cell::RefCell<(usize, String, Vec<usize>)> =
                const { std::cell::RefCell::new((0, String::new(), Vec::new())) };
        }
        let me = std::ptr::from_ref(self) as usize;
        LAST.with(|last| match last.try_borrow_mut() {
            Ok(mut last) => {
                if last.0 != me || last.1 != path {
                    last.0 = me;
                    last.1.clear();
                    last.1.push_str(path);
                    last.2 = self.globs.matches(path);
                }
                f(&last.2)
            }
            Err(_) => f(&self.globs.matches(path)),
        })
    }

    fn placeholder(&self, v: &str) -> bool {
        let t = v.trim().trim_matches(|c| c == '"' || c == '\'' || c == '`');
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
        let l = t.to_lowercase();
        if self.placeholder_words.contains(&l)
            || self
                .allow
                .placeholder_prefixes
                .iter()
                .any(|p| l.starts_with(p.as_str()))
            || self
                .allow
                .placeholder_contains
                .iter()
                .any(|p| l.contains(p.as_str()))
        {
            return true;
        }
        // xxxx, ****, ...., 0000
        let first = t.chars().next().unwrap_or(' ');
        t.chars().count() >= 3 && t.chars().all(|c| c == first)
    }

    fn file_info(&self, path: &str) -> FileInfo {
        let mut info = FileInfo {
            kind: generic::kind_of(path),
            docs: false,
            example: false,
            rules: Vec::new(),
        };
        if path.is_empty() || self.glob_rules.is_empty() {
            return info;
        }
        self.with_glob_matches(path, |m| {
            for &i in m {
                match self.glob_rules[i] {
                    PathRule::Docs => info.docs = true,
                    PathRule::Example => info.example = true,
                    r => info.rules.push(r),
                }
            }
        });
        info
    }

    /// Credentials in `text` (scanned as a file named `path`).
    pub fn find<'d>(&'d self, path: &str, text: &str) -> Vec<Match<'d>> {
        self.find_in(path, text, std::slice::from_ref(&(0..text.len())))
    }

    /// Credentials that start inside `regions` (byte ranges of `text` that
    /// begin and end on line boundaries); the text around them is context.
    ///
    /// The keyword pass sees every byte of the regions once. A detector's
    /// regex then runs only on the lines around its keywords (the line
    /// before, the keyword's line, the line after), because its match holds
    /// the keyword; the generic detector reads only the keyword's line;
    /// block detectors (private keys) find their blocks from their BEGIN
    /// markers in linear time.
    pub fn find_in<'d>(
        &'d self,
        path: &str,
        text: &str,
        regions: &[Range<usize>],
    ) -> Vec<Match<'d>> {
        self.search(path, text, regions, true)
    }

    /// Every match of every pattern in `text`, without the entropy,
    /// placeholder, known-example and path filters: what redaction masks
    /// (`crate::redact`). A low-entropy token is still a token to hide, and
    /// masking too much is harmless.
    pub fn find_shaped<'d>(&'d self, text: &str) -> Vec<Match<'d>> {
        self.search("", text, std::slice::from_ref(&(0..text.len())), false)
    }

    fn search<'d>(
        &'d self,
        path: &str,
        text: &str,
        regions: &[Range<usize>],
        filtered: bool,
    ) -> Vec<Match<'d>> {
        let info = self.file_info(path);
        if filtered && info.rules.contains(&PathRule::Skip) {
            return Vec::new();
        }
        let b = text.as_bytes();
        let partial = !(regions.len() == 1 && regions[0] == (0..text.len()));
        // Per detector: the ranges its regex runs on, ascending, disjoint.
        // (detector, range) for every keyword hit; sorted and merged into
        // each detector's ascending, disjoint spans below. A flat list: a
        // file with two keywords costs two entries, not one list per
        // detector.
        let mut hits: Vec<(usize, Range<usize>)> = Vec::new();
        let mut any_block = false;
        // Keyword matches in a region: (keyword, start, end).
        let mut found: Vec<KeywordMatch> = Vec::new();
        for r in regions {
            let mut hits = |found: &[KeywordMatch], owners: &[Vec<usize>]| {
                // The keyword's line and the lines around it, for the last
                // keyword: the next one is often on the same line, and
                // finding a long line's ends again for each keyword on it
                // would cost the line's length each time.
                let mut last_line: Option<(Range<usize>, Range<usize>)> = None;
                for &(pattern, start, end) in found {
                    for &i in &owners[pattern] {
                        let d = &self.rules[i];
                        if d.engine == Engine::Block {
                            any_block = true;
                            continue;
                        }
                        if self.only[i] && !info.reads(i, true) {
                            continue;
                        }
                        let (line, around) = match &last_line {
                            Some((line, around)) if line.start <= start && end <= line.end => {
                                (line.clone(), around.clone())
                            }
                            _ => {
                                let (line, around) = keyword_lines(b, start, end, r);
                                last_line = Some((line.clone(), around.clone()));
                                (line, around)
                            }
                        };
                        let span = if d.engine == Engine::Generic {
                            line
                        } else {
                            around
                        };
                        match found_last(&mut hits, i) {
                            Some(last) if span.start <= last.end && span.end >= last.start => {
                                last.start = last.start.min(span.start);
                                last.end = last.end.max(span.end);
                            }
                            _ => hits.push((i, span)),
                        }
                    }
                }
            };
            found.clear();
            self.keywords.find_all(b, r.clone(), &mut found);
            hits(&found, &self.owner);
            if let Some((ac, owners)) = &self.unicode
                && !b[r.clone()].is_ascii()
            {
                found.clear();
                let input = aho_corasick::Input::new(b).range(r.clone());
                found.extend(
                    ac.find_iter(input)
                        .map(|m| (m.pattern().as_usize(), m.start(), m.end())),
                );
                hits(&found, owners);
            }
        }
        // Detectors that read their host's lines: their keywords on those
        // lines.
        if let Some((ac, owners, host)) = &self.gated {
            let mut lines: Vec<Range<usize>> = hits
                .iter()
                .filter(|(d, _)| d == host)
                .map(|(_, r)| r.clone())
                .collect();
            lines.sort_unstable_by_key(|r| r.start);
            let mut last_end = 0;
            for line in lines {
                if line.end <= last_end {
                    continue;
                }
                let line = line.start.max(last_end)..line.end;
                last_end = line.end;
                let input = aho_corasick::Input::new(b).range(line.clone());
                for m in ac.find_overlapping_iter(input) {
                    let (kw_line, _) = keyword_lines(b, m.start(), m.end(), &line);
                    for &i in &owners[m.pattern().as_usize()] {
                        if !self.only[i] || info.reads(i, true) {
                            hits.push((i, kw_line.clone()));
                        }
                    }
                }
            }
        }
        // A detector bound to file names without keywords (a key file that
        // holds the key and nothing else) reads such files whole.
        for rule in &info.rules {
            if let PathRule::Only(i) = *rule
                && self.rules[i].keywords.is_empty()
            {
                hits.extend(regions.iter().map(|r| (i, r.clone())));
            }
        }
        let mut out = Vec::new();
        if any_block || partial {
            self.block_matches(&info, text, regions, partial, filtered, &mut out);
        }
        let blocks = out.len();
        let spans = merge_spans(hits);
        for (rank, spans) in &spans {
            let (rank, d) = (*rank, &self.rules[*rank]);
            if !info.reads(rank, self.only[rank]) {
                continue;
            }
            if d.engine == Engine::Generic {
                self.generic_matches(d, rank, &info, text, spans, &mut out);
                continue;
            }
            let Some(re) = d.regex() else { continue };
            for sp in spans {
                // The haystack ends with the span; what precedes it is
                // context for `\b` and `^`.
                let Some(hay) = text.as_bytes().get(..sp.end) else {
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
                    while at < hay.len() && !text.is_char_boundary(at) {
                        at += 1;
                    }
                    let Some(m) = secret_of(&caps) else { continue };
                    // Unfiltered (redaction): a vendor-format token is
                    // masked whatever its entropy; a scored pattern (a
                    // password slot, prose) when it passes the detector's
                    // exceptions, or its scorer calls it strong without
                    // them (a cut `.netrc` entry far from its `machine`).
                    let judged = match d.score {
                        _ if filtered => self.judge(d, rank, &info, text, m.range(), Some(&caps)),
                        None => Some(d.severity()),
                        Some(score) => self
                            .judge(d, rank, &info, text, m.range(), Some(&caps))
                            .or_else(|| {
                                let v = text.get(m.range())?;
                                self.score(score, v, Some(&caps))
                                    .filter(|s| *s == Severity::Error)
                            }),
                    };
                    if let Some(severity) = judged {
                        out.push(Match {
                            detector: d,
                            rank,
                            start: m.start(),
                            end: m.end(),
                            severity,
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

    fn generic_matches<'d>(
        &'d self,
        d: &'d Detector,
        rank: usize,
        info: &FileInfo,
        text: &str,
        spans: &[Range<usize>],
        out: &mut Vec<Match<'d>>,
    ) {
        let mut found = Vec::new();
        for sp in spans {
            let Some(region) = text.get(sp.clone()) else {
                continue;
            };
            let mut at = sp.start;
            for line in region.split_inclusive('\n') {
                let body = line.trim_end_matches(['\n', '\r']);
                found.clear();
                generic::scan_line(body, info.kind, &mut found);
                let mut pairs: Vec<(Range<usize>, Severity)> = found
                    .drain(..)
                    .map(|(_, v, sev)| (at + v.start..at + v.end, sev))
                    .collect();
                // `- name: DB_PASSWORD` with its `value:` on the next line
                // (Kubernetes and CI env lists).
                let next_start = at + line.len();
                if let Some(next) = text.get(next_start..).and_then(|t| t.split('\n').next())
                    && let Some((v, sev)) = generic::name_value_pair(body, next)
                {
                    pairs.push((next_start + v.start..next_start + v.end, sev));
                }
                for (range, sev) in pairs {
                    if let Some(s) = self.judge(d, rank, info, text, range.clone(), None) {
                        out.push(Match {
                            detector: d,
                            rank,
                            start: range.start,
                            end: range.end,
                            severity: s.min(sev),
                        });
                    }
                }
                at += line.len();
            }
        }
    }

    /// Whether `value` (at `range` of `text`) is a finding of `d`, and
    /// how severe: the exceptions of `detectors.toml`, then the scorer,
    /// then what the path and the context say.
    fn judge(
        &self,
        d: &Detector,
        rank: usize,
        info: &FileInfo,
        text: &str,
        range: Range<usize>,
        caps: Option<&regex::bytes::Captures<'_>>,
    ) -> Option<Severity> {
        let v = text.get(range.clone())?;
        let lower = v.to_lowercase();
        if self.known.contains(v) || d.allow.values.iter().any(|x| x == v) {
            return None;
        }
        let starts = |list: &[String]| list.iter().any(|p| v.starts_with(p.as_str()));
        if starts(&self.allow.public_prefixes) || starts(&d.allow.public_prefixes) {
            return None;
        }
        // A scorer weighs placeholders itself (`user:password@localhost` is a
        // note, not nothing).
        if d.engine != Engine::Generic && d.score.is_none() && self.placeholder(v) {
            return None;
        }
        if d.entropy.is_some_and(|floor| entropy(v) < floor) {
            return None;
        }
        if d.allow.stopwords.iter().any(|w| lower.contains(w.as_str())) {
            return None;
        }
        let mut sev = d.severity();
        if !d.allow.line_stopwords.is_empty() || !d.allow.line_notes.is_empty() {
            let l = line_of(text, range.start).to_lowercase();
            if d.allow
                .line_stopwords
                .iter()
                .any(|w| l.contains(w.as_str()))
            {
                return None;
            }
            if d.allow.line_notes.iter().any(|w| l.contains(w.as_str())) {
                sev = Severity::Note;
            }
        }
        if !d.allow.context_stopwords.is_empty()
            || !d.allow.note_context.is_empty()
            || !d.allow.require_context.is_empty()
        {
            let ctx = context_above(text, range.start, d.allow.context_lines).to_lowercase();
            if d.allow
                .context_stopwords
                .iter()
                .any(|w| ctx.contains(w.as_str()))
            {
                return None;
            }
            if !d.allow.require_context.is_empty()
                && !d
                    .allow
                    .require_context
                    .iter()
                    .any(|w| ctx.contains(w.as_str()))
            {
                return None;
            }
            if d.allow
                .note_context
                .iter()
                .any(|w| ctx.contains(w.as_str()))
            {
                sev = Severity::Note;
            }
        }
        if let Some(score) = d.score {
            sev = sev.min(self.score(score, v, caps)?);
        }
        if starts(&self.allow.note_prefixes) || starts(&d.allow.note_prefixes) {
            sev = Severity::Note;
        }
        if info.example || info.rules.contains(&PathRule::Note(rank)) {
            sev = Severity::Note;
        }
        if info.docs
            && sev > Severity::Note
            && (d.engine == Engine::Generic
                || d.score.is_some()
                || generic::is_made_up(v)
                || entropy(v) < 3.5)
        {
            sev = Severity::Note;
        }
        Some(sev)
    }

    fn score(
        &self,
        score: Score,
        v: &str,
        caps: Option<&regex::bytes::Captures<'_>>,
    ) -> Option<Severity> {
        match score {
            Score::Password => password_severity(self, v),
            Score::Url => {
                let sev = password_severity(self, v)?;
                let host = caps
                    .and_then(|c| c.name("host"))
                    .and_then(|h| std::str::from_utf8(h.as_bytes()).ok())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let user = caps
                    .and_then(|c| c.name("user"))
                    .and_then(|u| std::str::from_utf8(u.as_bytes()).ok())
                    .unwrap_or("");
                let local = host.is_empty()
                    || host.starts_with("localhost")
                    || host.starts_with("127.")
                    || host.starts_with("0.0.0.0")
                    || host.starts_with("[::1]")
                    || host.starts_with("host.docker.internal")
                    || host.contains("example")
                    || !host.contains('.');
                if sev > Severity::Note
                    && (user == v || local && !generic::is_random(v, &generic::Shape::of(v)))
                {
                    Some(Severity::Note)
                } else {
                    Some(sev)
                }
            }
            Score::Basic => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v.trim_end_matches(['\\', '\n']))
                    .ok()?;
                let s = std::str::from_utf8(&bytes).ok()?;
                let (user, pass) = s.split_once(':')?;
                if user.is_empty() && pass.is_empty() || s.chars().any(|c| c.is_control()) {
                    return None;
                }
                if pass.is_empty() {
                    // A token alone (`user:` or `token:`): a note.
                    return if generic::is_random(user, &generic::Shape::of(user)) {
                        Some(Severity::Error)
                    } else {
                        None
                    };
                }
                password_severity(self, pass)
            }
            Score::EncodedPassword => match generic::decoded_text(v) {
                Some(text) => {
                    let pass = text.split_once(':').map_or(text.as_str(), |(_, p)| p);
                    password_severity(self, pass.trim_end())
                }
                None => password_severity(self, v),
            },
            Score::Random => {
                let shape = generic::Shape::of(v);
                if self.placeholder(v)
                    || generic::is_made_up(v)
                    || generic::is_reference(v)
                    || !generic::is_random(v, &shape)
                {
                    None
                } else if generic::is_dev_value(v) {
                    Some(Severity::Note)
                } else {
                    Some(Severity::Error)
                }
            }
        }
    }

    /// Private-key blocks: found from their BEGIN markers anywhere in
    /// `text` (a change inside a block changes the key), reported when
    /// they overlap `regions`.
    fn block_matches<'d>(
        &'d self,
        info: &FileInfo,
        text: &str,
        regions: &[Range<usize>],
        partial: bool,
        filtered: bool,
        out: &mut Vec<Match<'d>>,
    ) {
        let specs = self.blocks.specs();
        // Unfiltered (redaction): every block, cut ones too, is masked.
        let found = self.blocks.blocks(text, !filtered, |si, range| {
            let i = specs[si].detector;
            let d = &self.rules[i];
            let body = text.get(range.clone()).unwrap_or("");
            !filtered
                || info.reads(i, self.only[i])
                    && body.len() >= 40
                    && self.judge(d, i, info, text, range, None).is_some()
        });
        for block in found {
            let i = specs[block.spec].detector;
            let d = &self.rules[i];
            if partial
                && !regions
                    .iter()
                    .any(|r| r.start < block.all.end && block.all.start < r.end)
            {
                continue;
            }
            let judged = if filtered {
                self.judge(d, i, info, text, block.body.clone(), None)
            } else {
                Some(d.severity())
            };
            if let Some(severity) = judged {
                out.push(Match {
                    detector: d,
                    rank: i,
                    start: block.body.start,
                    end: block.body.end,
                    severity,
                });
            }
        }
    }
}

/// A password found in a password slot (a connection string, a URL, a
/// credentials file): templates and made-up values are not findings,
/// words that stand for a password (`secret`, `password`) and common
/// passwords are notes.
fn password_severity(ds: &Detectors, v: &str) -> Option<Severity> {
    if generic::is_reference(v)
        || generic::is_made_up(v)
        || generic::is_type_word(v)
        || v.starts_with('$')
    {
        return None;
    }
    if ds.placeholder(v) {
        let t = v.trim();
        let run = t.chars().all(|c| t.starts_with(c));
        return (!run && t.len() >= 4 && t.chars().all(char::is_alphanumeric))
            .then_some(Severity::Note);
    }
    let s = generic::Shape::of(v);
    if s.len < 3 || (!s.lower && !s.upper && !s.digit) {
        return None;
    }
    if generic::is_dev_value(v) {
        return Some(Severity::Note);
    }
    if generic::is_trivial(v)
        || s.len < 6
        || s.entropy < 2.0
        || (s.classes() == 1 && s.len < 10 && !s.digit)
    {
        Some(Severity::Note)
    } else {
        Some(Severity::Error)
    }
}

/// The last hit of detector `i` if it is among the last few hits (hits of
/// one line come together): merging there keeps the list short.
fn found_last(hits: &mut [(usize, Range<usize>)], i: usize) -> Option<&mut Range<usize>> {
    let n = hits.len();
    hits[n.saturating_sub(8)..]
        .iter_mut()
        .rev()
        .find(|(d, _)| *d == i)
        .map(|(_, r)| r)
}

/// A keyword found: its index, where it starts and where it ends.
type KeywordMatch = (usize, usize, usize);

/// Every detector's ASCII keywords in one automaton, looked for
/// (ASCII-case-insensitively) at every position of the text.
struct Keywords {
    dfa: aho_corasick::dfa::DFA,
    /// The keywords, by pattern index.
    #[cfg_attr(not(test), allow(dead_code))]
    list: Vec<String>,
}

impl Keywords {
    fn new(list: Vec<String>) -> Result<Keywords, String> {
        // A DFA: overlapping search (every keyword of every rule) on a DFA
        // is several times faster than on the default NFA.
        let dfa = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&list)
            .map_err(|e| format!("detector keywords: {e}"))?;
        Ok(Keywords { dfa, list })
    }

    /// Every occurrence of every keyword inside `hay[range]`, as (keyword,
    /// start, end), into `out`: what an overlapping search reports, in
    /// another order.
    ///
    /// Two cursors step through the two halves of the range together: each
    /// step of a DFA waits for the table lookup of the step before, and two
    /// independent chains of lookups overlap those waits (1.2-1.5x the
    /// speed of one cursor). The first cursor reads on into the second half
    /// by a keyword's length less one, and reports only the keywords that
    /// start in its half; the second reports every keyword it finds, and
    /// all of them start in its half.
    fn find_all(&self, hay: &[u8], range: Range<usize>, out: &mut Vec<KeywordMatch>) {
        use aho_corasick::Anchored::No;
        use aho_corasick::automaton::Automaton;
        let dfa = &self.dfa;
        let Ok(start) = dfa.start_state(No) else {
            return;
        };
        let end = range.end.min(hay.len());
        let first = range.start.min(end);
        let mid = first + (end - first) / 2;
        let reach = (mid + dfa.max_pattern_len().saturating_sub(1)).min(end);
        let report = |sid, at: usize, before: usize, out: &mut Vec<KeywordMatch>| {
            for k in 0..dfa.match_len(sid) {
                let p = dfa.match_pattern(sid, k);
                let from = at - dfa.pattern_len(p);
                if from < before {
                    out.push((p.as_usize(), from, at));
                }
            }
        };
        // The second half's matches, kept apart so that `out` lists each
        // half's in the order of their ends.
        let mut second = Vec::new();
        let (mut a, mut b) = (start, start);
        let (mut i, mut j) = (first, mid);
        let (first_half, second_half) = (&hay[first..reach], &hay[mid..end]);
        for (&x, &y) in first_half.iter().zip(second_half) {
            a = dfa.next_state(No, a, x);
            b = dfa.next_state(No, b, y);
            i += 1;
            j += 1;
            if dfa.is_match(a) {
                report(a, i, mid, out);
            }
            if dfa.is_match(b) {
                report(b, j, end, &mut second);
            }
        }
        for &x in &hay[i..reach] {
            a = dfa.next_state(No, a, x);
            i += 1;
            if dfa.is_match(a) {
                report(a, i, mid, out);
            }
        }
        for &y in &hay[j..end] {
            b = dfa.next_state(No, b, y);
            j += 1;
            if dfa.is_match(b) {
                report(b, j, end, &mut second);
            }
        }
        out.append(&mut second);
    }
}

/// Each detector's hits as ascending, disjoint spans, detectors in order.
fn merge_spans(mut hits: Vec<(usize, Range<usize>)>) -> Vec<(usize, Vec<Range<usize>>)> {
    hits.sort_unstable_by_key(|(d, r)| (*d, r.start));
    let mut out: Vec<(usize, Vec<Range<usize>>)> = Vec::new();
    for (d, r) in hits {
        match out.last_mut() {
            Some((last, spans)) if *last == d => match spans.last_mut() {
                Some(prev) if r.start <= prev.end => prev.end = prev.end.max(r.end),
                _ => spans.push(r),
            },
            _ => out.push((d, vec![r])),
        }
    }
    out
}

/// The line that holds byte `at`, without its end.
/// How far the exceptions look along a line from a match: a minified
/// bundle's 2 MB line with 100,000 matches stays linear.
const NEAR: usize = 1024;

/// The start of the line that holds `at`, at most `back` bytes before it
/// (on a character boundary).
fn line_start_near(text: &str, at: usize, back: usize) -> usize {
    let floor = floor_boundary(text, at.saturating_sub(back));
    text[floor..at].rfind('\n').map_or(floor, |i| floor + i + 1)
}

/// The end of the line that holds `at`, at most [`NEAR`] bytes after it.
fn line_end_near(text: &str, at: usize) -> usize {
    let ceil = floor_boundary(text, (at + NEAR).min(text.len()));
    text[at..ceil].find('\n').map_or(ceil, |i| at + i)
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The line that holds byte `at`, cut to [`NEAR`] bytes either side.
fn line_of(text: &str, at: usize) -> &str {
    &text[line_start_near(text, at, NEAR)..line_end_near(text, at)]
}

/// The line that holds byte `at` and the `lines` lines above it (at most
/// 4 KiB back).
fn context_above(text: &str, at: usize, lines: usize) -> &str {
    let e = line_end_near(text, at);
    let floor = floor_boundary(text, at.saturating_sub(4096));
    let mut s = line_start_near(text, at, 4096);
    for _ in 0..lines {
        if s <= floor || s == 0 {
            break;
        }
        s = floor + text[floor..s - 1].rfind('\n').map_or(0, |i| i + 1);
    }
    let s = (s.max(floor)..=at)
        .find(|&k| text.is_char_boundary(k))
        .unwrap_or(at);
    &text[s..e]
}

/// The secret in a match: group `secret`, else the first group that took
/// part in the match (patterns with alternatives name one group per
/// branch), else the whole match.
fn secret_of<'h>(caps: &regex::bytes::Captures<'h>) -> Option<regex::bytes::Match<'h>> {
    caps.name("secret")
        .or_else(|| caps.iter().skip(1).flatten().next())
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

    /// The path examples are scanned as, unless a detector names one.
    const EXAMPLE_PATH: &str = "scan.txt";

    /// The keywords in aho-corasick's own overlapping search, the
    /// reference for [`Keywords::find_all`].
    fn reference_keywords(ds: &Detectors) -> AhoCorasick {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&ds.keywords.list)
            .unwrap()
    }

    /// What `find_all` reports, and what the reference does, both sorted.
    fn both_keyword_searches(
        ds: &Detectors,
        reference: &AhoCorasick,
        text: &[u8],
        range: Range<usize>,
    ) -> (Vec<KeywordMatch>, Vec<KeywordMatch>) {
        let mut got = Vec::new();
        ds.keywords.find_all(text, range.clone(), &mut got);
        got.sort_unstable();
        let input = aho_corasick::Input::new(text).range(range);
        let mut want: Vec<_> = reference
            .find_overlapping_iter(input)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        want.sort_unstable();
        (got, want)
    }

    #[test]
    fn the_keyword_search_finds_what_an_overlapping_search_finds() {
        let ds = Detectors::get();
        // Every detector's examples, whole and in every range that starts
        // and ends near a keyword (a keyword across the middle, at either
        // end, cut by an end).
        let mut texts: Vec<String> = ds
            .rules
            .iter()
            .flat_map(|r| r.examples.iter().chain(&r.notes).chain(&r.negative))
            .cloned()
            .collect();
        // Keywords packed together, overlapping, in mixed case.
        let packed: String = ds.keywords.list.iter().map(|k| k.to_uppercase()).collect();
        texts.push(packed.clone());
        texts.push(ds.keywords.list.join(""));
        texts.push(ds.keywords.list.join(" "));
        let reference = reference_keywords(ds);
        let mut total = 0;
        for t in &texts {
            let b = t.as_bytes();
            let (got, want) = both_keyword_searches(ds, &reference, b, 0..b.len());
            assert_eq!(got, want, "{t}");
            total += got.len();
            // About 30 starts and 30 ends per text, at odd steps.
            let step = (b.len() / 30).max(1) | 1;
            for start in (0..b.len()).step_by(step) {
                for end in (start..=b.len()).step_by(step + 2) {
                    let (got, want) = both_keyword_searches(ds, &reference, b, start..end);
                    assert_eq!(got, want, "{t} {start}..{end}");
                }
            }
        }
        assert!(total > 1000, "the texts hold keywords: {total}");
    }

    /// The reference semantics of a regex detector: its regex over the
    /// whole text once any of its keywords occurs anywhere.
    fn find_ungated<'d>(ds: &'d Detectors, text: &str) -> Vec<(&'d str, usize, usize)> {
        let mut hit = vec![false; ds.rules.len()];
        for m in reference_keywords(ds).find_overlapping_iter(text.as_bytes()) {
            for &i in &ds.owner[m.pattern().as_usize()] {
                hit[i] = true;
            }
        }
        if let Some((ac, owners, _)) = &ds.gated {
            for m in ac.find_overlapping_iter(text.as_bytes()) {
                for &i in &owners[m.pattern().as_usize()] {
                    hit[i] = true;
                }
            }
        }
        if let Some((ac, owners)) = &ds.unicode {
            for m in ac.find_iter(text.as_bytes()) {
                for &i in &owners[m.pattern().as_usize()] {
                    hit[i] = true;
                }
            }
        }
        let info = ds.file_info(EXAMPLE_PATH);
        let mut out = Vec::new();
        for (i, (d, _)) in ds
            .rules
            .iter()
            .zip(&hit)
            .enumerate()
            .filter(|(_, (_, h))| **h)
        {
            let Some(re) = d.regex() else { continue };
            if !info.reads(i, ds.only[i]) {
                continue;
            }
            for caps in re.captures_iter(text.as_bytes()) {
                let Some(m) = secret_of(&caps) else { continue };
                if ds
                    .judge(d, i, &info, text, m.range(), Some(&caps))
                    .is_some()
                {
                    out.push((d.id.as_str(), m.start(), m.end()));
                }
            }
        }
        out.sort();
        out
    }

    fn gated<'d>(ds: &'d Detectors, text: &str) -> Vec<(&'d str, usize, usize)> {
        let mut v: Vec<_> = ds
            .find(EXAMPLE_PATH, text)
            .into_iter()
            .filter(|m| m.detector.engine == Engine::Regex)
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
            for (i, ex) in d
                .examples
                .iter()
                .chain(&d.notes)
                .chain(&d.negative)
                .enumerate()
            {
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
        assert_eq!(pat(ds.find("a.rs", &text)).len(), 2);
        let second = text.len() - line.len()..text.len();
        let found = pat(ds.find_in("a.rs", &text, std::slice::from_ref(&second)));
        assert_eq!(found.len(), 1);
        assert!(found[0] >= second.start);
        assert!(ds.find_in("a.rs", &text, &[]).is_empty());
    }

    #[test]
    fn every_detector_compiles_and_its_examples_behave() {
        let ds = Detectors::load().unwrap();
        assert!(ds.rules.len() >= 250, "only {} detectors", ds.rules.len());
        let mut ids = HashSet::new();
        let mut failures = Vec::new();
        for d in &ds.rules {
            assert!(ids.insert(d.id.as_str()), "duplicate detector id {}", d.id);
            if d.engine == Engine::Regex {
                assert!(
                    d.regex().is_some(),
                    "{}: pattern does not compile: {:?}",
                    d.id,
                    regex::bytes::RegexBuilder::new(&d.pattern)
                        .unicode(false)
                        .build()
                        .err()
                );
            }
            assert!(!d.description.is_empty() && !d.name.is_empty(), "{}", d.id);
            assert!(
                [
                    "private-key",
                    "cloud",
                    "vendor",
                    "generic",
                    "connection",
                    "framework",
                    "password-hash"
                ]
                .contains(&d.family.as_str()),
                "{}: family {}",
                d.id,
                d.family
            );
            assert!(
                crate::rules::find(d.rule_id()).is_some(),
                "{}: rule {}",
                d.id,
                d.rule_id()
            );
            assert!(
                d.examples.len() + d.notes.len() >= 2 && d.negative.len() >= 2,
                "{}: needs examples",
                d.id
            );
            let path = d.example_path.as_deref().unwrap_or(EXAMPLE_PATH);
            let expect = |ex: &str, sev: Option<Severity>, failures: &mut Vec<String>| {
                let found: Vec<Severity> = ds
                    .find(path, ex)
                    .into_iter()
                    .filter(|m| m.detector.id == d.id)
                    .map(|m| m.severity)
                    .collect();
                let ok = match sev {
                    None => found.is_empty(),
                    Some(s) => found.contains(&s),
                };
                if !ok {
                    failures.push(format!("{}: want {sev:?}, found {found:?} in {ex:?}", d.id));
                }
            };
            for ex in &d.examples {
                expect(ex, Some(d.severity()), &mut failures);
                let whole = ex.to_ascii_lowercase();
                assert!(
                    d.keywords.is_empty() || d.keywords.iter().any(|k| whole.contains(k.as_str())),
                    "{}: example without a keyword: {ex:?}",
                    d.id
                );
            }
            for ex in &d.notes {
                expect(ex, Some(Severity::Note), &mut failures);
            }
            for ex in &d.negative {
                expect(ex, None, &mut failures);
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Every detector on inputs made of its own keywords: a keyword
    /// followed by a long run of token characters, the keyword repeated,
    /// and keyword-separator pieces. Each scan stays far below what a
    /// regex that backtracks, or a lazy DFA that gives up on a huge
    /// counted repetition, would take.
    #[test]
    fn every_detector_scans_hostile_input_in_linear_time() {
        let ds = Detectors::get();
        let body: String = (0..4096u32)
            .map(|i| {
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        [(i * 7 + i / 13) as usize % 62],
                )
            })
            .collect();
        let size = 48 * 1024;
        let mut slowest = (std::time::Duration::ZERO, String::new());
        for d in &ds.rules {
            let Some(kw) = d.keywords.first() else {
                continue;
            };
            let inputs = [
                format!("{kw}{body}").repeat(size / (kw.len() + body.len()) + 1),
                format!("{kw} = ").repeat(size / (kw.len() + 3)),
                format!("{kw}-{}.{}:", &body[..30], &body[30..60]).repeat(size / (kw.len() + 64)),
                format!("{kw}\n").repeat(size / (kw.len() + 1)),
            ];
            for (i, text) in inputs.iter().enumerate() {
                let t = std::time::Instant::now();
                let _ = ds.find("hostile.txt", text);
                let took = t.elapsed();
                if took > slowest.0 {
                    slowest = (took, format!("{} input {i}", d.id));
                }
            }
        }
        assert!(
            slowest.0.as_secs() < 5,
            "slowest: {} took {:?}",
            slowest.1,
            slowest.0
        );
        eprintln!("slowest hostile input: {} ({:?})", slowest.1, slowest.0);
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
#[cfg(test)]
mod compile_cost {
    #[test]
    #[ignore]
    fn compile_costs() {
        let ds = super::Detectors::load().unwrap();
        let mut v = Vec::new();
        for d in &ds.rules {
            if d.pattern.is_empty() {
                continue;
            }
            let t = std::time::Instant::now();
            let _ = regex::bytes::RegexBuilder::new(&d.pattern)
                .unicode(false)
                .build();
            v.push((t.elapsed(), d.id.clone()));
        }
        v.sort();
        let total: std::time::Duration = v.iter().map(|x| x.0).sum();
        for x in v.iter().rev().take(25) {
            eprintln!("{:?} {}", x.0, x.1);
        }
        eprintln!("total {total:?}");
    }
}
