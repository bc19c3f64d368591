use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the scan stage (`crate::scan`), with the detectors of
/// `src/scan/detectors.toml`.
pub const RULE: Rule = Rule {
    id: "leaked-credential",
    severity: Severity::Error,
    scope: Scope::Content,
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
