//! The hooks of `.pre-commit-hooks.yaml`, run by the real `pre-commit`
//! (installed from PyPI by scripts/test.sh) in a throwaway repository that
//! points at this checkout.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn run(dir: &Path, cmd: &str, args: &[&str]) -> (i32, String) {
    let target = root().join("target");
    // scripts/test.sh installs the real pre-commit into .venv.
    let venv = root().join(".venv/bin").join(cmd);
    let cmd = if venv.exists() {
        venv.to_string_lossy().into_owned()
    } else {
        cmd.to_string()
    };
    let out = Command::new(&cmd)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", target.join("pre-commit-home"))
        // pre-commit builds the hook with `cargo install`; share a target
        // directory so repeated runs reuse the build.
        .env("CARGO_TARGET_DIR", target.join("pre-commit-build"))
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {cmd}: {e} (scripts/test.sh installs pre-commit into .venv)")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn pre_commit_refuses_a_planted_token_and_accepts_a_clean_commit() {
    let (code, version) = run(&root(), "pre-commit", &["--version"]);
    assert_eq!(code, 0, "the real pre-commit is required: {version}");
    // The hook repository: this checkout at its current commit.
    let (_, head) = run(&root(), "git", &["rev-parse", "HEAD"]);
    let head = head.trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(run(d, "git", &["init", "-q", "-b", "main"]).0, 0);
    std::fs::write(
        d.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {head}\n    hooks:\n      - id: keyledger\n      - id: keyledger-inventory\n",
            root().display()
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - name: GH_TOKEN\n    owner: platform-team\n    store: {kind: github-actions}\n    cadence: on-compromise\n",
    )
    .unwrap();
    let (code, out) = run(d, "pre-commit", &["install"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(run(d, "git", &["add", "-A"]).0, 0);
    let (code, out) = run(d, "git", &["commit", "-q", "-m", "inventory"]);
    assert_eq!(code, 0, "a clean commit is accepted:\n{out}");

    let secret = format!("ghp_{}", "R8kT2vX9mQ4wL7nB3cY6dF1gH5jK0pS2uZ8q");
    std::fs::write(d.join("deploy.sh"), format!("export GH_TOKEN={secret}\n")).unwrap();
    assert_eq!(run(d, "git", &["add", "deploy.sh"]).0, 0);
    let (code, out) = run(d, "git", &["commit", "-q", "-m", "deploy script"]);
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

    std::fs::write(d.join("deploy.sh"), "export GH_TOKEN=\"${GH_TOKEN:?}\"\n").unwrap();
    assert_eq!(run(d, "git", &["add", "deploy.sh"]).0, 0);
    let (code, out) = run(d, "git", &["commit", "-q", "-m", "deploy script"]);
    assert_eq!(code, 0, "the fixed commit is accepted:\n{out}");
}
