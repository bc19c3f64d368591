use super::{ContentCheck, Kind, Rule, Setup, leaked_password_hash};
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

/// The detector pass: one keyword pass over the file for every detector of
/// `detectors.toml`. It reports under `leaked-credential` and, for the
/// `password-hash` family, under `leaked-password-hash`; each is built only
/// when its rule is on, and the pass runs once when both are.
pub(super) struct DetectorPass {
    detectors: &'static Detectors,
    credentials: bool,
    hashes: bool,
}

pub(super) fn pass(credentials: bool, hashes: bool) -> DetectorPass {
    DetectorPass {
        detectors: Detectors::get(),
        credentials,
        hashes,
    }
}

fn new(setup: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    Ok(Box::new(pass(
        true,
        setup.sink.enabled(leaked_password_hash::RULE.id),
    )))
}

impl ContentCheck for DetectorPass {
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        // Which files the detectors read, and what is not a finding, is
        // data: `detectors.toml` (`[allow]` and each detector's `allow`).
        for m in self.detectors.find_in(file.path, file.text, file.regions) {
            let hash = m.detector.rule_id() == leaked_password_hash::RULE.id;
            if (hash && !self.hashes) || (!hash && !self.credentials) {
                continue;
            }
            let value = &file.text[m.start..m.end];
            let hit = if hash {
                Hit::new(
                    &leaked_password_hash::RULE,
                    m.start,
                    m.end,
                    leaked_password_hash::message(&m.detector.name, value),
                )
                .label("password hash")
                .help(leaked_password_hash::help(
                    &m.detector.description,
                    &m.detector.id,
                ))
            } else {
                Hit::new(
                    &RULE,
                    m.start,
                    m.end,
                    format!("{} ({})", m.detector.name, redact(value)),
                )
                .label("credential")
                .help(format!(
                    "{} Rotate it at the provider, then remove it and read it from a secret store. Detector `{}`.",
                    m.detector.description, m.detector.id
                ))
            };
            // The detector's verdict: weak evidence is a note.
            out.push(
                hit.key(format!("{}:{}", m.detector.id, value_key(value)))
                    .at_most(m.severity)
                    .value(),
            );
        }
    }
}
