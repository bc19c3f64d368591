//! `keyledger fingerprint NAME`: reads a secret's value from standard input
//! and prints its fingerprint. The value is never taken from an argument
//! (shell history, `ps`) and never echoed: on a terminal it is read with
//! echo off.

use std::io::{IsTerminal, Read};

use crate::check::{self, Options};
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::inventory;
use crate::scan::{detectors::entropy, fingerprint};

pub fn run(opts: &Options, name: &str) -> Result<String, Fatal> {
    let config = check::load_config(opts)?;
    let (path, display) = check::inventory_path(opts, &config)?;
    let inv = inventory::load(&path, &display)?;
    if inv.secret(name).is_none() {
        let names = inv.secrets.iter().map(|s| s.name.value.as_str());
        let mut d = Diag::plain(
            ErrorCode::Usage,
            format!("`{name}` is not a secret of {display}"),
        );
        if let Some(s) = crate::schema::did_you_mean(name, names) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        return Err(d.into());
    }
    // One salt per inventory: reuse the one already in use.
    let salt = inv
        .secrets
        .iter()
        .flat_map(|s| s.fingerprints.iter())
        .find_map(|f| fingerprint::parse(&f.value).map(|p| p.0))
        .unwrap_or_else(fingerprint::new_salt);
    let stdin = std::io::stdin();
    let read_err = |e: std::io::Error| {
        Diag::plain(
            ErrorCode::Io,
            format!("cannot read the value from standard input: {e}"),
        )
    };
    let mut value = String::new();
    if stdin.is_terminal() {
        // On a terminal, one line with echo off: the value never shows on
        // screen, in a scrollback buffer or a screen recording. A
        // multi-line value (a PEM key) is piped in: `< key.pem`.
        eprint!(
            "keyledger: paste the value of {name} and press Enter (it is not shown or stored): "
        );
        value = rpassword::read_password().map_err(read_err)?;
        eprintln!();
    } else {
        stdin.lock().read_to_string(&mut value).map_err(read_err)?;
    }
    let value = value
        .strip_suffix('\n')
        .map(|v| v.strip_suffix('\r').unwrap_or(v))
        .unwrap_or(&value);
    if value.chars().count() < fingerprint::MIN_LEN {
        return Err(Diag::plain(
            ErrorCode::Usage,
            format!(
                "the value is {} characters long; fingerprints need at least {} (a short value would be cheap to recover from the inventory)",
                value.chars().count(),
                fingerprint::MIN_LEN
            ),
        )
        .into());
    }
    if entropy(value) < 2.5 {
        eprintln!(
            "keyledger: warning: this value has low entropy; its fingerprint can be brute-forced by anyone who reads the inventory"
        );
    }
    Ok(format!("{}\n", fingerprint::make(&salt, value)))
}
