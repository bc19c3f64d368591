//! The generic detector: a secret-looking name assigned a literal value,
//! in any of the syntaxes secrets are written in (code, `.env`, YAML, JSON,
//! TOML, INI, properties, XML, shell, Dockerfiles, Terraform, CI files),
//! scored rather than matched.
//!
//! It runs only on lines that hold one of its keywords (the engine's
//! prefilter), and looks at each assignment operator on such a line: the
//! name to its left, the value to its right. The name says how strong the
//! evidence is (`password` and `client_secret` are, `key` alone is weak;
//! `token_url`, `public_key`, `max_tokens` are not secrets at all), the
//! value says whether it is a literal and how random it is, and the file
//! says whether an unquoted word is a literal (`.env`, YAML) or an
//! expression (code). Every step is linear in the line's length.

use std::ops::Range;

use std::collections::HashSet;

use serde::Deserialize;

use crate::finding::Severity;

use super::detectors::entropy;

/// What a file is, as far as literal values go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `.env`, shell, INI, properties, YAML, Dockerfiles, CI: an unquoted
    /// value is a literal.
    Config,
    /// JSON, TOML, Terraform: values are quoted.
    Data,
    /// XML and HTML-like files.
    Xml,
    /// Program source: an unquoted value is an expression.
    Code,
    /// Prose and everything else.
    Other,
}

pub fn kind_of(path: &str) -> Kind {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower.starts_with(".env")
        || lower.ends_with(".env")
        || lower.starts_with("dockerfile")
        || lower.ends_with(".dockerfile")
        || lower.ends_with("history")
        || matches!(
            lower.as_str(),
            ".bashrc"
                | ".bash_profile"
                | ".profile"
                | ".zshrc"
                | ".zprofile"
                | ".netrc"
                | "_netrc"
                | ".npmrc"
                | ".pypirc"
                | ".s3cfg"
                | "config"
                | "makefile"
                | "procfile"
        )
    {
        return Kind::Config;
    }
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "yml" | "yaml" | "ini" | "cfg" | "conf" | "cnf" | "properties" | "env" | "sh" | "bash"
        | "zsh" | "ksh" | "fish" | "bat" | "cmd" | "service" | "desktop" | "editorconfig"
        | "prefs" | "rc" | "example" | "sample" | "template" | "dist" | "local" => Kind::Config,
        "json" | "jsonc" | "json5" | "toml" | "tf" | "tfvars" | "hcl" | "nomad" => Kind::Data,
        "xml" | "config" | "csproj" | "vbproj" | "plist" | "xaml" | "html" | "htm" | "jsp"
        | "aspx" | "cshtml" | "vue" | "svg" | "xhtml" | "pom" | "wsdl" | "resx" | "settings" => {
            Kind::Xml
        }
        "py" | "pyw" | "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "go"
        | "java" | "kt" | "kts" | "scala" | "groovy" | "gradle" | "rb" | "rake" | "php" | "cs"
        | "vb" | "fs" | "rs" | "swift" | "m" | "mm" | "c" | "h" | "cc" | "cpp" | "hpp" | "cxx"
        | "dart" | "lua" | "pl" | "pm" | "r" | "ex" | "exs" | "erl" | "clj" | "cljs" | "hs"
        | "ml" | "jl" | "nim" | "zig" | "ps1" | "psm1" | "svelte" | "astro" | "sol" | "sql"
        | "coffee" | "cr" | "v" | "ipynb" => Kind::Code,
        _ => Kind::Other,
    }
}

/// The generic detector's word lists (`[words]` in `detectors.toml`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub password: Vec<String>,
    pub secret: Vec<String>,
    pub weak: Vec<String>,
    pub key_qualifiers: Vec<String>,
    pub not_secret_tails: Vec<String>,
    pub deny: Vec<String>,
    pub trivial_passwords: Vec<String>,
    pub made_up: Vec<String>,
    pub name_hints: Vec<String>,
    pub dev_prefixes: Vec<String>,
    pub dev_words: Vec<String>,
    pub weak_names: Vec<String>,
}

/// [`Words`], as sets where they are looked up.
#[derive(Debug)]
pub struct Lexicon {
    pub password: HashSet<String>,
    pub secret: HashSet<String>,
    pub weak: HashSet<String>,
    pub key_qualifiers: HashSet<String>,
    pub not_secret_tails: HashSet<String>,
    pub deny: HashSet<String>,
    /// The `deny` entries of several words (`primary_key`), matched
    /// inside a name's joined words.
    pub deny_joined: Vec<String>,
    pub trivial_passwords: HashSet<String>,
    pub made_up: Vec<String>,
    /// `name_hints` as one case-insensitive automaton.
    pub hints: aho_corasick::AhoCorasick,
    pub dev_prefixes: Vec<String>,
    pub dev_words: HashSet<String>,
    pub weak_names: HashSet<String>,
}

impl Words {
    pub fn build(self) -> Result<Lexicon, String> {
        let set = |v: Vec<String>| {
            v.into_iter()
                .map(|w| w.to_lowercase())
                .collect::<HashSet<_>>()
        };
        let hints = aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&self.name_hints)
            .map_err(|e| format!("name_hints: {e}"))?;
        let deny_joined = self
            .deny
            .iter()
            .filter(|d| d.contains('_'))
            .map(|d| d.to_lowercase())
            .collect();
        Ok(Lexicon {
            password: set(self.password),
            secret: set(self.secret),
            weak: set(self.weak),
            key_qualifiers: set(self.key_qualifiers),
            not_secret_tails: set(self.not_secret_tails),
            deny: set(self.deny),
            trivial_passwords: set(self.trivial_passwords),
            made_up: self.made_up,
            hints,
            deny_joined,
            dev_prefixes: self.dev_prefixes,
            dev_words: set(self.dev_words),
            weak_names: set(self.weak_names),
        })
    }
}

fn lx() -> &'static Lexicon {
    &super::detectors::Detectors::get().words
}

/// How strongly a name says "this holds a secret".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// `key`, `auth`, `salt`, `*_key`: only a random value is evidence.
    Weak,
    /// `secret`, `token`, `api_key`, `credential`, `private_key`.
    Secret,
    /// `password` and its kin (and its translations): a human-chosen value
    /// is evidence too.
    Password,
}

/// Splits a name into lowercase words at separators and camelCase humps.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if c.is_ascii_digit() {
            // `token1`, `key2`: digits end a word.
            if !cur.is_empty() && !cur.chars().all(|d| d.is_ascii_digit()) {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
            prev_lower = false;
            continue;
        }
        if !cur.is_empty() && cur.chars().all(|d| d.is_ascii_digit()) {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.retain(|w| !w.chars().all(|c| c.is_ascii_digit()));
    out
}

/// How strongly `name` says it holds a secret; `None` when it does not.
pub fn strength(name: &str) -> Option<Strength> {
    if name.is_empty() || name.len() > 80 {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let ws = words(name);
    let last = ws.last()?;
    let joined = ws.join("_");
    if ws.iter().any(|w| lx().deny.contains(w.as_str()))
        || lx().deny_joined.iter().any(|d| joined.contains(d.as_str()))
    {
        return None;
    }
    // One word in one case (`dbpassword`, `APIKEY`): look inside it.
    let inside = |pats: &[&str]| {
        ws.iter()
            .any(|w| pats.iter().any(|p| p.len() >= 5 && w.contains(p)))
    };
    if lx().not_secret_tails.contains(last.as_str()) {
        // `password_hash`, `token_url`: unless the tail is itself the
        // secret's own word (`secret_key_id` is still an id).
        return None;
    }
    if lower.contains("tokeniz") || lower.contains("secretar") || lower.contains("keyboard") {
        return None;
    }
    let has = |list: &HashSet<String>| ws.iter().any(|w| list.contains(w.as_str()));
    if has(&lx().password) || inside(&["password", "passwd", "passwort", "passphrase"]) {
        // `pass` alone is a password only at the end (`DB_PASS`, not
        // `pass_through`): it is the last word or the whole name.
        let only_pass = ws
            .iter()
            .filter(|w| lx().password.contains(w.as_str()))
            .all(|w| w == "pass" || w == "pw");
        if !only_pass || matches!(last.as_str(), "pass" | "pw") || inside(&["password", "passwd"]) {
            return Some(Strength::Password);
        }
    }
    if has(&lx().secret)
        || inside(&[
            "secret",
            "apikey",
            "privatekey",
            "accesskey",
            "authtoken",
            "accesstoken",
            "credential",
        ])
    {
        // `pat` and `sas` and `jwt` are secret words only as the last word.
        let soft = ["pat", "sas", "jwt", "cred"];
        if ws
            .iter()
            .any(|w| lx().secret.contains(w.as_str()) && !soft.contains(&w.as_str()))
            || soft.contains(&last.as_str())
            || inside(&[
                "secret",
                "apikey",
                "privatekey",
                "accesskey",
                "authtoken",
                "accesstoken",
                "credential",
            ])
        {
            return Some(Strength::Secret);
        }
    }
    // `api_key`, `private_key`, `access_key`: a qualified key.
    for pair in ws.windows(2) {
        if (pair[1] == "key" || pair[1] == "keys") && lx().key_qualifiers.contains(pair[0].as_str())
        {
            return Some(Strength::Secret);
        }
    }
    if last == "key"
        || last == "auth"
        || last == "salt"
        || has(&lx().weak) && lx().weak.contains(last.as_str())
    {
        return Some(Strength::Weak);
    }
    None
}

/// The shape of a value.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub len: usize,
    pub entropy: f64,
    pub lower: bool,
    pub upper: bool,
    pub digit: bool,
    pub symbol: bool,
}

impl Shape {
    pub fn of(v: &str) -> Shape {
        Shape {
            len: v.chars().count(),
            entropy: entropy(v),
            lower: v.bytes().any(|b| b.is_ascii_lowercase()),
            upper: v.bytes().any(|b| b.is_ascii_uppercase()),
            digit: v.bytes().any(|b| b.is_ascii_digit()),
            symbol: v.bytes().any(|b| b.is_ascii_punctuation()),
        }
    }
    pub fn classes(&self) -> usize {
        [self.lower, self.upper, self.digit, self.symbol]
            .iter()
            .filter(|b| **b)
            .count()
    }
}

pub fn is_trivial(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    if lx().trivial_passwords.contains(l.as_str()) {
        return true;
    }
    // `Password123!`, `admin2024`, `root!`: a common word and a short tail
    // of digits and punctuation.
    let base = l.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let tail = l.len() - base.len();
    let base = base.trim_start_matches(|c: char| c.is_ascii_punctuation());
    base.len() >= 3 && tail <= 5 && lx().trivial_passwords.contains(base)
}

/// Values made for development and tests (`dev-secret-1`, `e2e_token`,
/// `test-password`): evidence, but weak.
pub fn is_dev_value(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    lx().dev_prefixes.iter().any(|p| l.starts_with(p.as_str()))
        || l.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| lx().dev_words.contains(w))
}

/// The text a base64 value decodes to, when it is printable text (a
/// Kubernetes Secret's `data:`, a token that wraps JSON).
pub fn decoded_text(v: &str) -> Option<String> {
    use base64::Engine as _;
    if v.len() < 8
        || !v.len().is_multiple_of(4)
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    if text.is_empty() || text.chars().any(|c| c.is_control() && c != '\n') {
        return None;
    }
    Some(text)
}

/// A value that decodes to made-up text (`{"UserID":"defaultUser",
/// "Password":"defaultPassword"}`, `changeme`).
fn decodes_to_made_up(v: &str) -> bool {
    let Some(text) = decoded_text(v) else {
        return false;
    };
    let l = text.to_ascii_lowercase();
    is_made_up(&text)
        || l.contains("default")
        || is_trivial(text.trim())
        || super::detectors::is_placeholder(text.trim())
}

/// `ERR_INVALID_TOKEN`, `REDIS_PASSWORD`, `__appConfigKey`: the name of
/// something, quoted.
fn is_identifier(v: &str) -> bool {
    let letters = v.bytes().filter(|b| b.is_ascii_alphabetic()).count();
    let digits = v.bytes().filter(|b| b.is_ascii_digit()).count();
    if letters < 3
        || digits > 2
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b':')
    {
        return false;
    }
    let upper_snake = v.contains('_') && !v.bytes().any(|b| b.is_ascii_lowercase());
    let lower_sep = (v.contains('_') || v.contains('.') || v.contains(':'))
        && !v.bytes().any(|b| b.is_ascii_uppercase());
    // camelCase needs a hump: `thisismypassword` is a word, not a name.
    let camel = v
        .trim_start_matches('_')
        .starts_with(|c: char| c.is_ascii_lowercase())
        && v.bytes().skip(1).any(|b| b.is_ascii_uppercase())
        && digits == 0
        && v.len() <= 40;
    upper_snake || lower_sep || camel && v.bytes().filter(|b| b.is_ascii_uppercase()).count() <= 6
}

/// `abcdef`, `123456`, `qwerty`: runs that mark a made-up value.
pub fn has_sequence(v: &str) -> bool {
    let b = v.as_bytes();
    let mut run = 1;
    for w in b.windows(2) {
        if w[1] == w[0].wrapping_add(1) && w[0].is_ascii_alphanumeric() {
            run += 1;
            if run >= 6 {
                return true;
            }
        } else {
            run = 1;
        }
    }
    let l = v.to_ascii_lowercase();
    l.contains("qwerty") || l.contains("asdfgh")
}

/// A value that is made up (docs, templates, tests) rather than real.
pub fn is_made_up(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    lx().made_up.iter().any(|w| l.contains(w.as_str()))
}

/// A value that looks random enough to be a generated credential.
pub fn is_random(v: &str, s: &Shape) -> bool {
    if s.len < 16 || s.entropy < 3.0 {
        return false;
    }
    let hexish = v.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if hexish {
        return s.digit && s.len >= 20 && s.entropy >= 3.0;
    }
    if is_phrase(v) {
        return false;
    }
    if !s.digit && s.len < 32 {
        // 20 random base62 characters hold a digit 97% of the time.
        return false;
    }
    (s.digit && (s.lower || s.upper) && s.entropy >= 3.2)
        || (s.lower && s.upper && s.len >= 32 && s.entropy >= 4.2)
        || (s.classes() >= 3 && s.entropy >= 3.4 && s.digit)
}

/// Words joined by separators (`my-app-database-credentials`,
/// `Enter your password`): text, not a key.
fn is_phrase(v: &str) -> bool {
    let parts: Vec<&str> = v
        .split(['-', '_', ' ', '.', '/'])
        .filter(|p| !p.is_empty())
        .collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            p.chars().all(|c| c.is_alphabetic())
                && (p.len() <= 12)
                && !(p.chars().any(|c| c.is_uppercase())
                    && p.chars().skip(1).any(|c| c.is_uppercase()))
        })
}

/// The verdict on a name and a value.
pub fn judge(strength: Strength, v: &str, quoted: bool) -> Option<Severity> {
    let s = Shape::of(v);
    if s.len < 3 || s.len > 300 {
        return None;
    }
    if v.chars().any(|c| c.is_control()) {
        return None;
    }
    let spaces = v.chars().filter(|c| *c == ' ').count();
    // A sentence (a UI label, a translated message) is not a secret; a
    // quoted two-word password (`'open sesame'`) is weak evidence.
    if spaces >= 2 || (spaces == 1 && !quoted) {
        return None;
    }
    if spaces == 1 {
        return (strength == Strength::Password && !v.contains("  ") && !is_made_up(v))
            .then_some(Severity::Note);
    }
    if !s.lower && !s.upper && !s.digit {
        // Only punctuation.
        return None;
    }
    if is_made_up(v) || decodes_to_made_up(v) {
        return None;
    }
    if quoted && is_identifier(v) && !(strength == Strength::Password && s.digit) {
        return None;
    }
    let verdict = judge_shape(strength, v, &s)?;
    // A development value, or one with a run like `123456`, is weak
    // evidence of a password and no evidence of a generated key.
    if has_sequence(v) {
        return (strength == Strength::Password).then_some(Severity::Note);
    }
    Some(if is_dev_value(v) {
        Severity::Note
    } else {
        verdict
    })
}

/// A natural word (`Passwort`, `secret`): a label, not a password.
fn is_word(v: &str) -> bool {
    let mut cs = v.chars();
    cs.next().is_some_and(char::is_alphabetic) && cs.all(|c| c.is_lowercase())
}

fn judge_shape(strength: Strength, v: &str, s: &Shape) -> Option<Severity> {
    let s = *s;
    let trivial = is_trivial(v) || s.entropy < 1.5;
    if is_word(v) && s.len <= 14 && strength != Strength::Password {
        return None;
    }
    match strength {
        Strength::Password => {
            if s.len < 4 && !s.digit {
                return None;
            }
            if trivial || s.len < 6 || (s.classes() == 1 && s.len < 12 && !s.digit) || is_word(v) {
                return Some(Severity::Note);
            }
            if s.classes() >= 2 || s.len >= 10 {
                Some(Severity::Error)
            } else {
                Some(Severity::Note)
            }
        }
        Strength::Secret => {
            if is_random(v, &s) {
                Some(Severity::Error)
            } else if s.len >= 12 && s.classes() >= 2 && s.entropy >= 3.0 && !trivial {
                Some(Severity::Note)
            } else {
                None
            }
        }
        Strength::Weak => {
            if is_random(v, &s)
                && s.len >= 20
                && s.entropy >= 3.5
                && (s.classes() >= 3 || (s.digit && s.len >= 32))
            {
                Some(Severity::Error)
            } else {
                None
            }
        }
    }
}

/// A candidate: a name, a value and the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub name: Range<usize>,
    pub value: Range<usize>,
    pub severity: Severity,
}

/// `{name}` inside a value: a template slot (`{SumoAccessKey}`).
fn has_brace_slot(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = 0;
    while let Some(o) = b[i..].iter().position(|&c| c == b'{') {
        let s = i + o + 1;
        let mut e = s;
        while e < b.len()
            && (b[e].is_ascii_alphanumeric() || matches!(b[e], b'_' | b'.' | b'-' | b' '))
        {
            e += 1;
        }
        if e < b.len() && b[e] == b'}' && e > s {
            return true;
        }
        i = s;
    }
    false
}

/// `$(name` or `%(name)`: a shell substitution or a Python format slot
/// (`$(cat x)`, `%(password)s`), not random punctuation (`x%(^+`).
fn interpolates(t: &str, open: &str) -> bool {
    t.match_indices(open).any(|(i, _)| {
        t[i + open.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
    })
}

/// Values that are references to a secret, not a secret.
pub fn is_reference(v: &str) -> bool {
    let t = v.trim();
    let l = t.to_ascii_lowercase();
    if t.starts_with('.')
        && t[1..].starts_with(|c: char| c.is_ascii_alphabetic())
        && t.contains("alues")
    {
        // A Go template field (`.Values.auth.password`).
        return true;
    }
    const PREFIXES: &[&str] = &[
        "$",
        "%(",
        "%{",
        "%env(",
        "{{",
        ".values.",
        "__",
        "#{",
        "!ref",
        "!secret",
        "!vault",
        "vault:",
        "env:",
        "secret:",
        "secrets:",
        "ssm:",
        "arn:",
        "projects/",
        "file:",
        "/",
        "./",
        "../",
        "~/",
        "http://",
        "https://",
        "process.env",
        "import.meta",
        "os.environ",
        "os.getenv",
        "env(",
        "env[",
        "env.",
        "getenv",
        "system.getenv",
        "environment.",
        "config(",
        "config.",
        "settings.",
        "secrets.",
        "vars.",
        "params.",
        "inputs.",
        "steps.",
        "needs.",
        "github.",
        "self.",
        "this.",
        "context.",
        "deno.env",
        "bun.env",
        "context[",
        "request.",
        "req.",
        "options.",
        "props.",
        "args.",
    ];
    const SUFFIXES: &[&str] = &[
        ".pem",
        ".key",
        ".json",
        ".txt",
        ".p12",
        ".pfx",
        ".jks",
        ".crt",
        ".yaml",
        ".yml",
        ".env",
        ".cer",
        ".der",
        ".keystore",
        ".gpg",
        ".asc",
    ];
    PREFIXES.iter().any(|p| l.starts_with(p))
        || SUFFIXES.iter().any(|s| l.ends_with(s))
        || (t.starts_with('@') && !t[1..].starts_with(|c: char| c.is_ascii_digit()))
        || (t.len() > 2
            && t.starts_with('%')
            && t.ends_with('%')
            && t[1..t.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        || (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with('[') && t.ends_with(']'))
        || (t.starts_with('(') && t.ends_with(')'))
        || t.contains("${")
        || t.contains("{{")
        || interpolates(t, "$(")
        || interpolates(t, "%(")
        || has_brace_slot(t)
}

/// Type names that follow a name in declarations (`password: string`).
const TYPE_WORDS: &[&str] = &[
    "string",
    "str",
    "&str",
    "String",
    "text",
    "bool",
    "boolean",
    "int",
    "integer",
    "number",
    "char",
    "bytes",
    "byte",
    "object",
    "any",
    "unknown",
    "secretstr",
    "SecretStr",
    "optional",
    "Optional",
    "None",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "True",
    "False",
    "undefined",
    "required",
    "void",
    "SecureString",
    "securestring",
    "varchar",
    "uuid",
    "UUID",
    "float",
    "double",
    "long",
    "list",
    "dict",
    "array",
    "int64",
    "int32",
    "uint",
    "u8",
    "i32",
    "i64",
    "usize",
    "Str",
    "Text",
    "Bytes",
    "Any",
    "Required",
    "NotRequired",
];

/// A type name (`string`, `str`, `SecretStr`), with trailing punctuation.
pub fn is_type_word(v: &str) -> bool {
    TYPE_WORDS.contains(&v.trim_end_matches(['?', '!', ';', ',', ')']))
}

/// An unquoted value that is an expression in code or config:
/// `get_password()`, `settings.SECRET`, `true`, `string`.
fn is_expression(v: &str) -> bool {
    if TYPE_WORDS.contains(&v) || TYPE_WORDS.contains(&v.trim_end_matches(['?', '!', ';', ','])) {
        return true;
    }
    if v.contains('(') || v.contains("::") || v.contains("->") || v.ends_with(')') {
        return true;
    }
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() >= 2 && parts.iter().all(|p| is_ident(p))
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An unquoted name (`PROJECT_NAME_ALIAS`, `open_sesame`): a literal in
/// `.env` or YAML, but as likely the name of a variable elsewhere.
fn is_name_like(v: &str) -> bool {
    is_ident(v)
        && v.contains('_')
        && (v.chars().all(|c| !c.is_ascii_lowercase())
            || v.chars().all(|c| !c.is_ascii_uppercase()))
        && !v.chars().any(|c| c.is_ascii_digit())
}

/// How far back a name and forward a value are looked for.
const NAME_MAX: usize = 96;
const VALUE_MAX: usize = 512;

/// Reads a quoted string starting at `b[i]` (the quote), at most
/// `VALUE_MAX` bytes; returns the content range and the index after the
/// closing quote.
fn quoted(b: &[u8], i: usize) -> Option<(Range<usize>, usize)> {
    let q = b[i];
    let mut j = i + 1;
    let stop = b.len().min(i + 1 + VALUE_MAX);
    while j < stop {
        match b[j] {
            b'\\' if q != b'`' => j += 2,
            c if c == q => return Some((i + 1..j, j + 1)),
            _ => j += 1,
        }
    }
    None
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'$' | b'@') || c >= 0x80
}

/// The position of `c` in `b[..end]`, at most `NAME_MAX` bytes back.
fn rfind_near(b: &[u8], end: usize, c: u8) -> Option<usize> {
    let lo = end.saturating_sub(NAME_MAX);
    b[lo..end].iter().rposition(|&x| x == c).map(|i| lo + i)
}

/// The name to the left of `end` (exclusive): a quoted name, a bracketed
/// key (`ENV["X"]`, `config[:x]`), or an identifier.
fn name_before(b: &[u8], end: usize) -> Option<Range<usize>> {
    let mut e = end;
    while e > 0 && (b[e - 1] == b' ' || b[e - 1] == b'\t') {
        e -= 1;
    }
    if e == 0 {
        return None;
    }
    let last = b[e - 1];
    if matches!(last, b'"' | b'\'' | b'`') {
        let s = rfind_near(b, e - 1, last)?;
        return if s + 1 < e - 1 {
            Some(s + 1..e - 1)
        } else {
            None
        };
    }
    if last == b']' {
        let open = rfind_near(b, e - 1, b'[')?;
        let inner = &b[open + 1..e - 1];
        let (mut s, mut t) = (open + 1, e - 1);
        match (inner.first(), inner.last()) {
            (Some(&f), Some(&l)) if matches!(f, b'"' | b'\'') && f == l && inner.len() >= 2 => {
                s += 1;
                t -= 1;
            }
            (Some(b':'), _) => s += 1,
            _ => {}
        }
        return if s < t { Some(s..t) } else { None };
    }
    let lo = e.saturating_sub(NAME_MAX);
    let mut s = e;
    while s > lo && is_name_byte(b[s - 1]) {
        s -= 1;
    }
    // Stopped by the bound inside a multi-byte character: start at the
    // next whole one.
    while s < e && (b[s] & 0xC0) == 0x80 {
        s += 1;
    }
    // `-Dfoo.password`, `--password`, `$password`: not part of the name.
    while s < e && matches!(b[s], b'-' | b'$' | b'@' | b'.') {
        s += 1;
    }
    if s < e { Some(s..e) } else { None }
}

/// The value right of `start`: a quoted string, or an unquoted run (where
/// the file kind, or `in_string`, makes one a literal). Returns the
/// value's range and whether it was quoted.
fn value_after(
    b: &[u8],
    start: usize,
    kind: Kind,
    in_string: bool,
) -> Option<(Range<usize>, bool)> {
    let mut i = start;
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if i >= b.len() {
        return None;
    }
    // Python's r"", b"", u"" and C#'s @"" prefixes.
    if matches!(b[i], b'r' | b'b' | b'u' | b'@' | b'R')
        && i + 1 < b.len()
        && matches!(b[i + 1], b'"' | b'\'')
    {
        i += 1;
    }
    if b[i] == b'f' && i + 1 < b.len() && matches!(b[i + 1], b'"' | b'\'') {
        // An f-string interpolates: a literal only without braces.
        let (r, _) = quoted(b, i + 1)?;
        if b[r.clone()].contains(&b'{') {
            return None;
        }
        return Some((r, true));
    }
    if !in_string && matches!(b[i], b'"' | b'\'' | b'`') {
        let (r, after) = quoted(b, i)?;
        // `"abc" + x`: a value built at run time.
        let mut k = after;
        while k < b.len() && b[k] == b' ' {
            k += 1;
        }
        if kind == Kind::Code && k < b.len() && b[k] == b'+' {
            return None;
        }
        if b[i] == b'`' && b[r.clone()].windows(2).any(|w| w == b"${") {
            return None;
        }
        return Some((r, true));
    }
    if !in_string && matches!(kind, Kind::Data | Kind::Code) {
        return None;
    }
    // Unquoted: up to a blank, `;`, `,`, a quote, `<` or an escape.
    let stop = b.len().min(i + VALUE_MAX);
    let mut j = i;
    while j < stop {
        let c = b[j];
        if matches!(
            c,
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b',' | b'<' | b'"' | b'\'' | b'`'
        ) {
            break;
        }
        if c == b'\\' && j + 1 < b.len() && matches!(b[j + 1], b'n' | b'r' | b't' | b'"') {
            break;
        }
        j += 1;
    }
    if j == i || j == stop && stop < b.len() {
        return None;
    }
    Some((i..j, false))
}

fn maybe_secret_name(name: &str) -> bool {
    lx().hints.is_match(name)
}

/// A found assignment: the name, the value and the verdict.
pub type Found = (Range<usize>, Range<usize>, Severity);

/// The verdict on `name = value` once both are located.
fn decide(
    line: &str,
    name: Range<usize>,
    value: Range<usize>,
    quoted: bool,
    weak_op: bool,
) -> Option<Found> {
    let name_text = &line[name.clone()];
    let strength = strength(name_text)?;
    let v = &line[value.clone()];
    if is_reference(v) || super::detectors::is_placeholder(v) {
        return None;
    }
    if !quoted && is_expression(v) {
        return None;
    }
    let name_like = !quoted && is_name_like(v);
    // The value is the name, or its last word (`password: password`,
    // `TOKEN=token`, `apiKey: "api-key"`).
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let sv = squash(v);
    let nw = words(name_text);
    if sv == squash(name_text)
        || nw.last().is_some_and(|w| *w == sv)
        || (sv.len() >= 4
            && squash(name_text).ends_with(&sv)
            && sv.len() * 2 >= squash(name_text).len())
    {
        return None;
    }
    // `public key: x`, `# Public token = x`: the word before the name
    // counts too.
    if let Some(prev) = word_before(line, name.start)
        && lx().deny.contains(prev.to_ascii_lowercase().as_str())
    {
        return None;
    }
    let sev = judge(strength, v, quoted)?;
    // `TEST_TOKEN`, `example_password`: a value for tests or docs.
    let sev = if nw.iter().any(|w| lx().weak_names.contains(w.as_str())) {
        Severity::Note
    } else {
        sev
    };
    // A comparison with a literal (`if password == "x"`) is weaker
    // evidence than an assignment.
    if name_like && strength != Strength::Password {
        // `secret: LEGACY_PARTNER_KEY` names a secret; it is not one.
        return None;
    }
    Some((
        name,
        value,
        if weak_op || name_like {
            Severity::Note
        } else {
            sev
        },
    ))
}

/// Candidates on one line (`line` is the line's text, without its end).
pub fn scan_line(line: &str, kind: Kind, out: &mut Vec<Found>) {
    let b = line.as_bytes();
    if b.len() > 4096 {
        // A minified bundle or a data blob: windows around the first
        // operators only.
        return scan_long_line(line, kind, out);
    }
    // Flags (`--password x`) need a dash on the line, netrc entries a
    // `login`: without them a blank is not worth a look.
    let flags = memchr::memchr(b'-', b).is_some() || (kind != Kind::Code && line.contains("login"));
    // The bytes worth a look, found with memchr rather than a branch per
    // byte: operators always, commas where a call or a list opens, blanks
    // where a flag may follow.
    let mut stops: Vec<usize> = memchr::memchr3_iter(b'=', b':', b'>', b).collect();
    if memchr::memchr2(b'(', b'[', b).is_some() {
        stops.extend(memchr::memchr_iter(b',', b));
    }
    if flags {
        stops.extend(memchr::memchr_iter(b' ', b));
    }
    stops.sort_unstable();
    let mut skip_to = 0;
    for i in stops {
        if i < skip_to {
            continue;
        }
        let c = b[i];
        let prev = if i > 0 { b[i - 1] } else { b' ' };
        let next = b.get(i + 1).copied().unwrap_or(b' ');
        let (op_start, op_end, weak_op) = match c {
            b'=' => {
                if prev == b'!' && next != b'=' {
                    // `!=`: a comparison with a literal.
                    (i - 1, i + 1, true)
                } else if matches!(prev, b'!' | b'<' | b'>' | b'=') || next == b'~' {
                    continue;
                } else if next == b'=' {
                    // `==` / `===`: a comparison with a literal.
                    let e = if b.get(i + 2) == Some(&b'=') {
                        i + 3
                    } else {
                        i + 2
                    };
                    (i, e, true)
                } else if next == b'>' {
                    (i, i + 2, false)
                } else {
                    let s = if i > 0 && matches!(prev, b'?' | b'|' | b'&' | b'.' | b'+') {
                        i - 1
                    } else {
                        i
                    };
                    (s, i + 1, false)
                }
            }
            b':' => {
                if next == b':' || prev == b':' {
                    continue;
                }
                if next == b'=' {
                    (i, i + 2, false)
                } else if next == b' '
                    || next == b'\t'
                    || matches!(next, b'"' | b'\'')
                    || matches!(prev, b'"' | b'\'')
                {
                    // `key: value`, not `http://` or `a:b`.
                    (i, i + 1, false)
                } else {
                    continue;
                }
            }
            b'>' => {
                // `<password>value</password>`
                if let Some(h) = xml_element(line, i) {
                    out.push(h);
                }
                continue;
            }
            b',' => {
                // `("PASSWORD", "value")`, `define('AUTH_KEY', '...')`.
                if let Some(h) = call_pair(line, i, kind) {
                    out.push(h);
                }
                continue;
            }
            b' ' => {
                // `--password value`, `password value` (netrc).
                if let Some(h) = flag_pair(line, i, kind) {
                    out.push(h);
                }
                continue;
            }
            _ => {
                continue;
            }
        };
        skip_to = op_end;
        let Some(mut name) = name_before(b, op_start) else {
            continue;
        };
        let in_string = name.start > 0
            && matches!(b[name.start - 1], b'"' | b'\'')
            && c == b'='
            && !matches!(b.get(op_end).copied(), Some(b'"' | b'\''))
            && !matches!(b.get(op_end).copied(), Some(b' '));
        let mut name_text = &line[name.clone()];
        if name_text.eq_ignore_ascii_case("value") {
            // `<add key="DbPassword" value="...">`, `name: X, value: Y`
            match attribute_name(line, name.start) {
                Some(n) => {
                    name = n;
                    name_text = &line[name.clone()];
                }
                None => continue,
            }
        }
        if TYPE_WORDS.contains(&name_text.trim_start_matches('&')) && c == b'=' {
            // `password: string = "x"`: the name is before the type.
            if let Some(h) = typed_assignment(line, name.clone(), op_end, kind) {
                out.push(h);
            }
            continue;
        }
        if !maybe_secret_name(name_text) {
            continue;
        }
        // The value first: it costs no allocation, and in code most names
        // are followed by an expression, not a literal.
        let Some((value, was_quoted)) = value_after(b, op_end, kind, in_string) else {
            continue;
        };
        if let Some(h) = decide(line, name, value, was_quoted, weak_op) {
            out.push(h);
        }
    }
}

/// A `name: SECRET_NAME` line followed by a `value: literal` line (a
/// Kubernetes or CI env list): the value's range in `next` and the
/// verdict.
pub fn name_value_pair(line: &str, next: &str) -> Option<(Range<usize>, Severity)> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let name = t.strip_prefix("name:")?.trim().trim_matches(['"', '\'']);
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return None;
    }
    let n = next.trim_end_matches('\r');
    let lead = n.len() - n.trim_start().len();
    n.trim_start().strip_prefix("value:")?;
    let start = lead + "value:".len();
    let (value, quoted) = value_after(n.as_bytes(), start, Kind::Config, false)?;
    let v = &n[value.clone()];
    if is_reference(v) || super::detectors::is_placeholder(v) || (!quoted && is_expression(v)) {
        return None;
    }
    let strength = strength(name)?;
    judge(strength, v, quoted).map(|sev| (value, sev))
}

/// The word right before `at` (separated by blanks), if any.
fn word_before(line: &str, at: usize) -> Option<&str> {
    let b = line.as_bytes();
    let mut e = at;
    while e > 0 && matches!(b[e - 1], b' ' | b'\t') {
        e -= 1;
    }
    if e == at {
        return None;
    }
    let mut s = e;
    while s > 0 && b[s - 1].is_ascii_alphanumeric() && e - s < 32 {
        s -= 1;
    }
    (s < e).then(|| &line[s..e])
}

/// For a `value=` at `at`: the `key="X"` or `name="X"` before it on the line.
fn attribute_name(line: &str, at: usize) -> Option<Range<usize>> {
    let lo = at.saturating_sub(200);
    let lo = (lo..at).find(|&k| line.is_char_boundary(k))?;
    let before = &line[lo..at];
    for attr in ["key", "name", "Key", "Name"] {
        for q in ['"', '\''] {
            let pat = format!("{attr}={q}");
            if let Some(p) = before.rfind(&pat) {
                let s = lo + p + pat.len();
                let e = line[s..at].find(q)? + s;
                return Some(s..e);
            }
            let pat = format!("{attr}: {q}");
            if let Some(p) = before.rfind(&pat) {
                let s = lo + p + pat.len();
                let e = line[s..at].find(q)? + s;
                return Some(s..e);
            }
        }
    }
    None
}

/// `password: string = "x"` (TypeScript, Kotlin) and `var apiKey string
/// = "x"` (Go): the name before the type.
fn typed_assignment(line: &str, ty: Range<usize>, op_end: usize, kind: Kind) -> Option<Found> {
    let b = line.as_bytes();
    let t = &line[ty.clone()];
    if !TYPE_WORDS.contains(&t.trim_start_matches('&')) {
        return None;
    }
    let mut e = ty.start;
    while e > 0 && matches!(b[e - 1], b' ' | b'&' | b'*') {
        e -= 1;
    }
    if e > 0 && b[e - 1] == b':' {
        e -= 1;
    }
    let name = name_before(b, e)?;
    let (value, q) = value_after(b, op_end, kind, false)?;
    if !q {
        return None;
    }
    decide(line, name, value, q, false)
}

/// `<Password>value</Password>` with the `>` at `gt`.
fn xml_element(line: &str, gt: usize) -> Option<Found> {
    let b = line.as_bytes();
    if gt == 0 || !b[gt - 1].is_ascii_alphanumeric() {
        return None;
    }
    let open = rfind_near(b, gt, b'<')?;
    let tag = &line[open + 1..gt];
    if tag.is_empty()
        || tag.starts_with('/')
        || tag.contains(' ')
        || tag.contains('=')
        || tag.ends_with('/')
        || !maybe_secret_name(tag)
    {
        return None;
    }
    let close = format!("</{tag}>");
    let hi = (gt + 1 + VALUE_MAX).min(b.len());
    let hi = (hi..=b.len()).find(|&k| line.is_char_boundary(k))?;
    let rel = line[gt + 1..hi].find(&close)?;
    let value = gt + 1..gt + 1 + rel;
    let v = &line[value.clone()];
    if v.is_empty() || v.contains('<') {
        return None;
    }
    decide(line, open + 1..gt, value, true, false)
}

/// `f("PASSWORD", "value")` with the comma at `comma`: a quoted name, a
/// comma, a quoted value, after an opening parenthesis or bracket.
fn call_pair(line: &str, comma: usize, kind: Kind) -> Option<Found> {
    let b = line.as_bytes();
    let mut e = comma;
    while e > 0 && b[e - 1] == b' ' {
        e -= 1;
    }
    if e < 2 || !matches!(b[e - 1], b'"' | b'\'') {
        return None;
    }
    let q = b[e - 1];
    let s = rfind_near(b, e - 1, q)?;
    let mut p = s;
    while p > 0 && b[p - 1] == b' ' {
        p -= 1;
    }
    if p == 0 || !matches!(b[p - 1], b'(' | b'[') {
        return None;
    }
    let name = s + 1..e - 1;
    if !maybe_secret_name(&line[name.clone()]) {
        return None;
    }
    let (value, quoted) = value_after(b, comma + 1, kind, false)?;
    if !quoted {
        return None;
    }
    decide(line, name, value, true, false)
}

/// `--password value`, `-password value`, and netrc's `password value`,
/// with the blank at `sp`.
fn flag_pair(line: &str, sp: usize, kind: Kind) -> Option<Found> {
    let b = line.as_bytes();
    if sp == 0 || !b[sp - 1].is_ascii_alphanumeric() {
        return None;
    }
    let lo = sp.saturating_sub(40);
    let mut s = sp;
    while s > lo && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_' || b[s - 1] == b'-') {
        s -= 1;
    }
    let word = &line[s..sp];
    let dashed = word.starts_with('-');
    let name = word.trim_start_matches('-');
    if dashed {
        if s > 0 && !matches!(b[s - 1], b' ' | b'\t' | b'"' | b'\'') || !maybe_secret_name(name) {
            return None;
        }
    } else {
        // netrc: `machine h login u password p`.
        if !(name.eq_ignore_ascii_case("password") || name.eq_ignore_ascii_case("passwd"))
            || kind == Kind::Code
            || !line[..s].contains("login")
        {
            return None;
        }
    }
    if strength(name)? == Strength::Weak {
        return None;
    }
    let (value, quoted) = value_after(b, sp + 1, Kind::Config, false)?;
    let v = &line[value.clone()];
    if v.starts_with('-') {
        return None;
    }
    decide(line, sp - name.len()..sp, value, quoted, false)
}

/// A line longer than 4 KiB: only `name: "value"` pairs around its first
/// 512 operators, in windows, so that one minified line costs linear time
/// with a small constant.
fn scan_long_line(line: &str, kind: Kind, out: &mut Vec<Found>) {
    let b = line.as_bytes();
    let mut seen = 0;
    for (i, &c) in b.iter().enumerate() {
        if c != b':' && c != b'=' {
            continue;
        }
        seen += 1;
        if seen > 512 {
            return;
        }
        let lo = i.saturating_sub(NAME_MAX);
        let hi = (i + VALUE_MAX).min(b.len());
        let (Some(lo), Some(hi)) = (
            (lo..=i).find(|&k| line.is_char_boundary(k)),
            (hi..=b.len()).find(|&k| line.is_char_boundary(k)),
        ) else {
            continue;
        };
        let w = &line[lo..hi];
        let wb = w.as_bytes();
        let op = i - lo;
        let Some(name) = name_before(wb, op) else {
            continue;
        };
        if !maybe_secret_name(&w[name.clone()]) {
            continue;
        }
        let Some((value, quoted)) = value_after(wb, op + 1, kind, false) else {
            continue;
        };
        if !quoted {
            continue;
        }
        if let Some((n, v, s)) = decide(w, name, value, true, false) {
            out.push((n.start + lo..n.end + lo, v.start + lo..v.end + lo, s));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(line: &str, kind: Kind) -> Vec<(String, Severity)> {
        let mut out = Vec::new();
        scan_line(line, kind, &mut out);
        out.into_iter()
            .map(|(_, v, s)| (line[v].to_string(), s))
            .collect()
    }

    #[test]
    fn names() {
        for (n, s) in [
            ("DB_PASSWORD", Some(Strength::Password)),
            ("password", Some(Strength::Password)),
            ("dbPass", Some(Strength::Password)),
            ("MYSQL_ROOT_PASSWORD", Some(Strength::Password)),
            ("passwort", Some(Strength::Password)),
            ("client_secret", Some(Strength::Secret)),
            ("apiKey", Some(Strength::Secret)),
            ("API_KEY", Some(Strength::Secret)),
            ("SECRET_KEY_BASE", Some(Strength::Secret)),
            ("auth_token", Some(Strength::Secret)),
            ("key", Some(Strength::Weak)),
            ("token_url", None),
            ("public_key", None),
            ("max_tokens", None),
            ("tokenizer", None),
            ("secret_name", None),
            ("password_length", None),
            ("bypass", None),
            ("passenger", None),
            ("author", None),
            ("kms_key_id", None),
            ("csrf-token", None),
        ] {
            assert_eq!(strength(n), s, "{n}");
        }
    }

    #[test]
    fn assignments() {
        use Severity::*;
        type Case<'a> = (&'a str, Kind, &'a [(&'a str, Severity)]);
        let cases: &[Case<'_>] = &[
            ("DB_PASSWORD=admin123", Kind::Config, &[("admin123", Note)]),
            (
                "MAIL_PASSWORD=Mailpass1234!",
                Kind::Config,
                &[("Mailpass1234!", Error)],
            ),
            (
                "password: \"hunter2-but-longer\" # prod",
                Kind::Config,
                &[("hunter2-but-longer", Error)],
            ),
            ("    api_key = os.getenv(\"API_KEY\")", Kind::Code, &[]),
            ("password = get_password()", Kind::Code, &[]),
            ("password: string;", Kind::Code, &[]),
            (
                "const token = \"Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB\";",
                Kind::Code,
                &[("Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB", Error)],
            ),
            (
                "  <password>S3cure!Pass</password>",
                Kind::Xml,
                &[("S3cure!Pass", Error)],
            ),
            (
                "define('DB_PASSWORD', 'sup3rS3cret!');",
                Kind::Code,
                &[("sup3rS3cret!", Error)],
            ),
            (
                "curl --password Tr0ub4dor3 https://x",
                Kind::Config,
                &[("Tr0ub4dor3", Error)],
            ),
            (
                "machine example.com login bob password s3cr3tPa55",
                Kind::Config,
                &[("s3cr3tPa55", Error)],
            ),
            ("password: ${DB_PASSWORD}", Kind::Config, &[]),
            (
                "secret_name = \"my-app-database-credentials\"",
                Kind::Code,
                &[],
            ),
            ("PASSWORD=changeme", Kind::Config, &[]),
            ("\"password\": \"Password\"", Kind::Data, &[]),
            ("\"password\": \"Enter your password\"", Kind::Data, &[]),
            (
                "let password: string = \"Zq8!xPw-3n\";",
                Kind::Code,
                &[("Zq8!xPw-3n", Error)],
            ),
            (
                "if password == \"Zq8xPw3nLk\":",
                Kind::Code,
                &[("Zq8xPw3nLk", Note)],
            ),
        ];
        for (line, kind, want) in cases {
            let got = found(line, *kind);
            let want: Vec<(String, Severity)> =
                want.iter().map(|(v, s)| (v.to_string(), *s)).collect();
            assert_eq!(got, want, "{line}");
        }
    }

    /// Lines of random bytes around keywords and operators, multi-byte
    /// characters at every offset: the scanner never panics.
    #[test]
    fn random_lines_never_panic() {
        let pieces = [
            "password",
            "= ",
            ": ",
            "\"",
            "'",
            "é",
            "密码",
            "€",
            "-",
            "--token ",
            "<Password>",
            "</Password>",
            "(\"API_KEY\", ",
            ")",
            "[",
            "]",
            "\\n",
            "login ",
            "value: ",
            "name: ",
            "`",
            "${",
            "{{",
            "%(",
            "x",
            "9",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let n = (next() % 24) as usize;
            let line: String = (0..n)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let mut out = Vec::new();
            for kind in [Kind::Config, Kind::Code, Kind::Data, Kind::Xml, Kind::Other] {
                scan_line(&line, kind, &mut out);
            }
            let _ = name_value_pair("- name: password", &line);
            let _ = super::super::detectors::Detectors::get().find("x.txt", &line);
        }
    }

    #[test]
    fn a_long_line_is_linear() {
        let line = "a=b ".repeat(200_000) + "password = \"Zq8!xPw-3nKk\"";
        let t = std::time::Instant::now();
        let mut out = Vec::new();
        scan_line(&line, Kind::Code, &mut out);
        assert!(t.elapsed().as_secs() < 10);
    }
}
