//! Every rule has a failing and a passing fixture under `fixtures/rules/RULE/`;
//! `expected.txt` says which rule ids must (`+`) and must not (`-`) be
//! reported. Each run's human and JSON output is snapshotted.

mod common;
use common::*;

#[test]
fn rule_fixtures() {
    let base = root().join("fixtures/rules");
    let mut cases = 0;
    for rule_dir in subdirs(&base) {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        let kinds: Vec<String> = subdirs(&rule_dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(
            kinds,
            ["fail", "pass"],
            "{rule} needs a fail and a pass fixture"
        );
        for kind in kinds {
            let dir = rule_dir.join(&kind);
            let json = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], &dir);
            assert_ne!(json.code, 2, "{rule}/{kind}: {}", json.stderr);
            let doc = json.json();
            let findings = doc["findings"].as_array().unwrap();
            let reported = |id: &str, sev: Option<&str>| {
                findings.iter().any(|f| {
                    f["rule"] == id
                        && f["suppressed"].is_null()
                        && sev.is_none_or(|s| f["severity"] == s)
                })
            };
            let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
            for line in expected
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
                    assert!(
                        !reported(id, None),
                        "{rule}/{kind}: `{id}` reported:\n{}",
                        json.stdout
                    );
                } else {
                    panic!("{rule}/{kind}: bad expected.txt line {line}");
                }
            }
            let human = keyledger(&["check", ".", "--as-of", AS_OF], &dir);
            assert_eq!(human.code, json.code);
            insta::assert_snapshot!(format!("{rule}-{kind}-human"), human.transcript());
            insta::assert_snapshot!(format!("{rule}-{kind}-json"), json.transcript());
            cases += 1;
        }
    }
    // Every registered rule that a fixture can trigger has fixtures.
    for r in keyledger::rules::ALL {
        if r.id != "schema" {
            assert!(base.join(r.id).is_dir(), "rule {} has no fixtures", r.id);
        }
    }
    for pack in keyledger::policy::builtin_packs().unwrap() {
        for p in &pack.policies {
            let covered = base.join(&p.id).is_dir()
                || std::fs::read_to_string(base.join(&pack.pack).join("fail/expected.txt"))
                    .is_ok_and(|t| t.contains(&format!("+{}", p.id)));
            if pack.pack != "strict"
                || [
                    "strict-kms-store",
                    "strict-critical-rotate-90d",
                    "strict-encryption-keys",
                ]
                .contains(&p.id.as_str())
            {
                assert!(covered, "policy {} has no fixture", p.id);
            }
        }
    }
    assert!(cases >= 36, "only {cases} cases ran");
}

#[test]
fn bad_input_exits_2_with_a_location() {
    let base = root().join("fixtures/bad");
    let located = regex::Regex::new(r"[\w./-]+\.(yaml|toml):\d+:\d+").unwrap();
    for dir in subdirs(&base) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let run = keyledger(&["check", ".", "--as-of", AS_OF], &dir);
        assert_eq!(run.code, 2, "{name}: {}", run.transcript());
        assert!(
            run.stdout.is_empty(),
            "{name}: partial output on stdout:\n{}",
            run.stdout
        );
        if name != "missing-file" {
            assert!(
                located.is_match(&run.stderr),
                "{name}: no file:line:col in\n{}",
                run.stderr
            );
        } else {
            assert!(
                run.stderr.contains("secrets-inventory.yaml: not found"),
                "{}",
                run.stderr
            );
        }
        let json = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], &dir);
        assert_eq!(json.code, 2, "{name} (json)");
        assert!(
            json.stdout.is_empty(),
            "{name}: partial JSON presented as complete"
        );
        insta::assert_snapshot!(format!("bad-{name}"), run.transcript());
    }
}

#[test]
fn bad_arguments_exit_2() {
    let demo = root().join("fixtures/demo");
    for args in [
        vec!["check", ".", "--as-of", "2026-13-01"],
        vec!["check", ".", "--format", "xml"],
        vec!["check", "no-such-dir"],
        vec!["explain", "rotation-overdu"],
        vec!["frobnicate"],
    ] {
        let run = keyledger(&args, &demo);
        assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
        assert!(!run.stderr.is_empty());
    }
    let run = keyledger(&["explain", "rotation-overdu"], &demo);
    assert!(
        run.stderr.contains("did you mean `rotation-overdue`?"),
        "{}",
        run.stderr
    );
}
