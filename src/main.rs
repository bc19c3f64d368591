//! The command line: parse arguments, call the library, map the result to an
//! exit code (0 clean, 1 blocking findings, 2 usage or input errors).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use keyledger::check::{self, Options};
use keyledger::diag::{self, Diag, Fatal};
use keyledger::render::{self, Format};
use keyledger::{cadence, policy, rules, schema};

#[derive(Parser)]
#[command(
    name = "keyledger",
    version,
    about = "A policy-as-code linter for a repository's secret inventory"
)]
struct Cli {
    /// When to use colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct Common {
    /// The repository root.
    #[arg(default_value = ".")]
    root: PathBuf,
    /// The inventory file (default: secrets-inventory.yaml at the root).
    #[arg(long)]
    inventory: Option<PathBuf>,
    /// The configuration file (default: keyledger.toml at the root).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the inventory, evaluate policies and rotations.
    Check {
        #[command(flatten)]
        common: Common,
        /// Evaluate as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Also list suppressed findings and skipped files.
        #[arg(short, long)]
        verbose: bool,
        /// Check the inventory only; do not scan file content.
        #[arg(long)]
        no_scan: bool,
        /// Scan content without an inventory (no inventory, policy or rotation checks).
        #[arg(long, conflicts_with = "no_scan")]
        no_inventory: bool,
        /// Scan the staged changes (the index against HEAD): the pre-commit check.
        #[arg(long, conflicts_with_all = ["since", "history", "no_scan"])]
        staged: bool,
        /// Scan the lines added by the commits in REV..HEAD (pull requests).
        #[arg(long, value_name = "REV", conflicts_with_all = ["history", "no_scan"])]
        since: Option<String>,
        /// Scan every blob reachable from any ref, each once.
        #[arg(long, conflicts_with = "no_scan")]
        history: bool,
    },
    /// Print a fingerprint of a secret's value, read from standard input
    /// (never from an argument, never echoed), to paste under the secret's
    /// `fingerprints` in the inventory.
    Fingerprint {
        /// The secret's name in the inventory.
        name: String,
        #[command(flatten)]
        common: Common,
    },
    /// Draft secrets-inventory.yaml from the environment variables the code reads.
    Init {
        #[command(flatten)]
        common: Common,
        /// Replace an existing inventory.
        #[arg(long)]
        force: bool,
        /// Print the draft instead of writing it.
        #[arg(long)]
        stdout: bool,
    },
    /// Write the baseline file (default .keyledger/baseline.json) from the
    /// current findings, so later runs accept them and report only new ones.
    Baseline {
        #[command(flatten)]
        common: Common,
        /// Evaluate as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Replace the file at the baseline path even if it is not a
        /// keyledger baseline.
        #[arg(long)]
        force: bool,
    },
    /// Print a JSON Schema: the inventory's (default), the config's or a policy file's.
    Schema {
        #[arg(value_enum, default_value_t = SchemaKind::Inventory)]
        kind: SchemaKind,
    },
    /// Print the effective configuration.
    Config {
        #[command(flatten)]
        common: Common,
    },
    /// Print a rule's or a policy's documentation.
    Explain {
        /// A rule id (rotation-overdue) or a policy id.
        rule: Option<String>,
        /// List every rule and built-in policy.
        #[arg(long)]
        list: bool,
        /// Print the README's rule table.
        #[arg(long, hide = true)]
        table: bool,
    },
    /// The overdue-rotation report for a quarter or an as-of date.
    Report(keyledger::report::Args),
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Inventory,
    Config,
    Policy,
}

fn use_color(choice: ColorChoice, stream_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Writes to stdout; a closed pipe (`keyledger … | head`) is a clean stop.
fn emit(s: &str) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("keyledger: cannot write output: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn fail(fatal: &Fatal, color: ColorChoice) -> ExitCode {
    let text = diag::render_fatal(&fatal.0, use_color(color, std::io::stderr().is_terminal()));
    eprint!("{text}");
    let n = fatal.0.len();
    eprintln!(
        "keyledger: stopped: {n} {} (exit code 2)",
        if n == 1 { "error" } else { "errors" }
    );
    ExitCode::from(2)
}

fn options(common: Common, as_of: Option<&str>) -> Result<Options, Fatal> {
    options_with(common, as_of, true, false)
}

fn options_with(
    common: Common,
    as_of: Option<&str>,
    scan: bool,
    no_inventory: bool,
) -> Result<Options, Fatal> {
    let as_of = match as_of {
        Some(s) => Some(
            cadence::parse_date(s).map_err(|e| Diag::plain("usage", format!("--as-of: {e}")))?,
        ),
        None => None,
    };
    if !common.root.is_dir() {
        return Err(Diag::plain(
            "usage",
            format!("{} is not a directory", common.root.display()),
        )
        .into());
    }
    Ok(Options {
        root: common.root,
        inventory: common.inventory,
        config: common.config,
        as_of,
        scan,
        no_inventory,
        no_baseline: false,
        scope: Default::default(),
    })
}

fn explain(rule: Option<String>, list: bool, table: bool) -> Result<String, Fatal> {
    if table {
        return Ok(rules::markdown_table());
    }
    let packs = policy::builtin_packs()?;
    if list || rule.is_none() {
        let mut s = String::from("Rules:\n");
        for r in rules::ALL {
            s.push_str(&format!(
                "  {:<26} {:<8} {}\n",
                r.id,
                r.severity.as_str(),
                r.summary
            ));
        }
        for p in packs {
            s.push_str(&format!("\nPolicies of the `{}` pack:\n", p.pack));
            for pol in &p.policies {
                s.push_str(&format!(
                    "  {:<34} {:<8} {}\n",
                    pol.id,
                    pol.severity.as_str(),
                    pol.description
                ));
            }
        }
        return Ok(s);
    }
    let id = rule.unwrap_or_default();
    if let Some(r) = rules::find(&id) {
        return Ok(format!(
            "# {}\n\n{}\n\nDefault severity: {}.\n\n{}",
            r.id, r.summary, r.severity, r.doc
        ));
    }
    for p in packs {
        if let Some(pol) = p.policies.iter().find(|x| x.id == id) {
            let mut s = format!(
                "# {}\n\nPolicy of the `{}` pack ({}); severity {}.\n\n{}\n",
                pol.id, pol.pack, pol.defined_at, pol.severity, pol.description
            );
            if let Some(src) = &pol.source {
                s.push_str(&format!("\nSource: {src}\n"));
            }
            return Ok(s);
        }
    }
    let ids: Vec<String> = rules::ALL
        .iter()
        .map(|r| r.id.to_string())
        .chain(
            packs
                .iter()
                .flat_map(|p| p.policies.iter().map(|x| x.id.clone())),
        )
        .collect();
    let mut d = Diag::plain("usage", format!("no rule or policy named `{id}`"));
    d = match schema::did_you_mean(&id, ids.iter().map(String::as_str)) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help("`keyledger explain --list` lists them"),
    };
    Err(d.into())
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Check {
            common,
            as_of,
            format,
            verbose,
            no_scan,
            no_inventory,
            staged,
            since,
            history,
        } => {
            let mut opts = options_with(common, as_of.as_deref(), !no_scan, no_inventory)?;
            opts.scope = match (staged, since, history) {
                (true, _, _) => keyledger::git::Scope::Staged,
                (_, Some(rev), _) => keyledger::git::Scope::Since(rev),
                (_, _, true) => keyledger::git::Scope::History,
                _ => keyledger::git::Scope::Tree,
            };
            let outcome = check::run(&opts)?;
            let text = match format {
                Format::Human => render::human::render(
                    &outcome,
                    use_color(cli.color, std::io::stdout().is_terminal()),
                    verbose,
                ),
                Format::Json => render::json::render(&outcome),
                Format::Sarif => render::sarif::render(&outcome),
                Format::Github => render::github::render(&outcome),
            };
            if let Err(code) = emit(&text) {
                return Ok(code);
            }
            Ok(ExitCode::from(outcome.exit_code() as u8))
        }
        Command::Init {
            common,
            force,
            stdout,
        } => {
            let opts = options(common, None)?;
            let config = check::load_config(&opts)?;
            let (path, display) = check::inventory_path(&opts, &config)?;
            let say_skipped = |stats: &keyledger::scan::Stats| {
                if let Some(line) = keyledger::init::skipped_summary(stats) {
                    eprintln!("keyledger: {}", keyledger::redact::controls(&line));
                }
            };
            if stdout {
                let (text, stats) = keyledger::init::draft(&opts.root, &config, check::today());
                say_skipped(&stats);
                return Ok(emit(&text).err().unwrap_or(ExitCode::SUCCESS));
            }
            let (n, stats) =
                keyledger::init::run(&opts.root, &config, &path, &display, force, check::today())?;
            say_skipped(&stats);
            eprintln!(
                "keyledger: drafted {} with {n} secrets; review the TODOs, then run `keyledger check`",
                keyledger::redact::controls(&display)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Baseline {
            common,
            as_of,
            force,
        } => {
            let mut opts = options(common, as_of.as_deref())?;
            opts.no_baseline = true;
            let outcome = check::run(&opts)?;
            let rel = outcome.config.baseline.clone();
            let n = keyledger::baseline::write(&opts.root, &rel, &outcome.findings, force)?;
            eprintln!(
                "keyledger: wrote {} with {n} findings; commit it, and review its diff like code",
                keyledger::redact::display(&rel)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Fingerprint { name, common } => {
            let opts = options(common, None)?;
            let text = keyledger::fingerprint_cmd::run(&opts, &name)?;
            Ok(emit(&text).err().unwrap_or(ExitCode::SUCCESS))
        }
        Command::Schema { kind } => {
            let text = match kind {
                SchemaKind::Inventory => schema::INVENTORY_SCHEMA,
                SchemaKind::Config => schema::CONFIG_SCHEMA,
                SchemaKind::Policy => schema::POLICY_SCHEMA,
            };
            Ok(emit(text).err().unwrap_or(ExitCode::SUCCESS))
        }
        Command::Config { common } => {
            let opts = options(common, None)?;
            let config = check::load_config(&opts)?;
            Ok(emit(&config.to_toml()).err().unwrap_or(ExitCode::SUCCESS))
        }
        Command::Explain { rule, list, table } => {
            let text = explain(rule, list, table)?;
            Ok(emit(&text).err().unwrap_or(ExitCode::SUCCESS))
        }
        Command::Report(args) => {
            let out = keyledger::report::run(&args)?;
            Ok(emit(&out.text)
                .err()
                .unwrap_or(ExitCode::from(out.exit_code)))
        }
    }
}

/// Transparent huge pages make every fresh 2 MiB region fault in zeroed at
/// once; for a short-lived scanner that allocates as it reads, that was a
/// fifth of the run. Normal pages are cheaper here.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let cli = Cli::parse();
    let color = cli.color;
    match run(cli) {
        Ok(code) => code,
        Err(fatal) => fail(&fatal, color),
    }
}
