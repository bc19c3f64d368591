use std::collections::HashSet;

use super::{ContentCheck, Kind, Rule, Setup};
use crate::diag::Fatal;
use crate::envref::{self, Kind as RefKind, Role};
use crate::finding::Severity;
use crate::scan::exposure::Exposure;
use crate::scan::{File, Hit};

pub const RULE: Rule = Rule {
    id: "undeclared-secret",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Content(new),
    summary: "the code reads a secret-looking variable that the inventory does not declare",
    doc: r#"## What it does
Reports an environment variable read by the code (or defined in a `.env*`
file) whose name looks secret (`scan.secret_name_words`: SECRET, TOKEN,
PASSWORD, PRIVATE, API_KEY, …, matched as whole `_`-separated words) and that
the inventory does not declare. Reported once per name and file.

## Why it matters
A secret missing from the inventory has no owner, no store and no rotation:
it is the one nobody rotates.

## Example
❌ `os.environ["INTERNAL_ADMIN_TOKEN"]`, not in the inventory.
✅ `INTERNAL_ADMIN_TOKEN` declared with owner, store and cadence.

## How to fix
Declare the secret (`keyledger init` drafts entries), or rename a variable
that is not a secret.
"#,
};

struct UndeclaredSecret(Exposure);

fn new(setup: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    Ok(Box::new(UndeclaredSecret(Exposure::new(
        setup.inventory,
        setup.config,
    ))))
}

/// A name that says its value stands in for a secret.
fn stand_in(name: &str) -> bool {
    name.split('_').next().is_some_and(|w| {
        [
            "DUMMY",
            "FAKE",
            "MOCK",
            "TEST",
            "EXAMPLE",
            "SAMPLE",
            "DEFAULT",
            "DEMO",
            "PLACEHOLDER",
        ]
        .contains(&w)
    })
}

impl ContentCheck for UndeclaredSecret {
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        let ex = &self.0;
        if file.own || !ex.has_inventory() {
            return;
        }
        let dotenv = envref::file_name(file.path).starts_with(".env");
        let role = envref::role(file.path);
        let mut seen = HashSet::new();
        for r in file.refs() {
            let name = r.name.as_str();
            // Values a CI system provides (`GITHUB_TOKEN`) and names that
            // hold configuration about a secret (`PASSWORD_RESET_DISABLED`,
            // `OIDC_SIGNING_ALGORITHM`) are no team's secret to declare.
            if ex.prefix_of(name).is_some()
                || ex.declared(name).is_some()
                || !ex.looks_secret(name)
                || envref::is_provided(name)
                || envref::is_config(name, true)
            {
                continue;
            }
            let message = match r.kind {
                RefKind::Read => format!(
                    "the code reads `{name}`, which looks like a secret but is not in the inventory"
                ),
                RefKind::Define if dotenv => {
                    format!("`{name}` looks like a secret but is not in the inventory")
                }
                RefKind::Define => continue,
            };
            if seen.insert(name) {
                let mut hit = Hit::new(&RULE, r.start, r.end, message)
                    .label("here")
                    .key(name)
                    .help(format!(
                        "declare `{name}` in the inventory (owner, store, cadence), or rename it if it is not a secret"
                    ));
                // A stand-in's name (`DUMMY_API_KEY`, `TEST_DATABASE_URL`)
                // or a read in tests, docs and example env files: weak.
                if stand_in(name) || matches!(role, Role::Test | Role::Docs | Role::ExampleEnv) {
                    hit = hit.at_most(Severity::Note);
                }
                out.push(hit);
            }
        }
    }
}
