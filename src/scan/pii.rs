//! Log calls and the PII fields in their arguments, for the `pii-in-log`
//! rule (`crate::rules::pii_in_log`).
//!
//! A small lexer, not regexes over lines: a log call is found by its callee
//! (`console.log(`, `logger.info(`, `logging.warning(`, `slog.Info(`,
//! `tracing::info!(`, …), then its arguments are read to the matching
//! parenthesis across lines, skipping comments and the text of string
//! literals but descending into template and f-string interpolations.
//! In the arguments, a field is mentioned by member access (`user.email`),
//! as an object key or keyword argument (`{ email: … }`, `email=…`), as a
//! string key that is exactly the field (`"email", u.Email`), or as a bare
//! variable (`email`). Not mentioned: a member of a receiver that is plainly
//! not a person (`err.name`, `migration.name`; configurable), an identifier
//! that merely contains the word (`emailVerified`), words inside string
//! literals, and anything inside a redacting call (`redact(…)`, `hash(…)`).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

pub struct Pii {
    fields: HashSet<String>,
    /// A field without `_`, lower case → the field (the first in sorted
    /// order when two spell the same): `u.Email`, `FirstName` in Go and Java.
    folded: HashMap<String, String>,
    redactors: HashSet<String>,
    non_person: HashSet<String>,
    sinks: Vec<String>,
    /// The log-call regex of each language, compiled on first use.
    calls: [OnceLock<Option<Regex>>; 5],
}

/// The languages whose log calls are read: a subset of the file kinds of
/// [`crate::envref::lang`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    Js,
    Python,
    Go,
    Rust,
    Java,
}

fn lang(path: &str) -> Option<Lang> {
    use crate::envref::Lang as K;
    Some(match crate::envref::lang(path) {
        K::Js => Lang::Js,
        K::Python => Lang::Python,
        K::Go => Lang::Go,
        K::Rust => Lang::Rust,
        K::Java => Lang::Java,
        _ => return None,
    })
}

/// PII fields that are also everyday words in code (`name` of a command, a
/// job, a column; `address` of a socket). They count only as a member of a
/// receiver that names a person (`user.name`, `customer.address`).
const AMBIGUOUS_FIELDS: &[&str] = &[
    "name", "address", "title", "age", "gender", "location", "city", "country",
];

/// Words that make a receiver a person.
const PERSON_WORDS: &[&str] = &[
    "user",
    "customer",
    "patient",
    "member",
    "person",
    "people",
    "profile",
    "contact",
    "owner",
    "author",
    "employee",
    "client",
    "account",
    "applicant",
    "subscriber",
    "recipient",
    "sender",
    "buyer",
    "seller",
    "student",
    "guest",
    "visitor",
    "lead",
    "player",
    "driver",
    "rider",
    "passenger",
    "tenant",
    "signup",
    "attendee",
    "candidate",
];

fn is_person(receiver: &str) -> bool {
    let r = receiver.to_ascii_lowercase();
    PERSON_WORDS.iter().any(|w| r.contains(w))
}

const JS_METHODS: &str = "log|info|warn|error|debug|trace|fatal";

fn call_regex(l: Lang, sinks: &[String]) -> Option<Regex> {
    let extra: String = sinks
        .iter()
        .map(|s| format!("|{}", regex::escape(s)))
        .collect();
    let pat = match l {
        Lang::Js => format!(
            r"(?-u:\b)(?:console\.(?:log|info|warn|error|debug|trace)|(?:logger|log|winston|pino|bunyan{extra})\.(?:{JS_METHODS}))\s*\("
        ),
        Lang::Python => format!(
            r"(?-u:\b)(?:logging|logger|log|LOGGER|LOG|_logger|_log{extra})\.(?:debug|info|warning|warn|error|exception|critical|fatal|log)\s*\(|(?-u:\b)print\s*\("
        ),
        Lang::Go => format!(
            r"(?-u:\b)(?:log\.(?:Print|Printf|Println|Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln)|slog\.(?:Debug|Info|Warn|Error|Log)(?:Context|Attrs)?|(?:logger|log|sugar|zap\.L\(\)|zap\.S\(\)|logrus|entry{extra})\.(?:Debug|Info|Warn|Error|Fatal|Panic|DPanic|Trace)(?:f|w|ln)?)\s*\("
        ),
        Lang::Rust => {
            r"(?-u:\b)(?:(?:tracing|log)::)?(?:trace|debug|info|warn|error|e?println|e?print)!\s*\("
                .to_string()
        }
        Lang::Java => format!(
            r"(?-u:\b)(?:log|logger|LOG|LOGGER|Log|Logger{extra})\.(?:trace|debug|info|warn|error|fatal)\s*\("
        ),
    };
    Regex::new(&pat).ok()
}

/// A token of the argument text.
#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Ident(&'a str, usize),
    /// A string literal's full content (no interpolation), and its span.
    Str(&'a str, usize, usize),
    Punct(u8, usize),
}

/// Tokenizes `s` (argument text starting at `base` in the file) until the
/// parenthesis that closes the call; interpolations inside template and
/// f-strings are tokenized as code. Returns `None` when the call does not
/// close within the text.
fn tokens(s: &str, base: usize, l: Lang) -> Option<Vec<Tok<'_>>> {
    let mut out = Vec::new();
    tokens_into(s, base, l, true, &mut out).then_some(out)
}

/// Tokenizes `s` into `out`. With `stop_on_close`, stops at the unmatched
/// closing parenthesis and returns whether one was found; without, reads
/// all of `s` (an interpolation's inside).
fn tokens_into<'a>(
    s: &'a str,
    base: usize,
    l: Lang,
    stop_on_close: bool,
    out: &mut Vec<Tok<'a>>,
) -> bool {
    let b = s.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    // Stack of interpolation depths: inside `${…}` of a template literal,
    // the closing brace returns to the template.
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') && l != Lang::Python => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' if l == Lang::Python => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'"' | b'\'' | b'`' => {
                // Python prefixes: f"…", rf'…'; the f makes it interpolated.
                let fstring = l == Lang::Python && {
                    let mut k = i;
                    let mut f = false;
                    while k > 0 && b[k - 1].is_ascii_alphabetic() {
                        k -= 1;
                        f |= b[k] == b'f' || b[k] == b'F';
                    }
                    f
                };
                let triple =
                    l == Lang::Python && b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
                let q = c;
                let start = if triple { i + 3 } else { i + 1 };
                let mut j = start;
                let interp = (q == b'`' && l == Lang::Js) || fstring;
                let mut plain = true;
                while j < b.len() {
                    if b[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if triple {
                        if b[j] == q && b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q) {
                            break;
                        }
                    } else if b[j] == q || (b[j] == b'\n' && q != b'`') {
                        break;
                    }
                    let open = if l == Lang::Js {
                        b[j] == b'$' && b.get(j + 1) == Some(&b'{')
                    } else {
                        b[j] == b'{' && b.get(j + 1) != Some(&b'{')
                    };
                    if interp && open {
                        plain = false;
                        let inner = if l == Lang::Js { j + 2 } else { j + 1 };
                        // Find the matching brace and tokenize the inside.
                        let mut d = 1;
                        let mut k = inner;
                        while k < b.len() && d > 0 {
                            match b[k] {
                                b'{' => d += 1,
                                b'}' => d -= 1,
                                _ => {}
                            }
                            k += 1;
                        }
                        let inner_end = k.saturating_sub(1).max(inner);
                        tokens_into(&s[inner..inner_end], base + inner, l, false, out);
                        j = k;
                        continue;
                    }
                    if interp && l == Lang::Python && b[j] == b'{' {
                        j += 2;
                        continue;
                    }
                    j += 1;
                }
                let end = j.min(b.len());
                if plain {
                    out.push(Tok::Str(&s[start..end], base + start, base + end));
                }
                i = end + if triple { 3 } else { 1 };
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                out.push(Tok::Punct(c, base + i));
                i += 1;
            }
            b')' | b']' | b'}' => {
                if depth == 0 && stop_on_close {
                    return true;
                }
                depth -= 1;
                out.push(Tok::Punct(c, base + i));
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let st = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$')
                {
                    i += 1;
                }
                out.push(Tok::Ident(&s[st..i], base + st));
            }
            _ => {
                out.push(Tok::Punct(c, base + i));
                i += 1;
            }
        }
    }
    !stop_on_close
}

/// A PII field in a log call's arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct LogArg {
    pub start: usize,
    pub end: usize,
    /// As written: `user.email`, `"email"`, `email`.
    pub what: String,
    pub field: String,
    pub callee: String,
}

impl Pii {
    pub fn new(
        fields: &[String],
        redactors: &[String],
        non_person: &[String],
        sinks: &[String],
    ) -> Pii {
        let mut sorted: Vec<&String> = fields.iter().collect();
        sorted.sort_unstable();
        let mut folded = HashMap::new();
        for f in sorted {
            folded
                .entry(f.replace('_', "").to_ascii_lowercase())
                .or_insert_with(|| f.clone());
        }
        Pii {
            fields: fields.iter().cloned().collect(),
            folded,
            redactors: redactors.iter().map(|s| s.to_ascii_lowercase()).collect(),
            non_person: non_person.iter().map(|s| s.to_ascii_lowercase()).collect(),
            sinks: sinks.to_vec(),
            calls: Default::default(),
        }
    }

    fn is_field(&self, name: &str) -> Option<String> {
        if self.fields.contains(name) {
            return Some(name.to_string());
        }
        // Go and Java spell fields in other cases: u.Email, getEmail is not.
        // A name with `_` matches only as written.
        if name.contains('_') {
            return None;
        }
        self.folded.get(&name.to_ascii_lowercase()).cloned()
    }

    /// A few redacting calls, for help texts.
    pub fn redactors_hint(&self) -> String {
        let mut r: Vec<&str> = self.redactors.iter().map(String::as_str).collect();
        r.sort_unstable();
        r.truncate(4);
        r.join(", ")
    }

    /// The PII fields passed to log calls in `text`.
    pub fn find(&self, path: &str, text: &str) -> Vec<LogArg> {
        let mut out = Vec::new();
        if self.fields.is_empty() {
            return out;
        }
        let Some(l) = lang(path) else { return out };
        let Some(re) = self.calls[l as usize]
            .get_or_init(|| call_regex(l, &self.sinks))
            .as_ref()
        else {
            return out;
        };
        for m in re.find_iter(text) {
            let callee = text[m.start()..m.end()]
                .trim_end_matches(|c: char| c == '(' || c.is_whitespace())
                .to_string();
            let args_start = m.end();
            let window_end = (args_start + 4000).min(text.len());
            let mut window_end = window_end;
            while !text.is_char_boundary(window_end) {
                window_end -= 1;
            }
            let Some(toks) = tokens(&text[args_start..window_end], args_start, l) else {
                continue;
            };
            self.scan_args(&toks, &callee, &mut out);
        }
        out
    }

    fn scan_args(&self, toks: &[Tok<'_>], callee: &str, out: &mut Vec<LogArg>) {
        // Depths at which an enclosing call is a redactor.
        let mut stack: Vec<bool> = Vec::new();
        let mut redacted_depth = 0usize;
        for (i, t) in toks.iter().enumerate() {
            let prev = if i > 0 { toks.get(i - 1) } else { None };
            let next = toks.get(i + 1);
            match t {
                Tok::Punct(b'(', _) => {
                    let redactor = matches!(prev, Some(Tok::Ident(name, _)) if self.redactors.contains(&name.to_ascii_lowercase()));
                    stack.push(redactor);
                    if redactor {
                        redacted_depth += 1;
                    }
                }
                Tok::Punct(b')', _) if stack.pop() == Some(true) => {
                    redacted_depth = redacted_depth.saturating_sub(1);
                }
                Tok::Punct(b'[' | b'{', _) => stack.push(false),
                Tok::Punct(b']' | b'}', _) => {
                    stack.pop();
                }
                Tok::Ident(name, pos) if redacted_depth == 0 => {
                    let Some(field) = self.is_field(name) else {
                        continue;
                    };
                    let called = matches!(next, Some(Tok::Punct(b'(', _)));
                    if called {
                        continue;
                    }
                    let ambiguous = AMBIGUOUS_FIELDS.contains(&field.as_str());
                    let after_dot = matches!(prev, Some(Tok::Punct(b'.', _)));
                    let (start, what) = if after_dot {
                        // Member access: look at the receiver.
                        let recv = match toks.get(i.wrapping_sub(2)) {
                            Some(Tok::Ident(r, rp)) => Some((*r, *rp)),
                            _ => None,
                        };
                        match recv {
                            Some((r, _)) if self.non_person.contains(&r.to_ascii_lowercase()) => {
                                continue;
                            }
                            Some((r, _)) if ambiguous && !is_person(r) => continue,
                            Some((r, rp)) => (rp, format!("{r}.{name}")),
                            None => continue,
                        }
                    } else {
                        // A bare name counts as a key (`{ email }`,
                        // `{ email: x }`, `email=x`, `email = %x`), never as
                        // a positional value: `print(name)` is too often a
                        // command's or a file's name.
                        let key_position =
                            matches!(next, Some(Tok::Punct(b':' | b'=' | b',' | b'}', _)))
                                && matches!(prev, None | Some(Tok::Punct(b'{' | b',' | b'(', _)));
                        if ambiguous || !key_position {
                            continue;
                        }
                        (*pos, name.to_string())
                    };
                    out.push(self.hit(start, pos + name.len(), &what, &field, callee));
                }
                Tok::Str(content, s, e) if redacted_depth == 0 => {
                    // A string that is exactly a field name, used as a key.
                    let key = matches!(next, Some(Tok::Punct(b':' | b',' | b'=', _)));
                    if key
                        && let Some(field) = self.is_field(content)
                        && !AMBIGUOUS_FIELDS.contains(&field.as_str())
                    {
                        let value_follows = toks
                            .get(i + 2)
                            .is_some_and(|t| !matches!(t, Tok::Punct(b')' | b'}' | b']', _)));
                        // `"ssn", redact(u.SSN)`: the value is redacted.
                        let redacted_value = matches!(
                            (toks.get(i + 2), toks.get(i + 3)),
                            (Some(Tok::Ident(f, _)), Some(Tok::Punct(b'(', _))) if self.redactors.contains(&f.to_ascii_lowercase())
                        );
                        let value_follows = value_follows && !redacted_value;
                        if value_follows {
                            out.push(self.hit(
                                s.saturating_sub(1),
                                e + 1,
                                &format!("\"{content}\""),
                                &field,
                                callee,
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn hit(&self, start: usize, end: usize, what: &str, field: &str, callee: &str) -> LogArg {
        LogArg {
            start,
            end,
            what: what.to_string(),
            field: field.to_string(),
            callee: callee.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pii() -> Pii {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Pii::new(
            &own(&["email", "name", "phone", "date_of_birth"]),
            &own(crate::config::DEFAULT_REDACTING_CALLS),
            &own(crate::config::DEFAULT_NON_PERSON_RECEIVERS),
            &[],
        )
    }

    fn found(path: &str, text: &str) -> Vec<String> {
        pii()
            .find(path, text)
            .iter()
            .map(|h| text[h.start..h.end].to_string())
            .collect()
    }

    #[test]
    fn javascript() {
        assert_eq!(
            found("a.ts", "console.log(`signup ${user.email}`)\n"),
            ["user.email"]
        );
        assert_eq!(
            found(
                "a.ts",
                "logger.error({\n  msg: 'checkout failed',\n  userEmail: user.email,\n  id: user.id,\n})\n"
            ),
            ["user.email"]
        );
        assert_eq!(found("a.ts", "logger.info({ email, plan })\n"), ["email"]);
        assert_eq!(
            found("a.ts", "logger.info({ email: address })\n"),
            ["email"]
        );
        assert!(
            found(
                "a.ts",
                "console.error('failed', err.name, migration.name)\n"
            )
            .is_empty()
        );
        assert!(
            found(
                "a.ts",
                "console.log('send email to name', user.emailVerified)\n"
            )
            .is_empty()
        );
        assert!(found("a.ts", "logger.info(redact(user.email))\n").is_empty());
        assert!(found("a.ts", "logger.info({ hash: hash(user.email) })\n").is_empty());
        assert!(found("a.ts", "sendEmail(user.email)\n").is_empty());
        assert!(found("a.ts", "console.log(getName())\n").is_empty());
    }

    #[test]
    fn python() {
        assert_eq!(
            found(
                "a.py",
                "logger.info(\n    \"user %s signed up\",\n    user.email,\n)\n"
            ),
            ["user.email"]
        );
        assert_eq!(
            found("a.py", "logging.warning(f\"bad login for {user.phone}\")\n"),
            ["user.phone"]
        );
        assert_eq!(
            found("a.py", "log.info(\"x\", extra={\"email\": u.addr})\n"),
            ["\"email\""]
        );
        assert!(found("a.py", "logger.warning(\"email delivery failed\")\n").is_empty());
        assert!(found("a.py", "logger = logging.getLogger(__name__)\n").is_empty());
        assert!(found("a.py", "logger.info(\"migrating %s\", self.name)\n").is_empty());
        assert!(found("a.py", "logger.info(\"x %s\", mask(user.email))\n").is_empty());
    }

    #[test]
    fn go_rust_java() {
        assert_eq!(
            found("a.go", "slog.Info(\"signup\", \"email\", u.Email)\n"),
            ["\"email\"", "u.Email"]
        );
        assert_eq!(
            found("a.go", "log.Printf(\"user %s\", user.Name)\n"),
            ["user.Name"]
        );
        assert!(found("a.go", "log.Printf(\"table %s\", table.Name)\n").is_empty());
        assert_eq!(
            found("a.rs", "tracing::info!(email = %user.email, \"signup\");\n"),
            ["email", "user.email"]
        );
        assert!(found("a.rs", "println!(\"{}\", err.name)\n").is_empty());
        assert_eq!(
            found("A.java", "log.info(\"user {}\", user.email);\n"),
            ["user.email"]
        );
    }
}
