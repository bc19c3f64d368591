//! Git scopes on real throwaway repositories built with real commits.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn token(n: u8) -> String {
    // A synthetic GitHub classic token, assembled so this file holds none.
    format!(
        "ghp_{}{}",
        "R8kT2vX9mQ4wL7nB3cY6dF1gH5jK0pS2uZ8",
        (b'a' + n) as char
    )
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn commit(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "README.md", "# app\n");
    commit(dir.path(), "initial");
    dir
}

/// `keyledger check --history` (no inventory) on the repository at `d`.
fn history(d: &Path, format: &str) -> Run {
    keyledger(
        &[
            "check",
            ".",
            "--history",
            "--no-inventory",
            "--format",
            format,
        ],
        d,
    )
}

fn findings(run: &Run) -> Vec<serde_json::Value> {
    run.json()["findings"].as_array().unwrap().clone()
}

#[test]
fn staged_scans_the_index_added_lines_only() {
    let dir = repo();
    let d = dir.path();
    write(d, "old.yaml", &format!("legacy: {}\n", token(0)));
    commit(d, "an old secret, already committed");
    // Stage a clean edit of old.yaml and a new file with a secret; then
    // remove the secret from the working tree only: the index is scanned.
    write(d, "old.yaml", &format!("legacy: {}\nname: app\n", token(0)));
    write(
        d,
        "config/new.yaml",
        &format!("# settings\ntoken: {}\n", token(1)),
    );
    git(d, &["add", "-A"]);
    write(d, "config/new.yaml", "# settings\ntoken: ${TOKEN}\n");
    let run = keyledger(&["check", ".", "--staged", "--format", "json"], d);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["path"], "config/new.yaml");
    assert_eq!(
        (f[0]["line"].as_u64(), f[0]["column"].as_u64()),
        (Some(2), Some(8))
    );
    assert!(f[0]["commit"].is_null());
    assert!(!run.stdout.contains(&token(1)[4..]));
    // Nothing staged: clean.
    git(d, &["reset", "-q"]);
    let run = keyledger(&["check", ".", "--staged", "--format", "json"], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn since_reports_added_lines_with_their_commit() {
    let dir = repo();
    let d = dir.path();
    let base = git(d, &["rev-parse", "HEAD"]);
    write(d, "deploy.sh", &format!("export GH_TOKEN={}\n", token(2)));
    let added = commit(d, "add deploy script");
    write(d, "deploy.sh", "export GH_TOKEN=\"$GH_TOKEN\"\n");
    commit(d, "read the token from the environment");
    let run = keyledger(
        &[
            "check",
            ".",
            "--since",
            &base,
            "--no-inventory",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["commit"], added.as_str());
    assert_eq!(f[0]["path"], "deploy.sh");
    // The range after the fix is clean.
    let run = keyledger(
        &[
            "check",
            ".",
            "--since",
            &added,
            "--no-inventory",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    // A missing base says to fetch more history.
    let run = keyledger(
        &["check", ".", "--since", "origin/main", "--no-inventory"],
        d,
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("fetch"), "{}", run.stderr);
}

#[test]
fn history_scans_every_blob_once_and_attributes_the_introducing_commit() {
    let dir = repo();
    let d = dir.path();
    write(d, "app/settings.py", &format!("API = \"{}\"\n", token(3)));
    let introduced = commit(d, "settings with a token");
    git(d, &["mv", "app/settings.py", "app/config.py"]);
    commit(d, "rename");
    write(d, "app/config.py", "API = os.environ[\"API\"]\n");
    commit(d, "remove the token");
    // A side branch, never merged, with another secret.
    git(d, &["checkout", "-q", "-b", "side"]);
    write(d, "side.env", &format!("GH={}\n", token(4)));
    let side = commit(d, "side secret");
    git(d, &["checkout", "-q", "main"]);
    // A merge, a deleted file, a binary blob, a submodule and an LFS pointer.
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(d, "feature.txt", "feature\n");
    commit(d, "feature");
    git(d, &["checkout", "-q", "main"]);
    git(
        d,
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
    );
    std::fs::write(d.join("logo.bin"), b"\0\x01\x02binary").unwrap();
    write(
        d,
        "big.psd",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    std::fs::remove_file(d.join("feature.txt")).unwrap();
    commit(d, "assets");
    git(
        d,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{introduced},vendor/lib"),
        ],
    );
    git(d, &["commit", "-q", "-m", "submodule"]);
    // Detached HEAD.
    git(d, &["checkout", "-q", "--detach", "HEAD~1"]);

    let run = history(d, "json");
    assert_eq!(run.code, 1, "{}", run.transcript());
    let doc = run.json();
    let f = findings(&run);
    assert_eq!(f.len(), 2, "each secret once, despite the rename: {f:#?}");
    let settings = f
        .iter()
        .find(|x| x["path"] == "app/settings.py")
        .expect("attributed to its first path");
    assert_eq!(settings["commit"], introduced.as_str());
    let side_f = f
        .iter()
        .find(|x| x["path"] == "side.env")
        .expect("unmerged branch scanned");
    assert_eq!(side_f["commit"], side.as_str());
    let skipped = &doc["summary"]["scan"]["skipped"];
    assert_eq!(skipped["submodule"][0], "vendor/lib");
    assert_eq!(skipped["lfs_pointer"][0], "big.psd");
    assert_eq!(skipped["binary"][0], "logo.bin");
    // SARIF and GitHub formats carry the same findings.
    let sarif = history(d, "sarif").json();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_eq!(
        sarif["runs"][0]["results"][0]["properties"]["commit"]
            .as_str()
            .map(str::len),
        Some(40)
    );
}

/// A synthetic PEM body: `lines` lines of 64 base64 characters from a
/// fixed pseudo-random sequence (no real key is in this file).
fn pem_body(seed: u64, lines: usize) -> Vec<String> {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = seed;
    (0..lines)
        .map(|_| {
            (0..64)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    B64[(x >> 58) as usize] as char
                })
                .collect()
        })
        .collect()
}

fn source_lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("    let value_{i} = compute(\"input {i}\", {i});"))
        .collect()
}

/// Later versions of a file are scanned where they changed (with context),
/// and a change inside a multi-line key block is a new key: what a
/// whole-blob scan of every version reports, each at the commit that
/// introduced it.
#[test]
fn history_scans_what_each_version_changed() {
    let dir = repo();
    let d = dir.path();
    let mut lines = source_lines(200);
    lines[10] = format!("    let api = \"{}\";", token(5));
    let key_at = 150;
    let begin = "-----BEGIN RSA PRIVATE KEY-----".to_string();
    let end = "-----END RSA PRIVATE KEY-----".to_string();
    let mut key = vec![begin.clone()];
    key.extend(pem_body(1, 12));
    key.push(end.clone());
    lines.splice(key_at..key_at, key);
    write(d, "src/main.rs", &(lines.join("\n") + "\n"));
    let first = commit(d, "a big file with a token and a key");
    // An edit far from both: nothing new.
    lines.insert(100, "    log(\"progress\");".into());
    write(d, "src/main.rs", &(lines.join("\n") + "\n"));
    commit(d, "a clean edit");
    // A new token in the middle.
    lines.insert(60, format!("    let backup = \"{}\";", token(6)));
    write(d, "src/main.rs", &(lines.join("\n") + "\n"));
    let second = commit(d, "a second token");
    // One line inside the key block changes: a different key, whose
    // BEGIN line is far from the change.
    let inside = lines.iter().position(|l| *l == begin).unwrap() + 8;
    lines[inside] = pem_body(2, 1).remove(0);
    write(d, "src/main.rs", &(lines.join("\n") + "\n"));
    let rekeyed = commit(d, "a changed key");

    let run = history(d, "json");
    assert_eq!(run.code, 1, "{}", run.transcript());
    let f = findings(&run);
    let at = |commit: &str, detector_word: &str| -> Vec<u64> {
        f.iter()
            .filter(|x| {
                x["commit"] == commit && x["message"].as_str().unwrap().contains(detector_word)
            })
            .map(|x| x["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(at(&first, "GitHub"), vec![11], "{f:#?}");
    assert_eq!(at(&first, "RSA private key").len(), 1, "{f:#?}");
    assert_eq!(at(&second, "GitHub"), vec![61], "{f:#?}");
    assert_eq!(at(&rekeyed, "RSA private key").len(), 1, "{f:#?}");
    assert_eq!(f.len(), 4, "nothing else, nothing twice: {f:#?}");
    assert!(!run.stdout.contains(&token(6)) && !run.stdout.contains(&pem_body(2, 1)[0]));
}

#[test]
fn not_a_repository_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = keyledger(&["check", ".", "--staged", "--no-inventory"], dir.path());
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("not in a git repository"),
        "{}",
        run.stderr
    );
}

/// A history of one file's many versions (deltas in a pack), a token
/// planted in a middle version, a key in another file, a rename.
fn versioned_history(d: &Path) {
    let mut lines = source_lines(300);
    for v in 0..40 {
        lines[(v * 7) % 300] = format!("    let edited_{v} = compute(\"edit {v}\", {v});");
        if v == 17 {
            lines.insert(150, format!("    let api = \"{}\";", token(7)));
        }
        if v == 25 {
            let mut key = vec!["-----BEGIN RSA PRIVATE KEY-----".to_string()];
            key.extend(pem_body(3, 12));
            key.push("-----END RSA PRIVATE KEY-----".into());
            write(d, "config/key.pem", &(key.join("\n") + "\n"));
        }
        if v == 30 {
            git(d, &["mv", "config/key.pem", "config/old.pem"]);
        }
        write(d, "src/lib.rs", &(lines.join("\n") + "\n"));
        commit(d, &format!("version {v}"));
    }
}

/// What a history scan reports, without the parts that name the run.
fn history_findings(d: &Path) -> Vec<String> {
    let run = history(d, "json");
    assert_eq!(run.code, 1, "{}", run.transcript());
    findings(&run)
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{} {}",
                f["rule"], f["commit"], f["path"], f["line"], f["column"], f["message"]
            )
        })
        .collect()
}

/// Every pack into one pack with offset deltas (as git writes them), and
/// no loose objects left.
fn repack_with_offset_deltas(d: &Path) {
    git(
        d,
        &[
            "repack",
            "-a",
            "-d",
            "-f",
            "--depth=50",
            "--window=50",
            "-q",
        ],
    );
    git(d, &["prune-packed"]);
}

/// The files in the repository's pack directory ending in `.{ext}`.
fn pack_files(d: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(d.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect()
}

/// How many objects in the repository's packs are stored as deltas.
fn packed_deltas(d: &Path) -> usize {
    pack_files(d, "idx")
        .iter()
        .map(|idx| {
            git(d, &["verify-pack", "-v", idx.to_str().unwrap()])
                .lines()
                // `id type size size-in-pack offset depth base-id`
                .filter(|l| l.split_whitespace().count() == 7)
                .count()
        })
        .sum()
}

/// Packed objects (offset deltas as git writes them, then id deltas) are
/// read by keyledger's own pack reader: the findings are those of the same
/// history read loose through libgit2.
#[test]
fn packed_history_reports_what_loose_history_reports() {
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    let loose = history_findings(d);
    assert_eq!(loose.len(), 2, "{loose:#?}");

    repack_with_offset_deltas(d);
    assert!(packed_deltas(d) > 30, "the versions are deltas");
    assert_eq!(history_findings(d), loose, "offset deltas");

    git(
        d,
        &[
            "-c",
            "repack.useDeltaBaseOffset=false",
            "repack",
            "-a",
            "-d",
            "-f",
            "-q",
        ],
    );
    assert!(packed_deltas(d) > 30);
    assert_eq!(history_findings(d), loose, "id deltas");

    // New commits in a second pack, next to the first.
    write(
        d,
        "src/new.rs",
        &format!("const T: &str = \"{}\";\n", token(8)),
    );
    let newer = commit(d, "a token in a second pack");
    git(d, &["repack", "-d", "-q"]);
    let found = history_findings(d);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found.iter().any(|f| f.contains(&newer)), "{found:#?}");
}

/// The list of every object id in the repository.
fn object_ids(d: &Path) -> Vec<git2::Oid> {
    git(
        d,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname)",
        ],
    )
    .lines()
    .map(|l| git2::Oid::from_str(l).unwrap())
    .collect()
}

/// Every object keyledger's pack reader returns is the one libgit2 reads,
/// byte for byte, whichever order the objects are read in.
#[test]
fn the_pack_reader_agrees_with_libgit2_on_every_object() {
    use keyledger::pack::{Inflater, Kind, Packs};
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    repack_with_offset_deltas(d);
    let repo = git2::Repository::open(d).unwrap();
    let odb = repo.odb().unwrap();
    let mut ids = object_ids(d);
    assert!(ids.len() > 100);
    for round in 0..3 {
        // Pack order, its reverse, and a shuffle: the cache must not care.
        match round {
            1 => ids.reverse(),
            2 => ids.sort_by_key(|id| id.as_bytes()[7]),
            _ => {}
        }
        let packs = Packs::open(&d.join(".git/objects"), 1 << 20);
        let mut z = Inflater::default();
        for id in &ids {
            let (kind, data) = packs.read(id.as_bytes(), &mut z).expect("in the pack");
            let obj = odb.read(*id).unwrap();
            assert_eq!(Some(kind), Kind::of(obj.kind()), "{id}");
            assert!(
                *data == *obj.data(),
                "{id}: content differs (round {round})"
            );
        }
    }
    // Not in any pack: left to libgit2.
    assert!(
        Packs::open(&d.join(".git/objects"), 1 << 20)
            .read(&[0xab; 20], &mut Inflater::default())
            .is_none()
    );
}

/// A damaged pack is never a panic: every object either reads as libgit2
/// would or is left to libgit2 (`None`), and a history scan still ends.
#[test]
fn a_damaged_pack_is_never_a_panic() {
    use keyledger::pack::{Inflater, Packs};
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    repack_with_offset_deltas(d);
    let ids = object_ids(d);
    let pack = pack_files(d, "pack").remove(0);
    let original = std::fs::read(&pack).unwrap();
    // The pack is read-only as git writes it.
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    let mut x = 0x9e3779b97f4a7c15u64;
    for _ in 0..40 {
        let mut bytes = original.clone();
        for _ in 0..8 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            // Past the 12-byte header, before the trailing checksum.
            let at = 12 + (x >> 33) as usize % (bytes.len() - 32);
            bytes[at] ^= 1 << ((x >> 29) & 7);
        }
        std::fs::write(&pack, &bytes).unwrap();
        let packs = Packs::open(&d.join(".git/objects"), 1 << 20);
        let mut z = Inflater::default();
        for id in &ids {
            let _ = packs.read(id.as_bytes(), &mut z);
        }
    }
    // A damaged blob (flipped bits in its compressed data) is reported
    // unreadable by the scan, which ends normally.
    let mut bytes = original.clone();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x55;
    }
    std::fs::write(&pack, &bytes).unwrap();
    let run = history(d, "json");
    assert!(run.code == 0 || run.code == 1, "{}", run.transcript());
}
