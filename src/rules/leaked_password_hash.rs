use super::{ContentCheck, Kind, Rule, Setup, leaked_credential};
use crate::diag::Fatal;
use crate::finding::Severity;
use crate::scan::redact;

/// Found by the detector pass (`leaked_credential::DetectorPass`), with the
/// `password-hash` detectors of `src/scan/detectors.toml` (those with
/// `rule = "leaked-password-hash"`): one keyword pass serves both rules.
pub const RULE: Rule = Rule {
    id: "leaked-password-hash",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Content(new),
    summary: "a password hash (bcrypt, argon2, sha-crypt, md5-crypt, yescrypt, PBKDF2, Cisco, Kerberos roast, NTLM) in scanned content",
    doc: r#"## What it does
Reports password hashes committed to the repository: bcrypt (`$2a$`, `$2b$`,
`$2y$`), Argon2 (`$argon2id$`), SHA-crypt (`$5$`, `$6$`), MD5-crypt and
Apache APR1 (`$1$`, `$apr1$`), yescrypt (`$y$`), Django PBKDF2, Cisco type 8
and 9, phpass and Drupal, LDAP `{SSHA}`, Kerberos AS-REP and TGS roasting
output, and NTLM hashes in pwdump lines — in SQL dumps, seed data,
`/etc/shadow` copies, `.htpasswd` files and configuration.

## Why it matters
A hash is not the password, but it is the next thing to it: offline guessing
recovers weak and reused passwords at billions of guesses per second (MD5-
and SHA-crypt) or thousands (bcrypt, Argon2), and an NTLM hash authenticates
as the user without being cracked at all. A leaked hash is an incident too,
if a smaller one than a leaked password: hence a separate rule, a warning by
default.

## Example
❌
```sql
INSERT INTO users (name, password) VALUES ('ana', '$2y$12$…53 characters…');
```
✅
```sql
INSERT INTO users (name, password) VALUES ('ana', NULL); -- set at first login
```

## How to fix
Treat the accounts as exposed: force a password reset for the users in the
file, then remove it (and purge it from the history if it held real users).
Seed data for tests should hash a known test password at run time instead of
committing the hash. `[rules] leaked-password-hash = "error"` makes it
blocking; `keyledger:allow leaked-password-hash` on the line allows a
deliberate fixture.
"#,
};

/// With `leaked-credential` on, its detector pass reports the hashes too;
/// with it off, this rule runs the pass for the hashes alone.
fn new(setup: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    struct Nothing;
    impl ContentCheck for Nothing {
        fn check(&self, _: &crate::scan::File<'_>, _: &mut Vec<crate::scan::Hit>) {}
    }
    if setup.sink.enabled(leaked_credential::RULE.id) {
        Ok(Box::new(Nothing))
    } else {
        Ok(Box::new(leaked_credential::pass(false, true)))
    }
}

pub fn message(detector: &str, value: &str) -> String {
    format!("{detector} ({})", redact(value))
}

pub fn help(description: &str, detector: &str) -> String {
    format!(
        "{description} Reset the passwords of these accounts, then remove the hashes from the repository. Detector `{detector}`."
    )
}
