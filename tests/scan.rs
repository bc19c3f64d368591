//! The content scan: detectors, hardcoded names, fingerprints, suppression,
//! skips, precision and redaction.

mod common;
use common::*;
use std::path::Path;

// Synthetic values in valid formats, assembled at run time so that this file
// itself holds no credential.
fn slack() -> String {
    format!(
        "xoxb-{}-{}-{}",
        "2048163051", "4217395863027", "Zq8vR2mT5kL9wX3nB7cY1dF4"
    )
}
fn github() -> String {
    format!("ghp_{}", "R8kT2vX9mQ4wL7nB3cY6dF1gH5jK0pS2uZ8e")
}
const HMAC: &str = "whk-9f8e7d6c5b4a3f2e1d0c";

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "secrets-inventory.yaml",
        "version: 1\ndefaults: {owner: t, store: {kind: other, ref: ops-vault}, cadence: 90d}\nsecrets:\n  - name: WEBHOOK_HMAC_KEY\n    last_rotated: 2026-11-01\n  - name: JWT_SECRET\n    last_rotated: 2026-11-01\n",
    );
    write(
        d,
        "config/notify.yaml",
        &format!("slack:\n  token: {}\n", slack()),
    );
    write(
        d,
        "scripts/release.sh",
        &format!(
            "curl -H 'Authorization: token {}' https://api.github.com\n",
            github()
        ),
    );
    write(
        d,
        ".env.production",
        "JWT_SECRET=8c1f4e2a9b7d6c3e5f0a1b2c\n",
    );
    write(
        d,
        "src/sign.py",
        &format!("def sign(body):\n    return hmac.new(b\"{HMAC}\", body)\n"),
    );
    dir
}

fn rules(doc: &serde_json::Value) -> Vec<(String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn finds_credentials_hardcoded_names_and_fingerprinted_values() {
    let dir = repo();
    let d = dir.path();
    // Fingerprint the HMAC key through stdin, as a user would.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args(["fingerprint", "WEBHOOK_HMAC_KEY"])
        .current_dir(d)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(format!("{HMAC}\n").as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fp = String::from_utf8(out.stdout).unwrap();
    assert!(fp.starts_with("kl1:") && !fp.contains(HMAC), "{fp}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(HMAC));
    let inv = std::fs::read_to_string(d.join("secrets-inventory.yaml")).unwrap();
    let inv = inv.replace(
        "  - name: WEBHOOK_HMAC_KEY\n",
        &format!(
            "  - name: WEBHOOK_HMAC_KEY\n    fingerprints: [\"{}\"]\n",
            fp.trim()
        ),
    );
    write(d, "secrets-inventory.yaml", &inv);

    let run = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], d);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let found = rules(&run.json());
    for (rule, path) in [
        ("leaked-credential", "config/notify.yaml"),
        ("leaked-credential", "scripts/release.sh"),
        ("hardcoded-secret", ".env.production"),
        ("leaked-value", "src/sign.py"),
    ] {
        assert!(
            found
                .iter()
                .any(|(r, p, s)| r == rule && p == path && s == "error"),
            "{rule} in {path} missing: {found:?}"
        );
    }
    let doc = run.json();
    let lv = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "leaked-value")
        .unwrap();
    assert_eq!(lv["secret"], "WEBHOOK_HMAC_KEY");
    assert_eq!(
        (lv["line"].as_u64(), lv["column"].as_u64()),
        (Some(2), Some(23))
    );
}

#[test]
fn no_output_format_contains_a_planted_secret() {
    let dir = repo();
    let planted = [slack(), github(), "8c1f4e2a9b7d6c3e5f0a1b2c".to_string()];
    for format in ["human", "json", "sarif", "github"] {
        for verbose in [false, true] {
            let mut args = vec!["check", ".", "--as-of", AS_OF, "--format", format];
            if verbose {
                args.push("--verbose");
            }
            let run = keyledger(&args, dir.path());
            assert_eq!(run.code, 1);
            for p in &planted {
                // Neither the value nor any 8-character piece of it past the
                // redacted prefix.
                for i in 4..p.len().saturating_sub(8) {
                    let piece = &p[i..i + 8];
                    assert!(
                        !run.stdout.contains(piece) && !run.stderr.contains(piece),
                        "{format}: `{piece}` of a planted secret printed:\n{}",
                        run.transcript()
                    );
                }
            }
        }
    }
}

#[test]
fn inline_allow_allow_paths_and_test_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "a.yaml",
        &format!("# keyledger:allow leaked-credential\ntoken: {}\n", slack()),
    );
    write(
        d,
        "b.yaml",
        &format!("token: {}  # keyledger:allow\n", slack()),
    );
    write(
        d,
        "c.yaml",
        &format!("# keyledger:allow hardcoded-secret\ntoken: {}\n", slack()),
    );
    write(d, "vendor/d.yaml", &format!("token: {}\n", slack()));
    write(d, "tests/e.yaml", &format!("token: {}\n", slack()));
    write(
        d,
        "keyledger.toml",
        "[scan]\nallow_paths = [\"vendor/**\"]\n",
    );
    let run = keyledger(&["check", ".", "--no-inventory", "--format", "json"], d);
    let doc = run.json();
    let by_path = |p: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .cloned()
    };
    assert_eq!(by_path("a.yaml").unwrap()["suppressed"]["kind"], "inline");
    assert_eq!(by_path("b.yaml").unwrap()["suppressed"]["kind"], "inline");
    assert!(
        by_path("c.yaml").unwrap()["suppressed"].is_null(),
        "an allow for another rule does not apply"
    );
    assert!(by_path("vendor/d.yaml").is_none());
    assert_eq!(by_path("tests/e.yaml").unwrap()["severity"], "note");
    assert_eq!(doc["summary"]["inline_allowed"], 2);
    assert_eq!(
        doc["summary"]["scan"]["skipped"]["allow_listed"][0],
        "vendor/d.yaml"
    );
    assert_eq!(doc["summary"]["blocking"], 1);
}

#[test]
fn every_skip_reason_is_counted_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "keyledger.toml",
        "[scan]\nmax_file_size = 1000\nfollow_symlinks = false\n",
    );
    std::fs::write(d.join("image.png"), b"\x89PNG\r\n\x1a\n\0\0\0IHDR").unwrap();
    std::fs::write(d.join("big.txt"), "x".repeat(5000)).unwrap();
    std::fs::write(d.join("latin1.txt"), b"caf\xe9 token\n").unwrap();
    std::os::unix::fs::symlink("big.txt", d.join("link.txt")).unwrap();
    write(d, ".gitignore", "ignored/\n");
    write(d, "ignored/x.yaml", &format!("token: {}\n", slack()));
    let run = keyledger(&["check", ".", "--no-inventory", "--format", "json"], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let scan = &run.json()["summary"]["scan"];
    assert_eq!(scan["skipped"]["binary"][0], "image.png");
    assert_eq!(scan["skipped"]["too_large"][0], "big.txt");
    assert_eq!(scan["skipped"]["symlink"][0], "link.txt");
    assert_eq!(scan["lossy_utf8"], 1);
    let human = keyledger(&["check", ".", "--no-inventory", "--verbose"], d);
    assert!(
        human.stdout.contains("skipped (binary): image.png"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("skipped (too_large): big.txt"),
        "{}",
        human.stdout
    );
    // Following links into a loop is reported, not fatal.
    write(d, "keyledger.toml", "[scan]\nfollow_symlinks = true\n");
    std::os::unix::fs::symlink(".", d.join("loop")).unwrap();
    let run = keyledger(&["check", ".", "--no-inventory", "--format", "json"], d);
    assert_ne!(run.code, 2, "{}", run.transcript());
    assert!(
        run.json()["summary"]["scan"]["skipped"]["symlink"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
}

#[test]
fn precision_corpus_has_no_blocking_finding() {
    let run = keyledger(
        &["check", ".", "--no-inventory", "--format", "json"],
        &root().join("fixtures/precision"),
    );
    let doc = run.json();
    let blocking: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "note")
        .collect();
    assert!(blocking.is_empty(), "look-alikes reported: {blocking:#?}");
    assert_eq!(run.code, 0);
}

#[test]
fn fingerprint_refuses_short_values_and_unknown_names() {
    let dir = repo();
    for (name, input) in [
        ("WEBHOOK_HMAC_KEY", "tiny-v9\n"),
        ("NO_SUCH", "long-enough-value-123\n"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyledger"))
            .args(["fingerprint", name])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(input.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        // The refusal names what is wrong, never the value read.
        assert!(!stderr.contains(input.trim()), "{stderr}");
        let reason = if name == "NO_SUCH" {
            "NO_SUCH"
        } else {
            "short"
        };
        assert!(stderr.contains(reason), "{name}: {stderr}");
    }
}

#[test]
fn baseline_accepts_known_findings_and_reports_stale_entries() {
    let dir = repo();
    let d = dir.path();
    let run = keyledger(&["baseline", ".", "--as-of", AS_OF], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let text = std::fs::read_to_string(d.join(".keyledger/baseline.json")).unwrap();
    assert!(
        !text.contains(&slack()[4..]) && !text.contains(&github()[4..]),
        "baseline holds a value"
    );
    let run = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // Three leaked values and the unused WEBHOOK_HMAC_KEY: the baseline
    // naming that secret is not a use of it, so it settles.
    assert_eq!(run.json()["summary"]["baselined"], 4);
    assert!(
        !rules(&run.json())
            .iter()
            .any(|(r, _, _)| r == "stale-baseline"),
        "{}",
        run.stdout
    );

    // An unrelated edit moves the findings; the baseline still holds.
    let notify = std::fs::read_to_string(d.join("config/notify.yaml")).unwrap();
    write(
        d,
        "config/notify.yaml",
        &format!("# notification settings\n\n{notify}"),
    );
    // A new secret is reported; a removed one leaves a stale entry.
    write(
        d,
        "scripts/deploy.sh",
        &format!("export GH={}X\n", &github()[..39]),
    );
    std::fs::remove_file(d.join("scripts/release.sh")).unwrap();
    let run = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], d);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let found = rules(&run.json());
    let doc = run.json();
    assert_eq!(doc["summary"]["baselined"], 3);
    assert!(
        found
            .iter()
            .any(|(r, p, _)| r == "leaked-credential" && p == "scripts/deploy.sh"),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(r, p, s)| r == "stale-baseline"
            && p == ".keyledger/baseline.json"
            && s == "warning"),
        "{found:?}"
    );

    // A corrupt baseline is a located error, exit 2.
    write(
        d,
        ".keyledger/baseline.json",
        "{\"version\": 1, \"findings\": [\n  {\"fingerprint\": 3}\n]}\n",
    );
    let run = keyledger(&["check", ".", "--as-of", AS_OF], d);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(".keyledger/baseline.json:2:"),
        "{}",
        run.stderr
    );
}
