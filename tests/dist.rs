//! What distribution and CI integration rely on: `--version` with the
//! detector set, completions and man pages, `check --files` (the pre-commit
//! hooks), `--fail-on`, `--repository`, `--output`, the Markdown summary,
//! `schema --write`, and `fingerprint` reading without echo.

mod common;
use common::*;

use std::path::Path;
use std::process::Command;

fn demo() -> std::path::PathBuf {
    root().join("fixtures/demo")
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A GitHub token that matches the detector (synthetic).
fn token() -> String {
    format!("ghp_{}", "R8kT2vX9mQ4wL7nB3cY6dF1gH5jK0pS2uZ8q")
}

// ------------------------------------------------------------ --version

#[test]
fn version_names_the_release_and_the_detector_set() {
    let run = keyledger(&["--version"], &root());
    assert_eq!(run.code, 0, "{}", run.transcript());
    // Derived from the file compiled in, not written by hand.
    let toml = std::fs::read(root().join("src/scan/detectors.toml")).unwrap();
    let hash = blake3::hash(&toml).to_hex()[..12].to_string();
    let n = keyledger::scan::detectors::Detectors::get().rules.len();
    assert_eq!(
        run.stdout,
        format!(
            "keyledger {} (detectors: {n}, set {hash})\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(keyledger(&["-V"], &root()).stdout, run.stdout);
}

// ------------------------------------------------- completions and man

#[test]
fn completions_print_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef keyledger"),
        ("fish", "complete -c keyledger"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = keyledger(&["completions", shell], &root());
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}:\n{}", run.stdout);
        for word in ["report", "fail-on", "files", "completions"] {
            assert!(run.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let bad = keyledger(&["completions", "tcsh"], &root());
    assert_eq!(bad.code, 2);
}

#[test]
fn man_pages_from_the_command_line_definition() {
    let run = keyledger(&["man"], &root());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(".TH keyledger 1"), "{}", run.stdout);
    assert!(run.stdout.contains("report"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let run = keyledger(&["man", "--dir", out.to_str().unwrap()], &root());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in ["keyledger.1", "keyledger-check.1", "keyledger-report.1"] {
        let text = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
    let check = std::fs::read_to_string(out.join("keyledger-check.1")).unwrap();
    assert!(check.contains("fail\\-on"), "{check}");
}

#[test]
fn explain_table_is_in_the_help() {
    let run = keyledger(&["explain", "--help"], &root());
    assert!(run.stdout.contains("--table"), "{}", run.stdout);
}

// --------------------------------------------------------------- --files

fn files_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - name: GH_TOKEN\n    owner: platform-team\n    store: {kind: github-actions}\n    cadence: on-compromise\n",
    )
    .unwrap();
    std::fs::write(d.join("clean.sh"), "export GH_TOKEN=\"${GH_TOKEN:?}\"\n").unwrap();
    std::fs::write(d.join("leak.sh"), format!("export GH_TOKEN={}\n", token())).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/other.env"), format!("TOKEN={}\n", token())).unwrap();
    dir
}

#[test]
fn files_scans_exactly_the_files_given() {
    let dir = files_repo();
    let d = dir.path();
    let clean = keyledger(&["check", "--files", "clean.sh"], d);
    assert_eq!(clean.code, 0, "{}", clean.transcript());
    let leak = keyledger(
        &[
            "check", "--format", "json", "--files", "clean.sh", "leak.sh",
        ],
        d,
    );
    assert_eq!(leak.code, 1, "{}", leak.transcript());
    let doc = leak.json();
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.iter().all(|p| *p == "leak.sh"), "{paths:?}");
    assert!(!paths.is_empty());
    assert_eq!(doc["summary"]["scan"]["files"], 2);
    // No inventory rules: they run in the keyledger-inventory hook.
    assert_eq!(doc["summary"]["secrets"], 0);
    assert!(!leak.stdout.contains(&token()[4..]));
    // A path in a sub-folder, and one given from another directory.
    let sub = keyledger(&["check", "--files", "sub/other.env"], d);
    assert_eq!(sub.code, 1, "{}", sub.transcript());
    assert!(sub.stdout.contains("sub/other.env:1:"), "{}", sub.stdout);
    let outside = keyledger(
        &[
            "check",
            "sub",
            "--format",
            "json",
            "--files",
            "sub/other.env",
        ],
        d,
    );
    assert_eq!(outside.json()["findings"][0]["path"], "other.env");
    // Nothing given (pre-commit with no matching file): nothing to find.
    let none = keyledger(&["check", "--files"], d);
    assert_eq!(none.code, 0, "{}", none.transcript());
}

#[test]
fn files_refuses_directories_and_missing_paths_and_counts_skips() {
    let dir = files_repo();
    let d = dir.path();
    let run = keyledger(&["check", "--files", "sub", "missing.txt"], d);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("sub is a directory"), "{}", run.stderr);
    assert!(
        run.stderr.contains("missing.txt does not exist"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("leak.sh", d.join("link.sh")).unwrap();
        let run = keyledger(&["check", "--format", "json", "--files", "link.sh"], d);
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert_eq!(
            run.json()["summary"]["scan"]["skipped"]["symlink"],
            serde_json::json!(["link.sh"])
        );
    }
    // A file name that starts with a dash is a file, not an option.
    std::fs::write(d.join("-x.sh"), format!("T={}\n", token())).unwrap();
    let dash = keyledger(&["check", "--files", "-x.sh"], d);
    assert_eq!(dash.code, 1, "{}", dash.transcript());
}

// ------------------------------------------ --fail-on, --repository, --output

#[test]
fn fail_on_sets_what_blocks() {
    let dir = tempfile::tempdir().unwrap();
    // Only a warning: never rotated.
    std::fs::write(
        dir.path().join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - name: A_TOKEN\n    owner: t\n    store: {kind: other, ref: ops-vault}\n    cadence: 90d\n",
    )
    .unwrap();
    let base = [
        "check",
        ".",
        "--no-scan",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ];
    let default = keyledger(&base, dir.path());
    assert_eq!(default.code, 0, "{}", default.transcript());
    let mut args = base.to_vec();
    args.extend(["--fail-on", "warning"]);
    let strict = keyledger(&args, dir.path());
    assert_eq!(strict.code, 1, "{}", strict.transcript());
    assert_eq!(strict.json()["summary"]["blocking"], 1);
    // It overrides keyledger.toml.
    std::fs::write(dir.path().join("keyledger.toml"), "fail_on = \"warning\"\n").unwrap();
    assert_eq!(keyledger(&base, dir.path()).code, 1);
    let mut args = base.to_vec();
    args.extend(["--fail-on", "error"]);
    assert_eq!(keyledger(&args, dir.path()).code, 0);
    let mut args = base.to_vec();
    args.extend(["--fail-on", "overdue"]);
    assert_eq!(keyledger(&args, dir.path()).code, 2);
}

#[test]
fn the_output_records_the_repository_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("checkout");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(repo.join("a.txt"), "hello\n").unwrap();
    let args = ["check", ".", "--no-inventory", "--format", "json"];
    // Not a git repository: the directory's name.
    let doc = keyledger(&args, &repo).json();
    assert_eq!(doc["summary"]["repository"], "checkout");
    git(&repo, &["init", "-q"]);
    git(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "https://x-access-token:hunter2hunter2@github.com/acme/payments.git",
        ],
    );
    let run = keyledger(&args, &repo);
    assert_eq!(run.json()["summary"]["repository"], "acme/payments");
    assert!(!run.stdout.contains("hunter2"));
    let mut named = args.to_vec();
    named.extend(["--repository", "acme/renamed"]);
    assert_eq!(
        keyledger(&named, &repo).json()["summary"]["repository"],
        "acme/renamed"
    );
}

#[test]
fn output_writes_more_formats_from_one_run_and_nothing_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out/keyledger.sarif");
    let md = dir.path().join("summary.md");
    let run = keyledger(
        &[
            "check",
            ".",
            "--as-of",
            AS_OF,
            "--output",
            &format!("sarif={}", sarif.display()),
            "--output",
            &format!("markdown={}", md.display()),
        ],
        &demo(),
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stdout.contains("✖"), "human output on stdout");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let summary = std::fs::read_to_string(&md).unwrap();
    assert!(summary.starts_with("### keyledger: ✖"), "{summary}");
    assert!(summary.contains("`rotation-overdue`"), "{summary}");
    // Nothing planted in the demo reaches the summary (the Slack token).
    assert!(!summary.contains("xoxb-"), "{summary}");

    // A run that cannot check writes no file at all (never an empty SARIF).
    let bad = dir.path().join("bad.sarif");
    let run = keyledger(
        &[
            "check",
            "fixtures/bad/unknown-field",
            "--output",
            &format!("sarif={}", bad.display()),
        ],
        &root(),
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(!bad.exists());
    let run = keyledger(&["check", ".", "--output", "yaml=x"], &demo());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown format `yaml`"),
        "{}",
        run.stderr
    );
}

#[test]
fn markdown_summary_escapes_repository_text() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a|b`c<img>.env";
    std::fs::write(dir.path().join(name), format!("TOKEN={}\n", token())).unwrap();
    let run = keyledger(
        &["check", ".", "--no-inventory", "--format", "markdown"],
        dir.path(),
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    let row = run
        .stdout
        .lines()
        .find(|l| l.contains("leaked-credential"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    // Four cells: no `|` from the file name splits the row.
    assert_eq!(row.matches(" | ").count(), 3, "{row}");
    assert!(!row.contains("<img>"), "{row}");
    assert!(!run.stdout.contains(&token()[4..]));
}

// -------------------------------------------------------- schema --write

#[test]
fn schema_write_writes_what_schema_prints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".keyledger/secret-inventory.schema.json");
    let run = keyledger(&["schema", "--write", path.to_str().unwrap()], &root());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let printed = keyledger(&["schema"], &root()).stdout;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), printed);
}

// ------------------------------------------------------------ fingerprint

/// Runs `keyledger fingerprint` on a pseudo-terminal, types the value once
/// the prompt shows, and returns everything the terminal displayed.
#[cfg(unix)]
fn fingerprint_on_a_terminal(value: &str) -> Option<(i32, String)> {
    const PTY: &str = r#"
import os, pty, select, sys, time
value, cmd = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b""
def more(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    out += data
    return bool(data)
deadline = time.time() + 20
while b"press Enter" not in out and time.time() < deadline:
    more(1)
time.sleep(0.3)
os.write(fd, value.encode() + b"\n")
while more(10):
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(PTY)
        .arg(value)
        .arg(env!("CARGO_BIN_EXE_keyledger"))
        .args(["fingerprint", "STRIPE_SECRET_KEY"])
        .current_dir(demo())
        .output()
        .ok()?;
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[cfg(unix)]
#[test]
fn fingerprint_does_not_echo_the_value_on_a_terminal() {
    let value = format!("sk_live_{}", "R8kT2vX9mQ4wL7nB3cY6dF1g");
    let Some((code, screen)) = fingerprint_on_a_terminal(&value) else {
        if std::env::var_os("CI").is_some() {
            panic!("python3 is needed for the terminal test in CI");
        }
        eprintln!("skipped: python3 (for a pseudo-terminal) is not installed");
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("press Enter"), "{screen}");
    assert!(screen.contains("kl1:"), "{screen}");
    assert!(
        !screen.contains(&value[8..]),
        "the value was echoed:\n{screen}"
    );
    // The same value piped in gives a fingerprint of the same length.
    let line = screen.lines().find(|l| l.starts_with("kl1:")).unwrap();
    assert!(line.trim_end().split(':').nth(2) == Some("32"), "{line}");
}

// ------------------------------------------------------ crate and licence

#[test]
fn the_published_crate_holds_the_source_and_no_test_data() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(root())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&out.stdout);
    let files: Vec<&str> = list.lines().collect();
    for must in [
        "Cargo.lock",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "README.md",
        "CHANGELOG.md",
        "src/main.rs",
        "src/scan/detectors.toml",
        "schemas/secret-inventory.schema.json",
        "policies/baseline.yaml",
    ] {
        assert!(files.contains(&must), "{must} is not packaged:\n{list}");
    }
    for f in &files {
        for not in [
            "tests/",
            "fixtures/",
            "scripts/",
            ".github/",
            "docs/",
            "target/",
        ] {
            assert!(!f.starts_with(not), "{f} is packaged");
        }
    }
    // Every file the source embeds is in the package.
    for entry in walk(&root().join("src")) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        for part in text.split("include_str!(\"").skip(1) {
            let rel = part.split('"').next().unwrap();
            let path = entry.parent().unwrap().join(rel);
            let path = std::fs::canonicalize(&path).unwrap();
            let packaged = path
                .strip_prefix(std::fs::canonicalize(root()).unwrap())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            assert!(
                files.contains(&packaged.as_str()),
                "{packaged} (embedded) is not packaged"
            );
        }
    }
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    for key in [
        "license = \"MIT OR Apache-2.0\"",
        "description = ",
        "repository = ",
        "homepage = ",
        "readme = ",
        "keywords = ",
        "categories = ",
        "rust-version = ",
    ] {
        assert!(manifest.contains(key), "Cargo.toml lacks {key}");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

#[test]
fn no_invented_domain_and_one_project_home() {
    // The project's home is Cargo.toml's `repository`; every GitHub URL of
    // keyledger's own in the repository names that one.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let home = manifest
        .lines()
        .find_map(|l| l.strip_prefix("repository = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap()
        .to_string();
    let slug = home.strip_prefix("https://github.com/").unwrap();
    let banned = ["keyledger", ".dev"].concat();
    let placeholder = ["OWNER", "/keyledger"].concat();
    let mut stack = vec![root()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if ![".git", "target", ".venv"].contains(&name.as_str()) {
                    stack.push(p);
                }
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            assert!(!text.contains(&banned), "{} names {banned}", p.display());
            assert!(
                !text.contains(&placeholder),
                "{} names {placeholder}",
                p.display()
            );
            for (i, _) in text.match_indices("github.com/") {
                let rest = &text[i + "github.com/".len()..];
                let repo: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || "-_./".contains(*c))
                    .collect();
                if repo.ends_with("/keyledger")
                    || repo.contains("/keyledger/")
                    || repo.starts_with("keyledger/")
                {
                    assert!(
                        repo.starts_with(slug),
                        "{}: github.com/{repo} is not the project's home {home}",
                        p.display()
                    );
                }
            }
        }
    }
}

// ------------------------------------------------------- editor support

#[test]
fn init_points_editors_at_a_schema_in_the_repository_and_check_keeps_it_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("app.py"),
        "import os\nKEY = os.environ['API_TOKEN']\n",
    )
    .unwrap();
    let run = keyledger(&["init", "."], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let inventory = std::fs::read_to_string(d.join("secrets-inventory.yaml")).unwrap();
    let first = inventory.lines().next().unwrap();
    assert_eq!(
        first,
        "# yaml-language-server: $schema=./.keyledger/secret-inventory.schema.json"
    );
    // The path exists in the repository and holds the schema.
    let schema = d.join(".keyledger/secret-inventory.schema.json");
    assert_eq!(
        std::fs::read_to_string(&schema).unwrap(),
        keyledger(&["schema"], &root()).stdout
    );
    let stale = |d: &Path| {
        let doc = keyledger(&["check", ".", "--format", "json", "--no-scan"], d).json();
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "stale-schema")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(stale(d), Vec::<String>::new());
    // An older schema (same $id, other content) is reported at the line.
    let mut old: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).unwrap();
    old["title"] = "older".into();
    std::fs::write(&schema, old.to_string()).unwrap();
    let msgs = stale(d);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains("is not the schema of this keyledger"),
        "{msgs:?}"
    );
    // So is a missing one; `schema --write` repairs both.
    std::fs::remove_file(&schema).unwrap();
    assert!(stale(d)[0].contains("does not exist"));
    let w = keyledger(
        &[
            "schema",
            "--write",
            ".keyledger/secret-inventory.schema.json",
        ],
        d,
    );
    assert_eq!(w.code, 0, "{}", w.transcript());
    assert_eq!(stale(d), Vec::<String>::new());
    // Someone else's schema there is not keyledger's business.
    std::fs::write(&schema, "{\"$id\": \"https://example.com/mine.json\"}").unwrap();
    assert_eq!(stale(d), Vec::<String>::new());
}

#[test]
fn init_in_a_subfolder_points_back_to_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("config")).unwrap();
    std::fs::write(
        d.join("keyledger.toml"),
        "inventory = \"config/secrets.yaml\"\n",
    )
    .unwrap();
    let run = keyledger(&["init", "."], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let text = std::fs::read_to_string(d.join("config/secrets.yaml")).unwrap();
    assert!(
        text.starts_with(
            "# yaml-language-server: $schema=../.keyledger/secret-inventory.schema.json\n"
        ),
        "{text}"
    );
    assert!(d.join(".keyledger/secret-inventory.schema.json").is_file());
    let doc = keyledger(&["check", ".", "--format", "json", "--no-scan"], d).json();
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "stale-schema"),
        "{doc}"
    );
}

#[test]
fn the_schema_examples_are_valid_inventories() {
    let schema: serde_json::Value =
        serde_json::from_str(&keyledger(&["schema"], &root()).stdout).unwrap();
    let doc = &schema["examples"][0];
    assert!(doc.is_object());
    // Editors show these; markdownDescription where the forms need explaining.
    for pointer in [
        "/$defs/cadence/markdownDescription",
        "/$defs/cadence/examples",
        "/$defs/store/properties/kind/markdownDescription",
        "/$defs/secret/examples/0/name",
        "/$defs/blast_radius/markdownDescription",
    ] {
        assert!(schema.pointer(pointer).is_some(), "{pointer} missing");
    }
    let dir = tempfile::tempdir().unwrap();
    // JSON is YAML: the example is an inventory as it stands.
    std::fs::write(dir.path().join("secrets-inventory.yaml"), doc.to_string()).unwrap();
    let run = keyledger(&["check", ".", "--no-scan", "--format", "json"], dir.path());
    assert_ne!(run.code, 2, "{}", run.transcript());
    let doc = run.json();
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "schema"),
        "{doc}"
    );
    // Every example of a definition validates against that definition, as
    // part of a one-secret inventory.
    let secret = schema["$defs"]["secret"]["examples"][0].clone();
    let inv = serde_json::json!({"version": 1, "secrets": [secret], "waivers": schema["$defs"]["waiver"]["examples"]});
    std::fs::write(dir.path().join("secrets-inventory.yaml"), inv.to_string()).unwrap();
    let run = keyledger(&["check", ".", "--no-scan", "--format", "json"], dir.path());
    assert_ne!(run.code, 2, "{}", run.transcript());
    for cadence in schema["$defs"]["cadence"]["examples"].as_array().unwrap() {
        let inv = serde_json::json!({"version": 1, "secrets": [{"name": "A", "cadence": cadence}]});
        std::fs::write(dir.path().join("secrets-inventory.yaml"), inv.to_string()).unwrap();
        let run = keyledger(&["check", ".", "--no-scan"], dir.path());
        assert_ne!(run.code, 2, "cadence {cadence}: {}", run.transcript());
    }
}

// ------------------------------------------------------- demo documents

/// (path, line, rule) of every finding the tables of fixtures/demo/EXPECTED.md list.
fn expected_md_findings() -> std::collections::BTreeSet<(String, u64, String)> {
    let text = std::fs::read_to_string(demo().join("EXPECTED.md")).unwrap();
    let mut out = std::collections::BTreeSet::new();
    let mut section = "";
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = if h.starts_with("Inventory-level") {
                "inventory"
            } else if h.starts_with("Scan findings") {
                "scan"
            } else {
                ""
            };
            continue;
        }
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if !line.starts_with("| ") || cells.len() < 4 {
            continue;
        }
        let rule_of = |c: &str| {
            c.split('`').nth(1).map(str::to_string).filter(|r| {
                r.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
            })
        };
        match section {
            "inventory" => {
                if let (Ok(l), Some(rule)) = (cells[0].parse::<u64>(), rule_of(cells[1])) {
                    out.insert(("secrets-inventory.yaml".to_string(), l, rule));
                }
            }
            "scan" => {
                let path = cells[1].trim_matches('`').to_string();
                let l = cells[2]
                    .split(':')
                    .next()
                    .and_then(|l| l.parse::<u64>().ok());
                if let (Some(l), Some(rule)) = (l, rule_of(cells[3])) {
                    out.insert((path, l, rule));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn expected_md_lists_exactly_what_check_reports_on_the_demo() {
    let doc = keyledger(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        &demo(),
    )
    .json();
    let actual: std::collections::BTreeSet<(String, u64, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = expected_md_findings();
    assert_eq!(
        expected, actual,
        "fixtures/demo/EXPECTED.md is out of step with `keyledger check --as-of {AS_OF}` on the demo"
    );
    assert_eq!(doc["summary"]["errors"], 11);
    assert_eq!(doc["summary"]["warnings"], 5);
    assert_eq!(doc["summary"]["waived"], 1);
}

/// The `keyledger …` lines of the first ```sh block after `heading`.
fn readme_commands(readme: &str, heading: &str) -> Vec<String> {
    let at = readme
        .find(heading)
        .unwrap_or_else(|| panic!("{heading} missing"));
    let rest = &readme[at..];
    let start = rest.find("```sh\n").unwrap() + 6;
    let end = start + rest[start..].find("```").unwrap();
    rest[start..end]
        .lines()
        .filter(|l| l.starts_with("keyledger "))
        .map(|l| match l.find("  #") {
            Some(i) => l[..i].trim().to_string(),
            None => l.trim().to_string(),
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn readme_examples_run_on_the_demo_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let demo_copy = dir.path().join("demo");
    copy_dir(&demo(), &demo_copy);
    copy_dir(&root().join("fixtures/report"), &dir.path().join("report"));
    std::fs::write(demo_copy.join("value.txt"), "Zq8mR2xT7vK4nL9pW3cY6bH1\n").unwrap();
    // `results/`: check outputs, as the organisation-wide job collects them.
    let out = keyledger(&["check", ".", "--format", "json"], &demo_copy);
    std::fs::create_dir_all(demo_copy.join("results/demo")).unwrap();
    std::fs::write(demo_copy.join("results/demo/keyledger.json"), out.stdout).unwrap();
    let mut commands = readme_commands(&readme, "\n## Using it\n");
    commands.extend(readme_commands(&readme, "\n## Quarterly report\n"));
    assert!(commands.len() > 20, "{commands:?}");
    for line in &commands {
        let (cmd, stdin) = match line.split_once(" < ") {
            Some((c, f)) => (c.to_string(), Some(f.trim().to_string())),
            None => (line.clone(), None),
        };
        let cmd = cmd.split(" > ").next().unwrap().to_string();
        let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
        let mut c = Command::new(env!("CARGO_BIN_EXE_keyledger"));
        c.args(&args).current_dir(&demo_copy).env("NO_COLOR", "1");
        if let Some(f) = stdin {
            c.stdin(std::fs::File::open(demo_copy.join(f)).unwrap());
        }
        let out = c.output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code == 0 || code == 1,
            "README example `{line}` exits {code} on the demo:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn readme_json_example_is_the_demos_output() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let at = readme.find("\n## Output\n").unwrap();
    let rest = &readme[at..];
    let start = rest.find("```json\n").unwrap() + 8;
    let end = start + rest[start..].find("```").unwrap();
    let example: serde_json::Value = serde_json::from_str(&rest[start..end])
        .unwrap_or_else(|e| panic!("the README's JSON example is not JSON: {e}"));
    let mut actual = keyledger(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        &demo(),
    )
    .json();
    actual["summary"].as_object_mut().unwrap().remove("scan");
    assert_eq!(example["version"], actual["version"]);
    assert_eq!(
        example["summary"], actual["summary"],
        "README summary out of step"
    );
    let has = |list: &serde_json::Value, item: &serde_json::Value| {
        list.as_array().unwrap().iter().any(|x| x == item)
    };
    for f in example["findings"].as_array().unwrap() {
        assert!(
            has(&actual["findings"], f),
            "README finding not in the demo's output: {f}"
        );
    }
    assert_eq!(example["inventory"]["path"], actual["inventory"]["path"]);
    for s in example["inventory"]["secrets"].as_array().unwrap() {
        assert!(
            has(&actual["inventory"]["secrets"], s),
            "README secret out of step: {s}"
        );
    }
    assert_eq!(
        example["inventory"]["waivers"],
        actual["inventory"]["waivers"]
    );
    assert_eq!(
        actual["findings"].as_array().unwrap().len(),
        17,
        "the README says the demo has 17 findings"
    );
}

#[test]
fn a_partial_scan_does_not_call_baseline_entries_stale() {
    let dir = files_repo();
    let d = dir.path();
    let run = keyledger(&["baseline", "."], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The commit touches another file: the accepted token is not stale.
    let files = keyledger(&["check", "--format", "json", "--files", "clean.sh"], d);
    assert_eq!(files.code, 0, "{}", files.transcript());
    assert!(!files.stdout.contains("stale-baseline"), "{}", files.stdout);
    // The whole tree still reports an entry that matches nothing.
    std::fs::write(d.join("leak.sh"), "export GH_TOKEN=\"${GH_TOKEN:?}\"\n").unwrap();
    let tree = keyledger(&["check", ".", "--format", "json"], d);
    assert!(tree.stdout.contains("stale-baseline"), "{}", tree.stdout);
}
