//! `keyledger init`: drafts `secrets-inventory.yaml` from what the code
//! already reads. Each variable name is classified ([`Class`]): secrets
//! (the name says so, or a `.env.example` key left blank) and client-exposed
//! values (drafted as `exposure: public`) are drafted; configuration (ids,
//! URLs, buckets, flags), values a CI system provides (`GITHUB_TOKEN`) and
//! script-local variables are listed in the header, not drafted. Owners and
//! stores are placeholders that `check` reports as missing until filled in;
//! the draft validates against the schema.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Config;
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::envref::{self, Kind, is_config, is_credential_url, is_provided};
use crate::scan::exposure::Exposure;
use crate::scan::{Skip, Stats};

#[derive(Debug, Default)]
struct Seen {
    /// First place it was seen: `path:line`.
    first: String,
    count: usize,
    /// Behind a client-exposed prefix: shipped to browsers.
    public: bool,
    /// The name itself says secret (`…_TOKEN`, `…_PASSWORD`).
    says_secret: bool,
    /// A `.env.example`-style key left blank or as a placeholder.
    blank_in_dotenv: bool,
    /// Seen in files where it is not assigned by a script itself.
    outside_scripts: bool,
}

/// What a variable name is, for the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// A secret a team owns: drafted.
    Secret,
    /// A client-exposed value (`NEXT_PUBLIC_…`): drafted as public.
    Public,
    /// Configuration: an id, a URL, a bucket, a flag. Not drafted.
    Config,
    /// Provided by the CI system or the platform (`GITHUB_TOKEN`,
    /// `ACTIONS_…`, `VERCEL_OIDC_TOKEN`). Not drafted.
    Provided,
    /// A variable a script assigns itself (`TOKEN=$(curl …)`). Not drafted.
    Local,
}

/// Classifies a variable name from what was seen of it.
fn classify(name: &str, seen: &Seen) -> Class {
    if is_provided(name) {
        Class::Provided
    } else if seen.public {
        Class::Public
    } else if !seen.outside_scripts {
        Class::Local
    } else if is_config(name, seen.says_secret) {
        Class::Config
    } else if seen.says_secret || seen.blank_in_dotenv || is_credential_url(name) {
        Class::Secret
    } else {
        Class::Config
    }
}

/// Whether `text` assigns `name` itself in shell syntax (`NAME=$(…)`,
/// `NAME=""`, `for NAME in`, `read NAME`): a script-local variable.
fn assigned_by_script(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = &text[..i];
        let line_start = before.rfind('\n').map_or(0, |j| j + 1);
        let head = before[line_start..].trim_start();
        let head = head.strip_prefix("export ").unwrap_or(head).trim_start();
        let after = &text[i + name.len()..];
        let word_start = before
            .bytes()
            .last()
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'{'));
        if !word_start {
            return false;
        }
        (head.is_empty()
            && (after.starts_with("=$(")
                || after.starts_with("=\"\"")
                || after.starts_with("=''")
                || after.starts_with("=`")))
            || head.ends_with("for ") && after.starts_with(" in ")
            || head.ends_with("read ")
            || head.ends_with("read -r ")
            || head.ends_with("local ")
    })
}

fn yaml_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Collects the references under `root` (gitignore-aware, one read per
/// file), and what was skipped or read with replacement characters.
fn collect(root: &Path, config: &Config) -> (BTreeMap<String, Seen>, Stats, Exposure) {
    let exposure = Exposure::new(None, config);
    let mut out: BTreeMap<String, Seen> = BTreeMap::new();
    let mut stats = Stats::default();
    let tree = crate::scan::walk::TreeWalk::new(
        root,
        config.scan.max_file_size,
        config.scan.follow_symlinks,
    );
    tree.each(|visit, buf| {
        let path = match visit {
            crate::scan::walk::Visit::File(path) => path,
            crate::scan::walk::Visit::Skipped(why, path)
            | crate::scan::walk::Visit::Pruned(why, path) => {
                stats.skip(why, path);
                return;
            }
            crate::scan::walk::Visit::Folder => return,
        };
        let bytes = std::mem::take(buf);
        if crate::scan::is_binary(&bytes) {
            stats.skip(Skip::Binary, path);
            return;
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
                .find(|p| r.name.starts_with(p.as_str()) && r.name.len() > p.len());
            // A `.env.example` key left empty or as a placeholder is one to
            // fill in; `LOG_LEVEL=info` is configuration.
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
            let says_secret = exposure.looks_secret(&r.name);
            if prefix.is_none()
                && !says_secret
                && !blank_in_dotenv
                && !is_provided(&r.name)
                && !is_credential_url(&r.name)
            {
                continue;
            }
            let line = text[..r.start].matches('\n').count() + 1;
            let seen = out.entry(r.name.clone()).or_default();
            if seen.count == 0 {
                seen.first = format!("{path}:{line}");
            }
            seen.count += 1;
            seen.public |= prefix.is_some();
            seen.says_secret |= says_secret;
            seen.blank_in_dotenv |= blank_in_dotenv;
            seen.outside_scripts |= !assigned_by_script(&text, &r.name);
        }
    });
    (out, stats, exposure)
}

/// Where `init` writes the inventory's JSON Schema, for editors (relative
/// to the repository root); `check` warns when it falls out of date.
pub const SCHEMA_PATH: &str = ".keyledger/secret-inventory.schema.json";

/// The schema's path as the editor line of an inventory at `display`
/// (relative to the root) names it: relative to the inventory's folder.
pub fn schema_ref(display: &str) -> String {
    let depth = Path::new(display)
        .parent()
        .map_or(0, |p| p.components().count());
    if depth == 0 {
        format!("./{SCHEMA_PATH}")
    } else {
        format!("{}{SCHEMA_PATH}", "../".repeat(depth))
    }
}

/// Drafts the inventory text; the files skipped (binary, too large,
/// unreadable) and those read with replacement characters are in the
/// stats.
pub fn draft(root: &Path, config: &Config, today: jiff::civil::Date) -> (String, Stats) {
    draft_at(root, config, "secrets-inventory.yaml", today)
}

/// [`draft`] for an inventory at `display` (relative to the root), whose
/// editor line points at [`SCHEMA_PATH`].
pub fn draft_at(
    root: &Path,
    config: &Config,
    display: &str,
    today: jiff::civil::Date,
) -> (String, Stats) {
    let (found, stats, exposure) = collect(root, config);
    let classes: Vec<(&String, &Seen, Class)> = found
        .iter()
        .map(|(n, seen)| (n, seen, classify(n, seen)))
        .collect();
    let count = |c: Class| classes.iter().filter(|x| x.2 == c).count();
    let mut s = String::new();
    s.push_str(&format!(
        "# yaml-language-server: $schema={}\n",
        schema_ref(display)
    ));
    s.push_str(&format!(
        "# Drafted by `keyledger init` on {today} from the environment variables the code\n# reads: {} secrets and {} client-exposed (public) values.\n#\n",
        count(Class::Secret),
        count(Class::Public)
    ));
    s.push_str(
        "# Next steps:\n\
         #   1. Give each secret its owner and store: replace `TODO-owner` and `kind: other`\n\
         #      (with a `ref`). Until then `keyledger check` reports owner-required and\n\
         #      store-required for them.\n\
         #   2. Record when each secret last rotated (`last_rotated: YYYY-MM-DD`), or rotate\n\
         #      it now; delete entries that are not secrets your team owns.\n\
         #   3. Run `keyledger check`. To adopt it as a gate, `keyledger baseline` accepts\n\
         #      today's findings so that CI blocks only new ones.\n",
    );
    for (class, what) in [
        (Class::Config, "configuration (ids, URLs, buckets, flags)"),
        (Class::Provided, "provided by CI or the platform"),
        (Class::Local, "variables a script assigns itself"),
    ] {
        let names: Vec<&str> = classes
            .iter()
            .filter(|x| x.2 == class)
            .map(|x| x.0.as_str())
            .collect();
        if names.is_empty() {
            continue;
        }
        let mut line = format!("#\n# Not drafted, {what}:");
        let mut width = line.len() - 2;
        for n in names {
            if width + n.len() + 1 > 90 {
                line.push_str("\n#  ");
                width = 3;
            }
            line.push(' ');
            line.push_str(n);
            width += n.len() + 1;
        }
        s.push_str(&line);
        s.push('\n');
    }
    s.push_str("version: 1\ndefaults:\n  owner: TODO-owner        # the team that answers for these secrets\n  store:\n    kind: other            # where the value lives: a store kind and its `ref`\n  cadence: 90d             # review\n");
    s.push_str("# The PII fields `pii-in-log` looks for in log calls; edit to fit your data.\npii:\n  fields:\n");
    for f in crate::rules::pii_in_log::DEFAULT_FIELDS {
        s.push_str(&format!("    - {f}\n"));
    }
    s.push_str("secrets:\n");
    let drafted: Vec<_> = classes
        .iter()
        .filter(|x| matches!(x.2, Class::Secret | Class::Public))
        .collect();
    if drafted.is_empty() {
        s.push_str("  []\n");
    }
    for (name, seen, class) in drafted {
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
        if *class == Class::Public {
            let says = if exposure.looks_secret(name) {
                "   # REVIEW: the name says secret, but the prefix ships it to browsers"
            } else {
                "         # client-exposed prefix: shipped to browsers"
            };
            s.push_str(&format!("    exposure: public{says}\n"));
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
            ErrorCode::Usage,
            format!("{display} already exists; not overwriting it"),
        )
        .with_help("pass --force to replace it, or --stdout to print the draft")
        .into());
    }
    let (text, stats) = draft_at(root, config, display, today);
    // A temporary file in the same folder, renamed over: an interrupted
    // `init --force` leaves the old inventory whole.
    crate::fsutil::write_atomic(path, text.as_bytes())
        .map_err(|e| Diag::plain(ErrorCode::Io, format!("cannot write {display}: {e}")))?;
    // The schema the editor line points at, written inside the repository
    // only (a `.keyledger` symlink out of it is refused).
    let rel = Path::new(SCHEMA_PATH);
    crate::fsutil::contained(root, rel, SCHEMA_PATH)?;
    crate::fsutil::create_parent_dirs(root, rel, SCHEMA_PATH)?;
    crate::fsutil::write_atomic(&root.join(rel), crate::schema::INVENTORY_SCHEMA.as_bytes())
        .map_err(|e| Diag::plain(ErrorCode::Io, format!("cannot write {SCHEMA_PATH}: {e}")))?;
    Ok((text.matches("\n  - name: ").count(), stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str, says_secret: bool, blank: bool) -> Class {
        let seen = Seen {
            says_secret,
            blank_in_dotenv: blank,
            outside_scripts: true,
            ..Seen::default()
        };
        classify(name, &seen)
    }

    #[test]
    fn names_are_classified() {
        for (name, secret, want) in [
            ("STRIPE_SECRET_KEY", true, Class::Secret),
            ("DATABASE_URL", true, Class::Secret),
            ("REDIS_URL", false, Class::Secret),
            ("SLACK_WEBHOOK_URL", true, Class::Secret),
            ("GITHUB_CLIENT_SECRET", true, Class::Secret),
            ("GITHUB_CLIENT_ID", false, Class::Config),
            ("STRIPE_WEBHOOK_ID", true, Class::Config),
            ("UPSTASH_REDIS_REST_URL", false, Class::Config),
            ("STORAGE_PRIVATE_BUCKET", true, Class::Config),
            ("DYNADOT_COUPON", false, Class::Config),
            ("FEATURE_NEW_CHECKOUT", false, Class::Config),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", true, Class::Config),
            ("POSTGRES_PASSWORD_FILE", true, Class::Config),
            ("TEAM_ID_VERCEL", false, Class::Config),
            ("GITHUB_TOKEN", true, Class::Provided),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", true, Class::Provided),
            ("VERCEL_OIDC_TOKEN", true, Class::Provided),
        ] {
            assert_eq!(class(name, secret, false), want, "{name}");
        }
        // A blank .env.example key with no telling word is drafted.
        assert_eq!(class("EDGE_CONFIG", false, true), Class::Secret);
        assert_eq!(class("LOG_LEVEL", false, false), Class::Config);
    }

    #[test]
    fn script_local_variables() {
        let ci = "run: |\n  TOKEN=\"\"\n  for i in 1 2; do\n    TOKEN=$(curl -s x)\n  done\n  echo $TOKEN\n";
        assert!(assigned_by_script(ci, "TOKEN"));
        assert!(assigned_by_script(
            "for KEY in a b; do echo $KEY; done\n",
            "KEY"
        ));
        assert!(assigned_by_script("read -r PASSWORD\n", "PASSWORD"));
        assert!(!assigned_by_script(
            "curl -H \"Authorization: $API_TOKEN\"\n",
            "API_TOKEN"
        ));
        assert!(!assigned_by_script("API_TOKEN=abc123 ./run\n", "API_TOKEN"));
        // `MY_TOKEN=$(…)` does not make `TOKEN` local.
        assert!(!assigned_by_script(
            "MY_TOKEN=$(cat f)\necho $TOKEN\n",
            "TOKEN"
        ));
    }
}
