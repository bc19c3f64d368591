//! The rule registry as a whole: every rule has fixture cases, every rule can
//! be turned off in `[rules]` (and then reports nothing), and bad input or
//! bad arguments exit 2 with a location. The cases themselves run one test
//! each in tests/rules.rs.

mod common;
use common::*;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// `dir`'s keyledger.toml (if any) with `[rules] id = value` added.
fn with_override(dir: &Path, id: &str, value: &str) {
    let path = dir.join("keyledger.toml");
    let mut table: toml::Table = std::fs::read_to_string(&path)
        .map(|t| t.parse().unwrap())
        .unwrap_or_default();
    let rules = table
        .entry("rules")
        .or_insert_with(|| toml::Value::Table(Default::default()));
    rules
        .as_table_mut()
        .unwrap()
        .insert(id.to_string(), toml::Value::String(value.into()));
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
}

#[test]
fn every_rule_and_policy_has_fixtures() {
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
        for k in &kinds {
            assert!(
                rule_dir.join(k).join("expected.txt").is_file(),
                "{rule}/{k}: no expected.txt"
            );
            cases += 1;
        }
    }
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
    assert!(cases >= 54, "only {cases} cases");
}

/// `[rules] X = "off"` silences X on the very fixture that reports it, for
/// every rule id; `schema` cannot be turned off.
#[test]
fn every_rule_can_be_turned_off() {
    for r in keyledger::rules::ALL {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        if r.id == "schema" {
            copy_dir(&root().join("fixtures/rules/duplicate-secret/pass"), dir);
            with_override(dir, r.id, "off");
            let run = keyledger(&["check", ".", "--as-of", AS_OF], dir);
            assert_eq!(run.code, 2, "{}", run.transcript());
            assert!(
                run.stderr.contains("cannot be re-graded or turned off"),
                "{}",
                run.stderr
            );
            continue;
        }
        let fixture = root().join("fixtures/rules").join(r.id).join("fail");
        copy_dir(&fixture, dir);
        let reports = |dir: &Path| {
            let run = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], dir);
            assert_ne!(run.code, 2, "{}: {}", r.id, run.stderr);
            run.json()["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["rule"] == r.id)
                .count()
        };
        assert!(
            reports(dir) > 0,
            "{}: the fail fixture does not report it",
            r.id
        );
        with_override(dir, r.id, "off");
        assert_eq!(reports(dir), 0, "{} = \"off\" still reports it", r.id);
    }
}

/// A content rule turned off is not built, so the scan never runs it.
#[test]
fn a_content_rule_turned_off_is_not_run() {
    use keyledger::rules::{ALL, Setup, Sink};
    let mut config = keyledger::config::Config::default();
    let setup = |config: &keyledger::config::Config| {
        let sink = Sink::new(config);
        let s = Setup {
            inventory: None,
            config,
            root: Path::new("."),
            sink: &sink,
        };
        keyledger::scan::Scanner::new(&s)
            .unwrap()
            .rules()
            .collect::<Vec<_>>()
    };
    let all = setup(&config);
    let content: Vec<&str> = ALL
        .iter()
        .filter(|r| r.is_content())
        .map(|r| r.id)
        .collect();
    assert_eq!(all, content);
    for id in &content {
        config.rules.insert(
            id.to_string(),
            keyledger::inventory::Spanned {
                value: None,
                span: Default::default(),
            },
        );
        let on = setup(&config);
        assert!(!on.contains(id), "{id} is built while off");
    }
    assert!(setup(&config).is_empty());
}

#[test]
fn bad_input_exits_2_with_a_location() {
    let base = root().join("fixtures/bad");
    let located = regex::Regex::new(r"[\w./-]+\.(yaml|toml):\d+:\d+").unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    let _guard = settings.bind_to_scope();
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
        insta::assert_snapshot!(format!("rules__bad-{name}"), run.transcript());
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
