use super::{ContentCheck, Kind, Rule, Setup};
use crate::diag::Fatal;
use crate::finding::Severity;
use crate::scan::detectors::Detectors;
use crate::scan::{File, Hit, redact, value_key};

/// Runs the detectors of `src/scan/detectors.toml` (`crate::scan::detectors`).
pub const RULE: Rule = Rule {
    id: "leaked-credential",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Content(new),
    summary: "a known credential format (private key, cloud key, token, password in a URI, JWT…) in scanned content",
    doc: r#"## What it does
Scans every file once with the detectors of `src/scan/detectors.toml` (over a
hundred formats: PEM/OpenSSH/PGP private keys, AWS, GCP, Azure, GitHub,
GitLab, Slack, Stripe, Twilio, SendGrid, OpenAI, Anthropic, npm, PyPI, Vault,
database and broker URIs with a password, JWTs, and a generic high-entropy
assignment to a secret-looking name). A keyword prefilter decides which
regexes run. Vendor documentation examples, placeholders, values that are
public by design (`pk_live_`, `phc_`, test keys) and hashes in lock files
are not findings. Findings in test and example paths are lowered to `note`.

## Why it matters
A credential in a repository is readable by everyone who can clone it, for
ever: in forks, caches, CI logs and the git history.

## Example
❌
```yaml
slack:
  bot_token: xoxb-…   # a real token
```
✅
```yaml
slack:
  bot_token: ${SLACK_BOT_TOKEN}
```

## How to fix
Rotate the credential at the provider first (assume it is compromised), then
remove it and read it from the secret store. If it is a deliberate test
value, add `keyledger:allow leaked-credential` in a comment on the line or
the line above. The value is never printed: output shows its first four
characters and its length.
"#,
};

struct LeakedCredential {
    detectors: &'static Detectors,
}

fn new(_: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    Ok(Box::new(LeakedCredential {
        detectors: Detectors::get(),
    }))
}

impl ContentCheck for LeakedCredential {
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        if is_lock_file(file.path) {
            return;
        }
        let text = file.text;
        for m in self.detectors.find_in(text, file.regions) {
            let value = &text[m.start..m.end];
            if is_public_value(value) {
                continue;
            }
            let line_start = text[..m.start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[m.start..]
                .find('\n')
                .map_or(text.len(), |i| m.start + i);
            let line = &text[line_start..line_end];
            if m.detector.id.starts_with("generic")
                && (line_is_checksum(line) || generic_is_public(text, line_start, line))
            {
                continue;
            }
            out.push(
                Hit::new(&RULE, m.start, m.end, format!("{} ({})", m.detector.name, redact(value)))
                    .label("credential")
                    .key(format!("{}:{}", m.detector.id, value_key(value)))
                    .help(format!(
                        "{} Rotate it at the provider, then remove it and read it from a secret store. Detector `{}`.",
                        m.detector.description, m.detector.id
                    ))
                    .value(),
            );
        }
    }
}

/// Lock files and generated maps: full of hashes, never of credentials.
const SKIP_NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "Cargo.lock",
    "go.sum",
    "composer.lock",
    "Gemfile.lock",
    "poetry.lock",
    "Pipfile.lock",
    "lock.json",
    "bun.lockb",
    "flake.lock",
    "packages.lock.json",
    "gradle.lockfile",
];

fn is_lock_file(path: &str) -> bool {
    let file = crate::envref::file_name(path);
    SKIP_NAMES.contains(&file)
        || file.ends_with(".lock")
        || file.ends_with("-lock.json")
        || file.ends_with(".lock.json")
        || file.ends_with(".css.json")
        || file.ends_with(".min.js")
        || file.ends_with(".map")
}

/// Values that are public by design (publishable keys, test keys).
fn is_public_value(v: &str) -> bool {
    [
        "sk_test_",
        "rk_test_",
        "pk_test_",
        "pk_live_",
        "phc_",
        "sb_publishable_",
        "whsec_test",
    ]
    .iter()
    .any(|p| v.starts_with(p))
}

/// Generic assignments that are public by design: search-only keys
/// (Algolia's `apiKey` in a docs config) and client-exposed variables.
fn generic_is_public(text: &str, line_start: usize, line: &str) -> bool {
    let l = line.to_ascii_uppercase();
    if [
        "SEARCH_ONLY",
        "SEARCH_API_KEY",
        "NEXT_PUBLIC_",
        "VITE_",
        "PUBLIC_",
        "REACT_APP_",
        "EXPO_PUBLIC_",
        "GATSBY_",
    ]
    .iter()
    .any(|p| l.contains(p))
    {
        return true;
    }
    // Up to 8 lines above: inside an `algolia` object.
    let mut start = line_start;
    for _ in 0..8 {
        match text[..start.saturating_sub(1)].rfind('\n') {
            Some(i) => start = i + 1,
            None => {
                start = 0;
                break;
            }
        }
    }
    text[start..line_start]
        .to_ascii_lowercase()
        .contains("algolia")
}

/// Keys whose values are hashes, not credentials.
fn line_is_checksum(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    [
        "integrity",
        "checksum",
        "\"sha",
        "sha256:",
        "sha512-",
        "digest",
        "etag",
        "resolved",
    ]
    .iter()
    .any(|k| l.contains(k))
}
