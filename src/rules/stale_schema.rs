use std::path::{Component, Path, PathBuf};

use super::{Ctx, Kind, Rule};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "stale-schema",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "the JSON Schema file the inventory's editor line points at is missing or older than this keyledger's",
    doc: r#"## What it does
Reads the inventory's editor line, `# yaml-language-server: $schema=PATH`
(or `#:schema PATH` in a TOML inventory), which `keyledger init` writes
pointing at `.keyledger/secret-inventory.schema.json`. When PATH is a file in
the repository and is keyledger's inventory schema (same `$id`), it must be
the schema of the keyledger that runs; a PATH that does not exist is
reported too. URLs and files outside the repository are not read.

## Why it matters
Editors complete and check the inventory against that file. A schema older
than keyledger offers fields that no longer exist and misses new ones, so
the editor says an entry is fine that `keyledger check` then rejects.

## Example
❌ keyledger was upgraded; `.keyledger/secret-inventory.schema.json` still
holds the previous release's schema.
✅ The file is rewritten from the running keyledger.

## How to fix
Run `keyledger schema --write .keyledger/secret-inventory.schema.json` (the
path of the editor line) and commit the file.
"#,
};

/// The largest schema file read.
const MAX_SCHEMA: u64 = 4 << 20;

/// The target of the editor line and its span: the first
/// `yaml-language-server: $schema=` or `#:schema` comment.
fn modeline(text: &str) -> Option<(Span, &str)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim_start();
        let Some(comment) = t.strip_prefix('#') else {
            continue;
        };
        let rest = if let Some(r) = comment.trim_start().strip_prefix("yaml-language-server:") {
            match r.trim_start().strip_prefix("$schema=") {
                Some(r) => r,
                None => continue,
            }
        } else if let Some(r) = comment.strip_prefix(":schema") {
            r.trim_start()
        } else {
            continue;
        };
        let target = rest.split_whitespace().next()?;
        let at = start + (line.len() - rest.len()) + (rest.len() - rest.trim_start().len());
        return Some((Span::new(at, at + target.len()), target));
    }
    None
}

/// `dir/target` without `.` and `..`, or `None` when it leaves the root.
fn inside(dir: &Path, target: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in dir.join(target).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let inv = ctx.inventory;
    let src = &inv.source;
    let Some((span, target)) = modeline(&src.text) else {
        return;
    };
    if target.contains("://") {
        return; // a URL: the editor fetches it
    }
    let inv_dir = Path::new(&src.name).parent().unwrap_or(Path::new(""));
    let Some(rel) = inside(inv_dir, target) else {
        return; // outside the repository: not read
    };
    let path = ctx.root.join(&rel);
    let shown = rel.to_string_lossy().replace('\\', "/");
    let fix = format!("run `keyledger schema --write {shown}` and commit the file");
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            out.push(
                Finding::new(
                    &RULE,
                    src,
                    span,
                    format!("the editor's schema `{shown}` does not exist"),
                )
                .label("no such file")
                .key(shown.clone())
                .help(fix),
            );
            return;
        }
        Err(_) => return,
    };
    if !meta.is_file() || meta.len() > MAX_SCHEMA {
        return;
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let Ok(theirs) = serde_json::from_str::<serde_json::Value>(&text) else {
        return;
    };
    let ours = &crate::schema::inventory().json;
    if theirs.get("$id") != ours.get("$id") {
        return; // someone else's schema
    }
    if theirs != *ours {
        out.push(
            Finding::new(
                &RULE,
                src,
                span,
                format!(
                    "the editor's schema `{shown}` is not the schema of this keyledger ({})",
                    crate::version::VERSION
                ),
            )
            .label("stale schema")
            .key(shown)
            .help(fix),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_lines() {
        let t = "# yaml-language-server: $schema=./.keyledger/s.json\nversion: 1\n";
        let (span, target) = modeline(t).unwrap();
        assert_eq!(target, "./.keyledger/s.json");
        assert_eq!(&t[span.start..span.end], target);
        let t = "version = 1\n#:schema ../x.json\n";
        let (span, target) = modeline(t).unwrap();
        assert_eq!(
            (target, &t[span.start..span.end]),
            ("../x.json", "../x.json")
        );
        assert!(modeline("# a comment\nversion: 1\n").is_none());
        assert!(inside(Path::new("config"), "../../x.json").is_none());
        assert_eq!(
            inside(Path::new("config"), "../.keyledger/s.json"),
            Some(PathBuf::from(".keyledger/s.json"))
        );
        assert!(inside(Path::new(""), "/etc/passwd").is_none());
    }
}
