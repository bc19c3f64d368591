//! `keyledger init`: drafts `secrets-inventory.yaml` from what the code
//! already reads — secret-looking environment variables, the keys of
//! `.env.example`-style files, and client-exposed variables (drafted as
//! `exposure: public`). Owners and stores are placeholders marked for
//! review; the draft validates against the schema and `keyledger check`
//! accepts it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Config;
use crate::diag::{Diag, Fatal};
use crate::envref::{self, Kind};
use crate::scan::exposure::Exposure;

#[derive(Debug, Default)]
struct Seen {
    /// First place it was seen: `path:line`.
    first: String,
    count: usize,
    public: bool,
}

fn yaml_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Collects the references under `root` (gitignore-aware, one read per file).
fn collect(root: &Path, config: &Config) -> BTreeMap<String, Seen> {
    let exposure = Exposure::new(None, config);
    let mut out: BTreeMap<String, Seen> = BTreeMap::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = crate::check::display_path(root, entry.path());
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let dotenv = envref::file_name(&path).starts_with(".env");
        for r in envref::extract(&path, &text) {
            let prefix = config
                .scan
                .client_prefixes
                .iter()
                .find(|p| r.name.starts_with(p.as_str()));
            // A client-exposed name that says secret is drafted as a
            // secret, so `check` reports the exposure instead of the draft
            // blessing it.
            let public = prefix.is_some_and(|p| !exposure.looks_secret(&r.name[p.len()..]));
            // A `.env.example` key left empty or as a placeholder is one to
            // fill in with a secret; `LOG_LEVEL=info` is configuration.
            let blank_in_dotenv = dotenv && r.kind == Kind::Define && {
                let rest = &text[r.end..];
                let line = rest.split('\n').next().unwrap_or("");
                let value = line
                    .trim_start()
                    .trim_start_matches('=')
                    .split('#')
                    .next()
                    .unwrap_or("");
                crate::scan::detectors::is_placeholder(value)
            };
            let wanted = prefix.is_some() || exposure.looks_secret(&r.name) || blank_in_dotenv;
            if !wanted {
                continue;
            }
            let line = text[..r.start].matches('\n').count() + 1;
            let seen = out.entry(r.name.clone()).or_default();
            if seen.count == 0 {
                seen.first = format!("{path}:{line}");
            }
            seen.count += 1;
            seen.public = public;
        }
    }
    out
}

/// Drafts the inventory text.
pub fn draft(root: &Path, config: &Config, today: jiff::civil::Date) -> String {
    let found = collect(root, config);
    let mut s = String::new();
    s.push_str("# yaml-language-server: $schema=https://keyledger.dev/schemas/secret-inventory.schema.json\n");
    s.push_str(&format!(
        "# Drafted by `keyledger init` on {today} from the environment variables the code reads.\n"
    ));
    s.push_str(
        "# REVIEW every entry: owners and stores are placeholders, cadences are defaults,\n",
    );
    s.push_str(
        "# and no entry has a last_rotated date yet (`keyledger check` warns: never-rotated).\n",
    );
    s.push_str("version: 1\ndefaults:\n  owner: TODO-owner        # review: the team that answers for these secrets\n  store:\n    kind: other            # review: where the value lives\n  cadence: 90d             # review\nsecrets:\n");
    if found.is_empty() {
        s.push_str("  []\n");
    }
    for (name, seen) in &found {
        s.push_str(&format!("  - name: {name}\n"));
        let uses = if seen.count > 1 {
            format!(" (+{} more)", seen.count - 1)
        } else {
            String::new()
        };
        s.push_str(&format!(
            "    description: {}\n",
            yaml_quote(&format!(
                "TODO: describe. First read at {}{uses}",
                seen.first
            ))
        ));
        if seen.public {
            s.push_str(
                "    exposure: public         # client-exposed prefix: shipped to browsers\n",
            );
            s.push_str("    blast_radius: low\n");
            s.push_str("    cadence: on-compromise\n");
        }
    }
    s
}

/// Writes the draft, refusing to overwrite without `force`.
pub fn run(
    root: &Path,
    config: &Config,
    path: &Path,
    display: &str,
    force: bool,
    today: jiff::civil::Date,
) -> Result<usize, Fatal> {
    if path.exists() && !force {
        return Err(Diag::plain(
            "usage",
            format!("{display} already exists; not overwriting it"),
        )
        .with_help("pass --force to replace it, or --stdout to print the draft")
        .into());
    }
    let text = draft(root, config, today);
    std::fs::write(path, &text)
        .map_err(|e| Diag::plain("io", format!("cannot write {display}: {e}")))?;
    Ok(text.matches("\n  - name: ").count())
}
