//! What a value looks like, said without revealing it: a placeholder, an
//! expression, a URL (with or without a password, to a local host or not),
//! a known credential format, a random string of some alphabet and length,
//! or human-chosen text. Rules use it to weigh evidence (a credential-shaped
//! value is strong evidence wherever it is) and every finding on a value
//! carries its [`describe`]d shape, so a reviewer can triage without seeing
//! more than the first four characters.

use super::detectors::{Detectors, entropy, is_placeholder};

/// The alphabet of a random-looking string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    Hex,
    Base64,
    Base64Url,
    Alphanumeric,
    Printable,
}

impl Alphabet {
    fn of(v: &str) -> Alphabet {
        let b = v.as_bytes();
        if b.iter().all(u8::is_ascii_hexdigit) {
            Alphabet::Hex
        } else if b.iter().all(u8::is_ascii_alphanumeric) {
            Alphabet::Alphanumeric
        } else if b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        {
            Alphabet::Base64
        } else if b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'='))
        {
            Alphabet::Base64Url
        } else {
            Alphabet::Printable
        }
    }
    fn as_str(&self) -> &'static str {
        match self {
            Alphabet::Hex => "hex",
            Alphabet::Base64 => "base64",
            Alphabet::Base64Url => "base64url",
            Alphabet::Alphanumeric => "alphanumeric",
            Alphabet::Printable => "printable",
        }
    }
}

/// A URL's credential and host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `None`: no password in the URL; `Some(true)`: a password that is
    /// not trivial (not the user name, not a default like `postgres`).
    pub password: Option<bool>,
    /// localhost, a loopback address, a `.local`/`.test`/`.example`
    /// domain, an `example.com` host, or a single-label name (a
    /// docker-compose service: `postgres`, `db`).
    pub local: bool,
}

/// What a value looks like.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Empty, a placeholder word (`changeme`, `<token>`, `xxxx`).
    Placeholder,
    /// An interpolation or expression (`$VAR`, `${…}`, `$(…)`, `{{ … }}`),
    /// not a literal.
    Expression,
    /// A URL.
    Url(Url),
    /// Matches a credential detector: its name.
    Credential(&'static str),
    /// Random-looking: high entropy, several character classes.
    Random { alphabet: Alphabet, len: usize },
    /// Anything else: human-chosen or low-entropy text, and why it looks
    /// weak, if it does (a placeholder-like word, a sequence, too short).
    Text {
        len: usize,
        weak: Option<&'static str>,
    },
}

impl Shape {
    /// Credential-shaped: strong evidence wherever it is written.
    pub fn is_strong(&self) -> bool {
        match self {
            Shape::Credential(_) | Shape::Random { .. } => true,
            Shape::Url(u) => u.password == Some(true) && !u.local,
            _ => false,
        }
    }
    /// Why the value is weak evidence of a secret, if it is.
    pub fn weakness(&self) -> Option<&'static str> {
        match self {
            Shape::Placeholder => Some("placeholder-like"),
            Shape::Expression => Some("an expression, not a literal"),
            Shape::Url(u) if u.password.is_none() => Some("a URL without a password"),
            Shape::Url(u) if u.password == Some(false) => Some("a URL with a trivial password"),
            Shape::Url(u) if u.local => Some("a URL to a local or example host"),
            Shape::Text { weak, .. } => *weak,
            _ => None,
        }
    }
}

/// Words that make a value a stand-in: test fixtures, examples, local
/// development. Matched case-insensitively as parts of the value split on
/// `-`, `_`, `.`, `:`, `/`, `~` and case changes (`mockEncryptionKey`).
const WEAK_WORDS: &[&str] = &[
    "test",
    "testing",
    "tests",
    "mock",
    "mocked",
    "fake",
    "faked",
    "dummy",
    "example",
    "examples",
    "sample",
    "demo",
    "dev",
    "devel",
    "development",
    "local",
    "localhost",
    "changeme",
    "change",
    "placeholder",
    "build",
    "e2e",
    "ci",
    "your",
    "xxx",
    "foo",
    "bar",
    "baz",
    "lorem",
    "ipsum",
    "todo",
    "default",
    "insecure",
    "stub",
    "fixture",
    "integration",
    "unit",
    "secret",
    "password",
    "passwd",
    "pass",
    "token",
    "key",
    "abc",
    "qwerty",
    "letmein",
    "admin",
    "root",
    "guest",
    "user",
    "hello",
    "world",
    "not",
    "real",
    "invalid",
    "none",
    "null",
    "random",
    "my",
];

/// Passwords that come with a database image or a tutorial.
const TRIVIAL_PASSWORDS: &[&str] = &[
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "redis",
    "mongo",
    "mongodb",
    "root",
    "admin",
    "administrator",
    "password",
    "passw0rd",
    "secret",
    "test",
    "testing",
    "dev",
    "guest",
    "user",
    "changeme",
    "example",
    "pass",
    "123456",
    "12345678",
    "1234",
    "toor",
    "rabbitmq",
    "minio",
    "minioadmin",
    "devrandom",
    "default",
    "docker",
    "local",
];

/// The words of a value: split on separators and on lower-to-upper case
/// changes.
fn words(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in v.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A run like `123456789`, `abcdefg` or `0000`: typed, not generated.
fn is_sequence(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 6 {
        return false;
    }
    let steps = b
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1) || w[1] == w[0])
        .count();
    steps * 10 >= (b.len() - 1) * 7
}

/// Mostly words: lowercase runs of four or more letters cover at least
/// 40 % of the value (`Summer2024!Garden`), as they seldom do in generated
/// strings.
fn wordy(v: &str) -> bool {
    let mut in_words = 0;
    let mut run = 0;
    for b in v.bytes().chain(std::iter::once(b' ')) {
        if b.is_ascii_lowercase() {
            run += 1;
        } else {
            if run >= 4 {
                in_words += run;
            }
            run = 0;
        }
    }
    in_words * 10 >= v.len() * 4
}

fn has_weak_word(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    words(v).iter().any(|w| WEAK_WORDS.contains(&w.as_str()))
        || WEAK_WORDS.iter().any(|k| k.len() >= 4 && lower.contains(k))
}

fn is_expression(t: &str) -> bool {
    let b = t.as_bytes();
    t.contains("${")
        || t.contains("$(")
        || t.contains("{{")
        || t.contains("%(")
        || t.contains("#{")
        || t.starts_with('`')
        || t.starts_with(".*")
        || b.windows(2)
            .any(|w| w[0] == b'$' && (w[1].is_ascii_alphabetic() || w[1] == b'_'))
}

fn url(t: &str) -> Option<Url> {
    let (scheme, rest) = t.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        return None;
    }
    // A password may hold `#`, `/` or `?` unencoded: the user info ends at
    // the last `@`, unless that `@` is in the path (`/@user`).
    let (userinfo, after) = match rest.rsplit_once('@') {
        Some((u, h))
            if u.split('/').next().is_some_and(|first| first.contains(':')) || !u.contains('/') =>
        {
            (Some(u), h)
        }
        _ => (None, rest),
    };
    let hostport = after.split(['/', '?', '#']).next().unwrap_or("");
    let host = if let Some(h) = hostport.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        hostport.split(':').next().unwrap_or("")
    }
    .to_ascii_lowercase();
    let local = host.is_empty()
        || host == "localhost"
        || host.starts_with("127.")
        || host == "0.0.0.0"
        || host == "::1"
        || host == "host.docker.internal"
        || !host.contains('.')
        || [
            ".local",
            ".localhost",
            ".test",
            ".example",
            ".invalid",
            ".internal",
        ]
        .iter()
        .any(|s| host.ends_with(s))
        || ["example.com", "example.org", "example.net"]
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    let password = userinfo.and_then(|u| u.split_once(':')).map(|(user, pw)| {
        let pw_l = pw.to_ascii_lowercase();
        !(pw.is_empty()
            || pw == user
            || TRIVIAL_PASSWORDS.contains(&pw_l.as_str())
            || is_placeholder(pw)
            || is_expression(pw)
            || has_weak_word(pw)
            || pw.len() < 8)
    });
    Some(Url { password, local })
}

/// The shape of `value` (a literal's text, without its quotes).
pub fn of(value: &str) -> Shape {
    let t = value.trim();
    if is_expression(t) {
        return Shape::Expression;
    }
    if is_placeholder(t) || Detectors::get().is_known_example(t) {
        // A documented sample value (AWS's example keys, a dev server's
        // fixed token) is a stand-in too.
        return Shape::Placeholder;
    }
    if let Some(u) = url(t) {
        return Shape::Url(u);
    }
    if let Some(m) = Detectors::get()
        .find_in("", t, std::slice::from_ref(&(0..t.len())))
        .into_iter()
        .find(|m| !m.detector.id.starts_with("generic"))
    {
        return Shape::Credential(m.detector.name.as_str());
    }
    let len = t.chars().count();
    let classes = [
        t.bytes().any(|c| c.is_ascii_lowercase()),
        t.bytes().any(|c| c.is_ascii_uppercase()),
        t.bytes().any(|c| c.is_ascii_digit()),
        t.bytes().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    let weak_word = has_weak_word(t);
    let hex_like = t.bytes().all(|c| c.is_ascii_hexdigit());
    let random = len >= 16
        && !weak_word
        && !wordy(t)
        && !is_sequence(t)
        && !t.contains(' ')
        && (entropy(t) >= 3.5 && classes >= 2 || hex_like && len >= 32 && entropy(t) >= 3.0);
    if random {
        return Shape::Random {
            alphabet: Alphabet::of(t),
            len,
        };
    }
    let weak = if weak_word {
        Some("placeholder-like")
    } else if is_sequence(t) {
        Some("a typed sequence")
    } else if len < 8 {
        Some("short")
    } else if entropy(t) < 2.5 {
        Some("low entropy")
    } else {
        None
    };
    Shape::Text { len, weak }
}

/// The shape in words, for messages: `high-entropy base64, 40 chars`,
/// `a URL with a password`, `matches: GitHub personal access token`,
/// `placeholder-like, 12 chars`. Never more of the value than its length.
pub fn describe(value: &str) -> String {
    let len = value.trim().chars().count();
    match of(value) {
        Shape::Placeholder => "placeholder-like".into(),
        Shape::Expression => "an expression".into(),
        Shape::Url(u) => match (u.password, u.local) {
            (None, _) => "a URL without a password".into(),
            (Some(false), _) => "a URL with a trivial password".into(),
            (Some(true), true) => "a URL with a password, local host".into(),
            (Some(true), false) => "a URL with a password".into(),
        },
        Shape::Credential(name) => format!("matches: {name}"),
        Shape::Random { alphabet, len } => {
            format!("high-entropy {}, {len} chars", alphabet.as_str())
        }
        Shape::Text { weak: Some(w), .. } => format!("{w}, {len} chars"),
        Shape::Text { weak: None, .. } => format!("text, {len} chars"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(of(""), Shape::Placeholder);
        assert_eq!(of("changeme"), Shape::Placeholder);
        assert_eq!(of("sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"), Shape::Placeholder);
        assert_eq!(of("$(openssl rand -hex 32)"), Shape::Expression);
        assert_eq!(of("${DB_PASSWORD}"), Shape::Expression);
        assert_eq!(of("\\\"$smtp_password\\\""), Shape::Expression);
        assert_eq!(
            of(".*|REDIS_URL=redis://localhost:6379|"),
            Shape::Expression
        );
        for weak in [
            "mock-encryption-key",
            "mockEncryptionKey12",
            "THis~iS4faKe~sEcReT",
            "e2e-secret-for-playwright-runs",
            "build-time-placeholder",
            "test-license-key",
            "xx",
            "yes",
            "12345678901234567890123456789012",
            "smtpPassword",
            "devrandom123",
        ] {
            let s = of(weak);
            assert!(!s.is_strong(), "{weak}: {s:?}");
            assert!(s.weakness().is_some(), "{weak}: {s:?}");
        }
        for strong in [
            "9f2kq8ZrT1vLw3xN7bYc4uPa6sDe0hJm",
            "8d3b0f6a41c94f7e9b2d5a7c1e0f4b6a8d3b0f6a41c94f7e",
            "ghp_R8tKq2ZxW4mN7vB1cY6dH3jL9pS0fG5aE2uQ",
            "postgresql://app:Vq7#kT2mZ9xLp4wR@db.prod.internal.acme.io:5432/app",
        ] {
            assert!(of(strong).is_strong(), "{strong}: {:?}", of(strong));
        }
        // A human-chosen password in real config: neither strong nor weak.
        let s = of("Summer2024!Garden");
        assert!(!s.is_strong() && s.weakness().is_none(), "{s:?}");
    }

    #[test]
    fn urls() {
        let u = |v: &str| match of(v) {
            Shape::Url(u) => u,
            s => panic!("{v}: {s:?}"),
        };
        assert_eq!(
            u("postgresql://postgres:postgres@localhost:5432/db"),
            Url {
                password: Some(false),
                local: true
            }
        );
        assert_eq!(
            u("redis://redis:6379"),
            Url {
                password: None,
                local: true
            }
        );
        assert_eq!(
            u("mysql://root:@127.0.0.1:3306/dub"),
            Url {
                password: Some(false),
                local: true
            }
        );
        assert!(u("amqp://svc:Vq7kT2mZ9xLp4wR@mq.acme.io").password == Some(true));
        assert!(u("http://minio:9000").local);
        assert!(!u("https://api.acme.io/v1").local);
    }

    #[test]
    fn descriptions_never_show_more_than_the_length() {
        let v = "9f2kq8ZrT1vLw3xN7bYc4uPa6sDe0hJm";
        let d = describe(v);
        assert_eq!(d, "high-entropy alphanumeric, 32 chars");
        assert_eq!(
            describe("mock-encryption-key"),
            "placeholder-like, 19 chars"
        );
        assert_eq!(
            describe("postgresql://postgres:postgres@localhost:5432/db"),
            "a URL with a trivial password"
        );
        assert!(
            describe("ghp_R8tKq2ZxW4mN7vB1cY6dH3jL9pS0fG5aE2uQ").starts_with("matches: GitHub")
        );
    }
}
