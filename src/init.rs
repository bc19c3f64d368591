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
use crate::scan::{Skip, Stats};

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

/// Collects the references under `root` (gitignore-aware, one read per
/// file), and what was skipped or read with replacement characters.
fn collect(root: &Path, config: &Config) -> (BTreeMap<String, Seen>, Stats) {
    let exposure = Exposure::new(None, config);
    let mut out: BTreeMap<String, Seen> = BTreeMap::new();
    let mut stats = Stats::default();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                stats.skip(Skip::WalkError, e.to_string());
                continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if !ft.is_file() {
            // FIFOs, devices and sockets are counted, never opened.
            if let Some(why) = Skip::special(&ft) {
                stats.skip(why, crate::check::display_path(root, entry.path()));
            }
            continue;
        }
        let path = crate::check::display_path(root, entry.path());
        if entry
            .metadata()
            .is_ok_and(|m| m.len() > config.scan.max_file_size)
        {
            stats.skip(Skip::TooLarge, path);
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            stats.skip(Skip::Unreadable, path);
            continue;
        };
        if crate::scan::is_binary(&bytes) {
            stats.skip(Skip::Binary, path);
            continue;
        }
        stats.files += 1;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                stats.lossy_utf8 += 1;
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
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
    (out, stats)
}

/// Drafts the inventory text; the files skipped (binary, too large,
/// unreadable) and those read with replacement characters are in the
/// stats.
pub fn draft(root: &Path, config: &Config, today: jiff::civil::Date) -> (String, Stats) {
    let (found, stats) = collect(root, config);
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
    (s, stats)
}

/// One line on what `init` did not read, or read with replacement
/// characters, naming the files skipped for a reason other than being
/// binary (images and archives are expected); `None` when it read every
/// file as it is.
pub fn skipped_summary(stats: &Stats) -> Option<String> {
    let mut line = stats.summary("read")?;
    for (why, paths) in &stats.skipped {
        if *why != Skip::Binary.as_str() {
            line.push_str(&format!("; {why}: {}", paths.join(", ")));
        }
    }
    Some(line)
}

/// Writes the draft, refusing to overwrite without `force`.
pub fn run(
    root: &Path,
    config: &Config,
    path: &Path,
    display: &str,
    force: bool,
    today: jiff::civil::Date,
) -> Result<(usize, Stats), Fatal> {
    if std::fs::symlink_metadata(path).is_ok() && !force {
        return Err(Diag::plain(
            "usage",
            format!("{display} already exists; not overwriting it"),
        )
        .with_help("pass --force to replace it, or --stdout to print the draft")
        .into());
    }
    let (text, stats) = draft(root, config, today);
    // A temporary file in the same folder, renamed over: an interrupted
    // `init --force` leaves the old inventory whole.
    crate::fsutil::write_atomic(path, text.as_bytes())
        .map_err(|e| Diag::plain("io", format!("cannot write {display}: {e}")))?;
    Ok((text.matches("\n  - name: ").count(), stats))
}
