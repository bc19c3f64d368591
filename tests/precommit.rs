//! The hooks of `.pre-commit-hooks.yaml`, run by the real `pre-commit`
//! (installed from PyPI into .venv by scripts/test.sh) in throwaway
//! repositories that point at this checkout's HEAD commit: a commit with a
//! token is refused, a clean one accepted, `pre-commit run --all-files`
//! fails over a token committed earlier, with the building hook
//! (`language: rust`) and with the system hook (`language: system`, the
//! binary on PATH).
//!
//! Without `pre-commit` the tests are skipped with a message, except under
//! CI (`CI` or `KEYLEDGER_REQUIRE_PRECOMMIT` set), where that is a failure.
//! The hooks are read from HEAD: commit a change to them before running
//! these tests.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The real pre-commit: .venv's, else the one on PATH; `None` when absent.
fn pre_commit() -> Option<PathBuf> {
    let venv = root().join(".venv/bin/pre-commit");
    if venv.exists() {
        return Some(venv);
    }
    let found = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    found.then(|| PathBuf::from("pre-commit"))
}

fn required() -> bool {
    ["CI", "KEYLEDGER_REQUIRE_PRECOMMIT"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "0" && x != "false"))
}

/// pre-commit, or `None` (after saying why) when the test is skipped.
fn pre_commit_or_skip(test: &str) -> Option<PathBuf> {
    match pre_commit() {
        Some(p) => Some(p),
        None if required() => panic!(
            "{test}: the real `pre-commit` is required under CI (scripts/test.sh installs it into .venv)"
        ),
        None => {
            eprintln!(
                "SKIPPED {test}: `pre-commit` is not installed (scripts/test.sh installs it into .venv; set CI=1 or KEYLEDGER_REQUIRE_PRECOMMIT=1 to make its absence a failure)"
            );
            None
        }
    }
}

fn run(dir: &Path, cmd: &Path, args: &[&str], path: Option<&str>) -> (i32, String) {
    let target = root().join("target");
    let mut c = Command::new(cmd);
    c.args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", target.join("pre-commit-home"))
        // pre-commit builds the rust hook with `cargo install` (release
        // profile); share a target directory so repeated runs reuse the
        // build, and skip optimisation, which the hook's behaviour does not
        // depend on: it halves the build, the test's main cost in CI.
        .env("CARGO_TARGET_DIR", target.join("pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("NO_COLOR", "1");
    if let Some(p) = path {
        c.env("PATH", p);
    }
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cmd.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn git(dir: &Path, args: &[&str]) -> (i32, String) {
    run(dir, Path::new("git"), args, None)
}

/// A throwaway repository whose .pre-commit-config.yaml uses `hooks` of
/// this checkout at HEAD, installed as its git hook.
fn repo(pc: &Path, hooks: &[&str], path: Option<&str>) -> tempfile::TempDir {
    let (_, head) = git(&root(), &["rev-parse", "HEAD"]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(git(d, &["init", "-q", "-b", "main"]).0, 0);
    let ids: String = hooks.iter().map(|h| format!("      - id: {h}\n")).collect();
    std::fs::write(
        d.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n{ids}",
            root().display(),
            head.trim()
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - name: GH_TOKEN\n    owner: platform-team\n    store: {kind: github-actions}\n    cadence: on-compromise\n",
    )
    .unwrap();
    let (code, out) = run(d, pc, &["install"], path);
    assert_eq!(code, 0, "{out}");
    dir
}

fn token() -> String {
    format!("ghp_{}", "R8kT2vX9mQ4wL7nB3cY6dF1gH5jK0pS2uZ8q")
}

/// The scenario every hook flavour must pass.
fn commit_and_all_files(pc: &Path, d: &Path, path: Option<&str>) {
    let commit = |msg: &str| run(d, Path::new("git"), &["commit", "-q", "-m", msg], path);
    assert_eq!(git(d, &["add", "-A"]).0, 0);
    let (code, out) = commit("inventory");
    assert_eq!(code, 0, "a clean commit is accepted:\n{out}");

    // A commit that adds a token is refused, at the line, without the token.
    let secret = token();
    std::fs::write(d.join("deploy.sh"), format!("export GH_TOKEN={secret}\n")).unwrap();
    assert_eq!(git(d, &["add", "deploy.sh"]).0, 0);
    let (code, out) = commit("deploy script");
    assert_ne!(code, 0, "the commit with a token must be refused:\n{out}");
    assert!(
        out.contains("leaked-credential") || out.contains("hardcoded-secret"),
        "{out}"
    );
    assert!(
        out.contains("deploy.sh:1:"),
        "the message points at the line:\n{out}"
    );
    assert!(!out.contains(&secret[4..]), "the token was printed:\n{out}");

    // Committed anyway (--no-verify): `pre-commit run --all-files`, what CI
    // and pre-commit.ci run, fails over it.
    let (code, out) = run(
        d,
        Path::new("git"),
        &["commit", "-q", "--no-verify", "-m", "bypass"],
        path,
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(d, pc, &["run", "--all-files"], path);
    assert_ne!(
        code, 0,
        "--all-files must fail over the committed token:\n{out}"
    );
    assert!(out.contains("deploy.sh:1:"), "{out}");
    assert!(!out.contains(&secret[4..]), "the token was printed:\n{out}");

    // Fixed: a clean commit passes, and so does --all-files.
    std::fs::write(d.join("deploy.sh"), "export GH_TOKEN=\"${GH_TOKEN:?}\"\n").unwrap();
    assert_eq!(git(d, &["add", "deploy.sh"]).0, 0);
    let (code, out) = commit("deploy script reads the token");
    assert_eq!(code, 0, "the fixed commit is accepted:\n{out}");
    let (code, out) = run(d, pc, &["run", "--all-files"], path);
    assert_eq!(code, 0, "a clean tree passes --all-files:\n{out}");
}

#[test]
fn building_hook_refuses_tokens_on_commit_and_under_all_files() {
    let Some(pc) = pre_commit_or_skip("building_hook_refuses_tokens_on_commit_and_under_all_files")
    else {
        return;
    };
    let dir = repo(&pc, &["keyledger", "keyledger-inventory"], None);
    commit_and_all_files(&pc, dir.path(), None);
}

#[test]
fn system_hook_uses_the_keyledger_on_path() {
    let Some(pc) = pre_commit_or_skip("system_hook_uses_the_keyledger_on_path") else {
        return;
    };
    // PATH: this build's keyledger first, then what git and pre-commit need.
    let bin = Path::new(env!("CARGO_BIN_EXE_keyledger"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let path = path.to_string_lossy().into_owned();
    let dir = repo(
        &pc,
        &["keyledger-system", "keyledger-inventory-system"],
        Some(&path),
    );
    commit_and_all_files(&pc, dir.path(), Some(&path));
    // Without keyledger on PATH the hook says so instead of passing.
    std::fs::write(dir.path().join("x.txt"), "x\n").unwrap();
    assert_eq!(git(dir.path(), &["add", "x.txt"]).0, 0);
    let no_path = std::env::var("PATH").unwrap_or_default();
    let stripped: Vec<PathBuf> = std::env::split_paths(&no_path)
        .filter(|p| !p.join("keyledger").exists())
        .collect();
    let stripped = std::env::join_paths(stripped).unwrap();
    let (code, out) = run(
        dir.path(),
        Path::new("git"),
        &["commit", "-q", "-m", "x"],
        Some(&stripped.to_string_lossy()),
    );
    assert_ne!(code, 0, "a missing keyledger must not pass:\n{out}");
}
