//! Every rule has a failing and a passing fixture under `fixtures/rules/RULE/`;
//! `expected.txt` says which rule ids must (`+`) and must not (`-`) be
//! reported. Each case is its own test (`cargo test --test rules
//! rotation-overdue` runs one rule's cases), and each run's human and JSON
//! output is snapshotted. The registry-wide checks (every rule has cases,
//! every rule can be turned off, bad input) are in tests/registry.rs.

mod common;
use common::*;
use std::path::Path;

fn rule_case(expected: &Path, text: String) -> datatest_stable::Result<()> {
    let dir = root().join(expected.parent().ok_or("no case folder")?);
    let kind = dir
        .file_name()
        .ok_or("no kind")?
        .to_string_lossy()
        .to_string();
    let rule = dir
        .parent()
        .and_then(Path::file_name)
        .ok_or("no rule folder")?
        .to_string_lossy()
        .to_string();
    if kind != "fail" && kind != "pass" {
        return Err(format!("{rule}/{kind}: a case folder is `fail` or `pass`").into());
    }
    let json = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], &dir);
    assert_ne!(json.code, 2, "{rule}/{kind}: {}", json.stderr);
    let doc = json.json();
    let findings = doc["findings"].as_array().ok_or("no findings array")?;
    let reported = |id: &str, sev: Option<&str>| {
        findings.iter().any(|f| {
            f["rule"] == id && f["suppressed"].is_null() && sev.is_none_or(|s| f["severity"] == s)
        })
    };
    let mut assertions = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        if let Some(code) = line.strip_prefix("exit=") {
            assert_eq!(json.code.to_string(), code, "{rule}/{kind}: exit code");
        } else if let Some(id) = line.strip_prefix('+') {
            let (id, sev) = id.split_once(':').map_or((id, None), |(a, b)| (a, Some(b)));
            assert!(
                reported(id, sev),
                "{rule}/{kind}: `{id}` not reported:\n{}",
                json.stdout
            );
        } else if let Some(id) = line.strip_prefix('-') {
            let (id, sev) = id.split_once(':').map_or((id, None), |(a, b)| (a, Some(b)));
            assert!(
                !reported(id, sev),
                "{rule}/{kind}: `{id}` reported:\n{}",
                json.stdout
            );
        } else {
            return Err(format!("{rule}/{kind}: bad expected.txt line {line}").into());
        }
        assertions += 1;
    }
    assert!(
        assertions > 0,
        "{rule}/{kind}: expected.txt asserts nothing"
    );
    let human = keyledger(&["check", ".", "--as-of", AS_OF], &dir);
    assert_eq!(human.code, json.code);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("rules__{rule}-{kind}-human"), human.transcript());
        insta::assert_snapshot!(format!("rules__{rule}-{kind}-json"), json.transcript());
    });
    Ok(())
}

datatest_stable::harness! {
    { test = rule_case, root = "fixtures/rules", pattern = r"^[^/]+/[^/]+/expected\.txt$" },
}
