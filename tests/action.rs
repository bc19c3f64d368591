//! The GitHub Action's shell steps (scripts/action/*.sh, which action.yml
//! runs) with a fake `GITHUB_*`/`RUNNER_*` environment: installing a
//! release archive (checked against its SHA-256), refusing a tampered one,
//! falling back to `cargo install --locked`, and checking a pull request
//! in throwaway git repositories, with and without an inventory, shallow or
//! not. Needs bash, git, curl and tar (present on CI runners); elsewhere a
//! missing tool skips the test with a message unless CI is set.

mod common;
use common::*;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn tools_or_skip(test: &str) -> bool {
    let missing: Vec<&str> = ["bash", "git", "curl", "tar", "sha256sum"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {missing:?} missing on CI");
    }
    eprintln!("SKIPPED {test}: {missing:?} not installed");
    false
}

fn git(dir: &Path, args: &[&str]) -> String {
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
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fake runner: its temp folder and the files GitHub reads back.
struct Runner {
    _dir: tempfile::TempDir,
    temp: PathBuf,
    path_file: PathBuf,
    output_file: PathBuf,
    summary_file: PathBuf,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join("runner-temp");
        std::fs::create_dir(&temp).unwrap();
        Runner {
            path_file: dir.path().join("github_path"),
            output_file: dir.path().join("github_output"),
            summary_file: dir.path().join("step_summary"),
            temp,
            _dir: dir,
        }
    }

    fn env(&self) -> HashMap<&'static str, String> {
        HashMap::from([
            ("GITHUB_ACTION_PATH", root().display().to_string()),
            ("RUNNER_OS", "Linux".into()),
            ("RUNNER_ARCH", "X64".into()),
            ("RUNNER_TEMP", self.temp.display().to_string()),
            ("GITHUB_PATH", self.path_file.display().to_string()),
            ("GITHUB_OUTPUT", self.output_file.display().to_string()),
            (
                "GITHUB_STEP_SUMMARY",
                self.summary_file.display().to_string(),
            ),
            ("GITHUB_ACTIONS", "true".into()),
        ])
    }

    /// Runs a script of the action with this runner's environment plus
    /// `env`, `path_dirs` first on PATH.
    fn script(&self, name: &str, cwd: &Path, env: &[(&str, String)], path_dirs: &[PathBuf]) -> Run {
        let mut path: Vec<PathBuf> = path_dirs.to_vec();
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("scripts/action").join(name))
            .current_dir(cwd)
            .env("PATH", std::env::join_paths(path).unwrap())
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_BASE_REF")
            .env_remove("GITHUB_EVENT_NAME")
            .env_remove("KEYLEDGER_REPOSITORY")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com");
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("bash runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn outputs(&self) -> HashMap<String, String> {
        std::fs::read_to_string(&self.output_file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn added_paths(&self) -> Vec<PathBuf> {
        std::fs::read_to_string(&self.path_file)
            .unwrap_or_default()
            .lines()
            .map(PathBuf::from)
            .collect()
    }
}

const VERSION: &str = env!("CARGO_PKG_VERSION");
const TARGET: &str = "x86_64-unknown-linux-musl";

/// A release folder as the release workflow lays it out, its archive
/// holding this build's keyledger; `tamper` breaks its checksum.
fn fake_release(dir: &Path, tamper: bool) -> PathBuf {
    let name = format!("keyledger-v{VERSION}-{TARGET}");
    let stage = dir.join("stage").join(&name);
    std::fs::create_dir_all(&stage).unwrap();
    // A stand-in that runs this build (archiving the 150 MB debug binary
    // would make the test slow; the archive's handling is what is tested).
    std::fs::write(
        stage.join("keyledger"),
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_keyledger")
        ),
    )
    .unwrap();
    let release = dir.join("release");
    std::fs::create_dir_all(&release).unwrap();
    let archive = release.join(format!("{name}.tar.gz"));
    let st = Command::new("tar")
        .args(["-czf", archive.to_str().unwrap(), "-C"])
        .arg(dir.join("stage"))
        .arg(&name)
        .status()
        .unwrap();
    assert!(st.success());
    let sum = Command::new("sha256sum").arg(&archive).output().unwrap();
    let mut hash = String::from_utf8_lossy(&sum.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    if tamper {
        hash = hash.replace(|c: char| c != '0', "0");
    }
    std::fs::write(
        release.join(format!("{name}.tar.gz.sha256")),
        format!("{hash}  {name}.tar.gz\n"),
    )
    .unwrap();
    release
}

#[test]
fn install_downloads_and_checks_the_release_archive() {
    if !tools_or_skip("install_downloads_and_checks_the_release_archive") {
        return;
    }
    let r = Runner::new();
    let base = fake_release(&r.temp.join("fake"), false);
    let run = r.script(
        "install.sh",
        &root(),
        &[(
            "KEYLEDGER_DOWNLOAD_BASE",
            format!("file://{}", base.display()),
        )],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let added = r.added_paths();
    assert_eq!(added.len(), 1, "{added:?}");
    let installed = added[0].join("keyledger");
    let v = Command::new(&installed).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).starts_with(&format!("keyledger {VERSION} ")));
    let out = r.outputs();
    assert_eq!(out["version"], VERSION);
    assert_eq!(PathBuf::from(&out["path"]), installed);
    // The version and the repository come from the action's Cargo.toml.
    assert!(
        run.stderr
            .contains(&format!("keyledger-v{VERSION}-{TARGET}.tar.gz"))
    );
}

#[test]
fn install_refuses_a_tampered_archive() {
    if !tools_or_skip("install_refuses_a_tampered_archive") {
        return;
    }
    let r = Runner::new();
    let base = fake_release(&r.temp.join("fake"), true);
    let run = r.script(
        "install.sh",
        &root(),
        &[(
            "KEYLEDGER_DOWNLOAD_BASE",
            format!("file://{}", base.display()),
        )],
        &[],
    );
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout
            .contains("::error title=keyledger::checksum mismatch"),
        "{}",
        run.transcript()
    );
    assert!(r.added_paths().is_empty());
}

#[test]
fn install_falls_back_to_cargo_install_locked() {
    if !tools_or_skip("install_falls_back_to_cargo_install_locked") {
        return;
    }
    let r = Runner::new();
    // A cargo that records its arguments and "builds" this test's binary.
    let fake = r.temp.join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let log = r.temp.join("cargo-args");
    std::fs::write(
        fake.join("cargo"),
        format!(
            "#!/usr/bin/env bash\nset -e\necho \"$*\" > '{}'\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --root ]; then root=$2; fi; shift; done\nmkdir -p \"$root/bin\"\ncp '{}' \"$root/bin/keyledger\"\n",
            log.display(),
            env!("CARGO_BIN_EXE_keyledger")
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(fake.join("cargo"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    // A curl that records the URL and answers 404, as GitHub does for a
    // ref without a release (the test reaches no network).
    let urls = r.temp.join("curl-urls");
    std::fs::write(
        fake.join("curl"),
        format!(
            "#!/usr/bin/env bash\nfor a in \"$@\"; do case \"$a\" in http*|file*) echo \"$a\" >> '{}';; esac; done\nexit 22\n",
            urls.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(fake.join("curl"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    let run = r.script("install.sh", &root(), &[], std::slice::from_ref(&fake));
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The release asked for: the version and repository of the action's
    // own Cargo.toml.
    let asked = std::fs::read_to_string(&urls).unwrap();
    assert_eq!(
        asked.lines().next(),
        Some(
            format!(
                "https://github.com/keyledger/keyledger/releases/download/v{VERSION}/keyledger-v{VERSION}-{TARGET}.tar.gz"
            )
            .as_str()
        ),
        "{asked}"
    );
    let empty = r.temp.join("no-release");
    std::fs::create_dir_all(&empty).unwrap();
    let args = std::fs::read_to_string(&log).unwrap();
    assert!(
        args.starts_with(&format!(
            "install --locked --quiet --path {}",
            root().display()
        )),
        "{args}"
    );
    assert_eq!(r.added_paths().len(), 1);
    // An unknown runner has no binary either: same fallback.
    let r2 = Runner::new();
    let run = r2.script(
        "install.sh",
        &root(),
        &[
            ("RUNNER_OS", "FreeBSD".into()),
            (
                "KEYLEDGER_DOWNLOAD_BASE",
                format!("file://{}", empty.display()),
            ),
        ],
        &[fake],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains("no release binary for FreeBSD/X64"),
        "{}",
        run.stderr
    );
}

fn token() -> String {
    format!("ghp_{}", "R8kT2vX9mQ4wL7nB3cY6dF1gH5jK0pS2uZ8q")
}

/// An origin (bare) with `main` and a pull request branch `pr` that adds
/// `files`; returns the origin's path.
fn origin_with_pr(
    dir: &Path,
    base_files: &[(&str, String)],
    pr_files: &[(&str, String)],
) -> PathBuf {
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    for (name, text) in base_files {
        std::fs::write(work.join(name), text).unwrap();
    }
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "base"]);
    git(&work, &["checkout", "-q", "-b", "pr"]);
    for (name, text) in pr_files {
        std::fs::write(work.join(name), text).unwrap();
    }
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "pull request"]);
    let origin = dir.join("origin.git");
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            origin.to_str().unwrap(),
        ],
    );
    origin
}

/// What actions/checkout leaves for a pull request: the PR's head, one
/// commit deep unless `full`.
fn checkout(dir: &Path, origin: &Path, full: bool) -> PathBuf {
    let co = dir.join(if full { "full" } else { "shallow" });
    let url = format!("file://{}", origin.display());
    let mut args = vec!["clone", "-q", "--branch", "pr"];
    if !full {
        args.extend(["--depth", "1"]);
    }
    args.extend([url.as_str(), co.to_str().unwrap()]);
    git(dir, &args);
    co
}

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_keyledger"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn a_pull_request_without_an_inventory_is_scanned_and_gets_sarif_and_a_summary() {
    if !tools_or_skip("a_pull_request_without_an_inventory_is_scanned_and_gets_sarif_and_a_summary")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A token already on main is not the pull request's: only the added one counts.
    let origin = origin_with_pr(
        dir.path(),
        &[(
            "old.env",
            format!("OLD_TOKEN={}\n", token().replace('R', "Q")),
        )],
        &[("deploy.sh", format!("export GH_TOKEN={}\n", token()))],
    );
    for full in [false, true] {
        let co = checkout(dir.path(), &origin, full);
        let r = Runner::new();
        let run = r.script(
            "run.sh",
            &co,
            &[
                ("GITHUB_EVENT_NAME", "pull_request".into()),
                ("GITHUB_BASE_REF", "main".into()),
            ],
            &[bin_dir()],
        );
        assert_eq!(run.code, 1, "full={full}: {}", run.transcript());
        assert!(
            run.stdout
                .contains("no secret inventory in this repository"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("--since origin/main"), "{}", run.stdout);
        assert!(run.stdout.contains("deploy.sh:1:"), "{}", run.stdout);
        assert!(
            !run.stdout.contains("old.env"),
            "only what the PR adds:\n{}",
            run.stdout
        );
        assert!(
            !run.stdout.contains(&token()[4..]),
            "token printed:\n{}",
            run.stdout
        );
        let out = r.outputs();
        assert_eq!(out["exit-code"], "1");
        let sarif = std::fs::read_to_string(&out["sarif-file"]).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&sarif).unwrap();
        assert_eq!(doc["version"], "2.1.0");
        let results = doc["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{sarif}");
        let summary = std::fs::read_to_string(&r.summary_file).unwrap();
        assert!(
            summary.starts_with("### keyledger: ✖ 1 blocking finding"),
            "{summary}"
        );
        assert!(
            summary.contains("no inventory (content scan only)"),
            "{summary}"
        );
    }
}

#[test]
fn inventory_fail_on_never_and_a_run_that_cannot_check() {
    if !tools_or_skip("inventory_fail_on_never_and_a_run_that_cannot_check") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inventory = "version: 1\nsecrets:\n  - name: GH_TOKEN\n    owner: platform-team\n    store: {kind: github-actions}\n    cadence: 30d\n    last_rotated: 2020-01-01\n".to_string();
    let origin = origin_with_pr(
        dir.path(),
        &[("secrets-inventory.yaml", inventory)],
        &[("README.md", "hello\n".into())],
    );
    let co = checkout(dir.path(), &origin, true);
    // A push: the whole repository, inventory included (overdue: exit 1).
    let r = Runner::new();
    let run = r.script(
        "run.sh",
        &co,
        &[("GITHUB_EVENT_NAME", "push".into())],
        &[bin_dir()],
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(!run.stdout.contains("--since"), "{}", run.stdout);
    assert!(run.stdout.contains("rotation-overdue"), "{}", run.stdout);
    // fail-on: never reports and passes.
    let r = Runner::new();
    let run = r.script(
        "run.sh",
        &co,
        &[
            ("GITHUB_EVENT_NAME", "push".into()),
            ("INPUT_FAIL_ON", "never".into()),
            ("INPUT_FORMAT", "github".into()),
        ],
        &[bin_dir()],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("::error file=secrets-inventory.yaml"),
        "{}",
        run.stdout
    );
    assert_eq!(r.outputs()["exit-code"], "0");
    // A broken inventory: exit 2, no SARIF file (not an empty one), and the
    // job summary says the check could not run.
    std::fs::write(
        co.join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - nme: X\n",
    )
    .unwrap();
    let r = Runner::new();
    std::fs::write(r.temp.join("keyledger.sarif"), "stale").unwrap();
    let run = r.script(
        "run.sh",
        &co,
        &[("GITHUB_EVENT_NAME", "push".into())],
        &[bin_dir()],
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    let out = r.outputs();
    assert_eq!(out["exit-code"], "2");
    assert_eq!(out["sarif-file"], "");
    assert!(
        !r.temp.join("keyledger.sarif").exists(),
        "a stale SARIF was left"
    );
    let summary = std::fs::read_to_string(&r.summary_file).unwrap();
    assert!(
        summary.contains("could not check (exit code 2)"),
        "{summary}"
    );
    // A bad fail-on is refused before running.
    let r = Runner::new();
    let run = r.script(
        "run.sh",
        &co,
        &[("INPUT_FAIL_ON", "sometimes".into())],
        &[bin_dir()],
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
}

#[test]
fn action_yml_runs_the_tested_scripts() {
    let yml = std::fs::read_to_string(root().join("action.yml")).unwrap();
    for script in ["scripts/action/install.sh", "scripts/action/run.sh"] {
        assert!(yml.contains(script), "action.yml does not run {script}");
        assert!(root().join(script).is_file());
    }
    for input in ["args:", "since:", "format:", "fail-on:", "upload-sarif:"] {
        assert!(
            yml.contains(&format!("\n  {input}")),
            "input {input} missing"
        );
    }
    assert!(yml.contains("using: composite"));
    assert!(yml.contains("github/codeql-action/upload-sarif@"));
}

#[test]
fn the_action_workflows_and_ci_examples_are_well_formed_yaml() {
    // keyledger's own spanned YAML reader: a syntax error or a duplicate
    // key fails with its line and column.
    let mut files = vec![
        root().join("action.yml"),
        root().join(".pre-commit-hooks.yaml"),
    ];
    for dir in [".github/workflows", "docs/ci"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 7, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let src = keyledger::source::SourceFile::new(f.display().to_string(), text);
        if let Err(e) = keyledger::node::parse(&src) {
            panic!("{}: {}", f.display(), keyledger::diag::render(&e, false));
        }
    }
}
