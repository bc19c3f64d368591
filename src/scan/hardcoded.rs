//! `hardcoded-secret`: an inventoried name assigned a literal value in a
//! `.env` file, a compose or Kubernetes manifest, Terraform, a JSON/YAML/TOML
//! config or source code. One Aho-Corasick pass over the inventory's names,
//! then a small look at what follows each name.

use aho_corasick::AhoCorasick;
use base64::Engine;

use super::detectors::is_placeholder;

pub struct Hardcoded {
    names: Vec<String>,
    ac: Option<AhoCorasick>,
}

/// A literal assigned to a name: the value's byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// Files where a bare (unquoted) value is a literal.
fn bare_values_are_literals(path: &str) -> bool {
    let file = crate::envref::file_name(path);
    crate::envref::is_dotenv(path)
        || [
            ".yaml",
            ".yml",
            ".toml",
            ".ini",
            ".properties",
            ".conf",
            ".cfg",
            ".sh",
            ".bash",
            ".zsh",
            ".tfvars",
        ]
        .iter()
        .any(|e| file.ends_with(e))
        || file == "Dockerfile"
}

fn ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl Hardcoded {
    pub fn new(names: impl IntoIterator<Item = String>) -> Hardcoded {
        let names: Vec<String> = names.into_iter().filter(|n| n.len() >= 3).collect();
        let ac = if names.is_empty() {
            None
        } else {
            AhoCorasick::new(&names).ok()
        };
        Hardcoded { names, ac }
    }

    pub fn find(&self, path: &str, text: &str) -> Vec<Assignment> {
        self.scan(
            path,
            text,
            std::slice::from_ref(&(0..text.len())),
            &mut Vec::new(),
        )
    }

    /// One pass for both: literal assignments, and (into `mentioned`) the
    /// names that occur as whole words, where the name starts inside
    /// `regions` (byte ranges of `text`).
    pub fn scan(
        &self,
        path: &str,
        text: &str,
        regions: &[std::ops::Range<usize>],
        mentioned: &mut Vec<String>,
    ) -> Vec<Assignment> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let b = text.as_bytes();
        let bare_ok = bare_values_are_literals(path);
        let yaml = matches!(crate::envref::lang(path), crate::envref::Lang::Yaml);
        let mut out = Vec::new();
        let mut line = LineCtx::new(text);
        let found = regions
            .iter()
            .flat_map(|r| ac.find_iter(aho_corasick::Input::new(text).range(r.clone())));
        for m in found {
            let (s, e) = (m.start(), m.end());
            if (s > 0 && ident(b[s - 1])) || (e < b.len() && ident(b[e])) {
                continue;
            }
            let name = &self.names[m.pattern().as_usize()];
            if !mentioned.contains(name) {
                mentioned.push(name.clone());
            }
            if s > 0 && (b[s - 1] == b'$' || b[s - 1] == b'{') {
                // An interpolation (`$NAME`, `${NAME:-…}`), not an assignment.
                continue;
            }
            if line.in_command(s) {
                // `sed -i "s/NAME=.*/NAME=x/"`, `grep '^NAME=' .env`: a
                // command's argument, not an assignment.
                continue;
            }
            let k8s = || yaml.then(|| k8s_env_value(text, s, e)).flatten();
            if let Some((vs, ve)) = value_after(b, e, bare_ok).or_else(k8s) {
                if line.closes_a_string(s, vs) {
                    continue;
                }
                let raw = &text[vs..ve];
                if is_placeholder(raw) || looks_like_reference(raw) || decodes_to_placeholder(raw) {
                    continue;
                }
                out.push(Assignment {
                    name: name.clone(),
                    start: vs,
                    end: ve,
                });
            }
        }
        out
    }
}

/// Text tools (`sed`, `grep`, `awk`, `perl -pe`, `envsubst`): names on a
/// line that runs one are patterns and replacements.
const COMMANDS: [&str; 7] = ["sed ", "grep ", "awk ", "perl -", "envsubst", "sd ", "rg "];

/// What the scan needs to know about the line of a match, kept while the
/// matches stay on it: a minified line with 10,000 assignments is read a
/// bounded number of times, not once per match.
struct LineCtx<'a> {
    text: &'a str,
    /// The current line: `start..end` (end at its `\n` or the text's end).
    start: usize,
    end: usize,
    /// Where the first text-tool command on the line ends.
    cmd_end: Option<usize>,
    /// Quotes counted on the line up to `cursor`: (`"`, `'`).
    cursor: usize,
    quotes: (usize, usize),
}

impl<'a> LineCtx<'a> {
    fn new(text: &'a str) -> LineCtx<'a> {
        LineCtx {
            text,
            start: 0,
            end: 0,
            cmd_end: None,
            cursor: 0,
            quotes: (0, 0),
        }
    }

    fn goto(&mut self, at: usize) {
        if self.start <= at && (at < self.end || (at == self.end && self.end != 0)) {
            return;
        }
        let b = self.text.as_bytes();
        let from = if at >= self.end && self.end != 0 {
            self.end
        } else {
            0
        };
        self.start = memchr::memrchr(b'\n', &b[from..at]).map_or(from, |i| from + i + 1);
        self.end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i);
        let line = &b[self.start..self.end];
        self.cmd_end = COMMANDS
            .iter()
            .filter_map(|c| {
                memchr::memmem::find(line, c.as_bytes()).map(|i| self.start + i + c.len())
            })
            .min();
        self.cursor = self.start;
        self.quotes = (0, 0);
    }

    /// The line holding `at` runs a text tool before `at`.
    fn in_command(&mut self, at: usize) -> bool {
        self.goto(at);
        self.cmd_end.is_some_and(|e| e <= at)
    }

    /// The value at `vs` opens with a quote that closes a string the name at
    /// `s` is inside (`'^NAME=' .env`): it is not the name's value. An odd
    /// number of that quote before the value's on the line means it closes
    /// one (`"API_KEY":"v"` has two before it, `'^API_KEY='` one).
    fn closes_a_string(&mut self, s: usize, vs: usize) -> bool {
        let b = self.text.as_bytes();
        let Some(&q) = vs.checked_sub(1).and_then(|i| b.get(i)) else {
            return false;
        };
        if q != b'"' && q != b'\'' {
            return false;
        }
        self.goto(s);
        let upto = vs - 1;
        if upto < self.cursor {
            self.cursor = self.start;
            self.quotes = (0, 0);
        }
        for &c in &b[self.cursor..upto.max(self.cursor)] {
            match c {
                b'"' => self.quotes.0 += 1,
                b'\'' => self.quotes.1 += 1,
                _ => {}
            }
        }
        self.cursor = upto.max(self.cursor);
        let n = if q == b'"' {
            self.quotes.0
        } else {
            self.quotes.1
        };
        n % 2 == 1
    }
}

fn looks_like_reference(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    l.contains("${")
        || l.contains("{{")
        || l.starts_with("secretkeyref")
        || l.starts_with("valuefrom")
        || l.starts_with("env(")
        || l.starts_with("process.env")
        || l.starts_with("os.environ")
        || l.starts_with("var.")
        || l.starts_with("vault:")
        || l.starts_with("op://")
        || l.starts_with("arn:aws:secretsmanager")
        || l.starts_with("@microsoft.keyvault")
        || l.starts_with("ref+")
        || l == "true"
        || l == "false"
}

/// A Kubernetes `Secret`'s `data:` holds base64; a placeholder stays one.
fn decodes_to_placeholder(v: &str) -> bool {
    if v.len() < 4 || !v.len().is_multiple_of(4) {
        return false;
    }
    match base64::engine::general_purpose::STANDARD.decode(v) {
        Ok(bytes) => std::str::from_utf8(&bytes).is_ok_and(|s| is_placeholder(s.trim())),
        Err(_) => false,
    }
}

/// After a name at `e`: `"NAME": "v"`, `NAME = "v"`, `NAME := "v"`,
/// `NAME: v`, `NAME=v`, `NAME: &str = "v"`. Returns the value's range.
fn value_after(b: &[u8], mut i: usize, bare_ok: bool) -> Option<(usize, usize)> {
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
        i += 1;
    }
    skip_ws(&mut i);
    let op_start = i;
    match b.get(i)? {
        b':' if b.get(i + 1) == Some(&b'=') => i += 2,
        b'=' if b.get(i + 1) == Some(&b'>') => i += 2,
        b'=' if b.get(i + 1) == Some(&b'=') => return None,
        b'=' | b':' => i += 1,
        _ => return None,
    }
    skip_ws(&mut i);
    // A type annotation (`: &str = "v"`, `: string = "v"`): skip to `=`.
    if b[op_start] == b':' && !bare_ok && i < b.len() && b[i] != b'"' && b[i] != b'\'' {
        let rest = &b[i..b.len().min(i + 48)];
        let eq = rest
            .iter()
            .position(|&c| c == b'=' || c == b'\n' || c == b';')?;
        if rest[eq] != b'=' {
            return None;
        }
        i += eq + 1;
        skip_ws(&mut i);
    }
    let q = *b.get(i)?;
    if q == b'"' || q == b'\'' || q == b'`' {
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j] != q && b[j] != b'\n' {
            if b[j] == b'\\' {
                j += 1;
            }
            j += 1;
        }
        if j >= b.len() || b[j] != q {
            return None;
        }
        return Some((start, j));
    }
    if !bare_ok {
        return None;
    }
    let start = i;
    let mut j = i;
    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'#' && b[j] != b',' {
        j += 1;
    }
    if j == start
        || b[start] == b'<'
        || b[start] == b'|'
        || b[start] == b'>'
        || b[start] == b'&'
        || b[start] == b'*'
    {
        return None;
    }
    Some((start, j))
}

/// Kubernetes `env`: `- name: NAME` then `value: literal` on the next line.
fn k8s_env_value(text: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..s].trim_end_matches(['"', '\'']).trim_end();
    if !before.ends_with("name:") {
        return None;
    }
    let next_start = e + text[e..].find('\n')? + 1;
    let next_end = text[next_start..]
        .find('\n')
        .map_or(text.len(), |i| next_start + i);
    let next = &text[next_start..next_end];
    let trimmed = next.trim_start();
    let rest = trimmed.strip_prefix("value:")?;
    let vs_rel =
        next.len() - trimmed.len() + "value:".len() + (rest.len() - rest.trim_start().len());
    let v = rest.trim();
    if v.is_empty() {
        return None;
    }
    let mut vs = next_start + vs_rel;
    let mut ve = vs + v.len();
    if (v.starts_with('"') && v.ends_with('"') || v.starts_with('\'') && v.ends_with('\''))
        && v.len() >= 2
    {
        vs += 1;
        ve -= 1;
    }
    Some((vs, ve))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(path: &str, text: &str) -> Vec<String> {
        let h = Hardcoded::new(["JWT_SECRET".to_string(), "DB_PASSWORD".to_string()]);
        h.find(path, text)
            .iter()
            .map(|a| text[a.start..a.end].to_string())
            .collect()
    }

    #[test]
    fn literal_assignments_across_formats() {
        assert_eq!(find(".env", "JWT_SECRET=9f8e7d6c5b4a\n"), ["9f8e7d6c5b4a"]);
        assert_eq!(
            find("a.env.local", "export JWT_SECRET=\"9f8e7d6c5b4a\"\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find(
                "compose.yml",
                "    environment:\n      - JWT_SECRET=9f8e7d6c5b4a\n"
            ),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("compose.yml", "      JWT_SECRET: 9f8e7d6c5b4a\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find(
                "k8s.yaml",
                "        - name: JWT_SECRET\n          value: \"9f8e7d6c5b4a\"\n"
            ),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("secret.yaml", "data:\n  JWT_SECRET: OWY4ZTdkNmM1YjRh\n"),
            ["OWY4ZTdkNmM1YjRh"]
        );
        assert_eq!(
            find("main.tf", "  JWT_SECRET = \"9f8e7d6c5b4a\"\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("config.json", "{\"JWT_SECRET\": \"9f8e7d6c5b4a\"}"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("app.ts", "const JWT_SECRET = '9f8e7d6c5b4a';\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("app.py", "DB_PASSWORD = \"9f8e7d6c5b4a\"\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("main.go", "JWT_SECRET := \"9f8e7d6c5b4a\"\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("lib.rs", "const JWT_SECRET: &str = \"9f8e7d6c5b4a\";\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("App.java", "String JWT_SECRET = \"9f8e7d6c5b4a\";\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("app.rb", "JWT_SECRET = '9f8e7d6c5b4a'\n"),
            ["9f8e7d6c5b4a"]
        );
        assert_eq!(
            find("run.sh", "JWT_SECRET=9f8e7d6c5b4a ./server\n"),
            ["9f8e7d6c5b4a"]
        );
    }

    #[test]
    fn placeholders_references_and_reads_are_not_findings() {
        for (p, t) in [
            (".env.example", "JWT_SECRET=\nDB_PASSWORD=changeme\n"),
            (
                ".env",
                "JWT_SECRET=<your-secret>\nDB_PASSWORD=${DB_PASSWORD}\n",
            ),
            (
                "compose.yml",
                "      JWT_SECRET: ${JWT_SECRET:-}\n      DB_PASSWORD: xxx\n",
            ),
            (
                "k8s.yaml",
                "  - name: JWT_SECRET\n    valueFrom:\n      secretKeyRef: {name: s, key: k}\n",
            ),
            (
                "app.ts",
                "const s = process.env.JWT_SECRET;\nif (JWT_SECRET == \"x\") {}\n",
            ),
            ("app.py", "JWT_SECRET = os.environ[\"JWT_SECRET\"]\n"),
            ("secret.yaml", "data:\n  JWT_SECRET: Y2hhbmdlbWU=\n"),
            ("main.tf", "  JWT_SECRET = var.jwt_secret\n"),
            ("notes.md", "Set MY_JWT_SECRET_OLD=abc123def456\n"),
            (
                "compose.yml",
                "  url: ${DB_PASSWORD:-postgres://app@db/app}\n  k: $JWT_SECRET\n",
            ),
            (".env.example", "JWT_SECRET=<32 random bytes, base64>\n"),
        ] {
            assert!(find(p, t).is_empty(), "{p}: {t:?} → {:?}", find(p, t));
        }
    }
}
