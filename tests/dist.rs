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
        "version: 1\nsecrets:\n  - name: A_TOKEN\n    owner: t\n    store: {kind: other}\n    cadence: 90d\n",
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
