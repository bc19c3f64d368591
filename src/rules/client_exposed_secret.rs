use std::collections::HashSet;

use super::{ContentCheck, Kind, Rule, Setup};
use crate::diag::Fatal;
use crate::envref::Kind as RefKind;
use crate::finding::Severity;
use crate::scan::exposure::{Exposure, framework_rule, is_client_module, next_config_env_block};
use crate::scan::{File, Hit};

pub const RULE: Rule = Rule {
    id: "client-exposed-secret",
    severity: Severity::Error,
    default_on: true,
    kind: Kind::Content(new),
    summary: "a secret read or defined with a client-exposed prefix (`NEXT_PUBLIC_…`), read in a `'use client'` module, or passed through next.config `env`",
    doc: r#"## What it does
Finds secrets that frameworks ship to browsers:
(a) a variable with a client-exposed prefix (`NEXT_PUBLIC_`, `VITE_`,
`REACT_APP_`, `EXPO_PUBLIC_`, `NUXT_PUBLIC_`, `PUBLIC_`, `GATSBY_`;
`scan.client_prefixes`) whose unprefixed name is an inventoried secret that is
not `exposure: public` (`NEXT_PUBLIC_STRIPE_SECRET_KEY`);
(b) a prefixed variable whose name says secret (`SECRET`, `TOKEN`,
`PASSWORD`, `PRIVATE`, `SERVICE_ROLE`, …) that the inventory does not declare
public; (c) a non-public inventoried secret read in a module that starts with
`'use client'`; (d) a non-public secret passed through next.config `env`.
The message names the framework rule that makes the value public.

## Why it matters
Anything in a client bundle is readable by every visitor: a secret there is
published, whatever the repository's access controls say.

## Example
❌
```ts
const stripe = new Stripe(process.env.NEXT_PUBLIC_STRIPE_SECRET_KEY!)
```
✅
```ts
// app/api/checkout/route.ts (server)
const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!)
```

## How to fix
Read the secret in server code and hand the client only results. If a value
is public by design (an analytics key), declare it with `exposure: public`.
Rotate a secret that was already deployed with a public prefix.
"#,
};

struct ClientExposedSecret(Exposure);

fn new(setup: &Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal> {
    Ok(Box::new(ClientExposedSecret(Exposure::new(
        setup.inventory,
        setup.config,
    ))))
}

impl ContentCheck for ClientExposedSecret {
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>) {
        let ex = &self.0;
        if file.own {
            return;
        }
        // Only a prefixed name, or a declared server secret read in a
        // client module or passed through next.config `env`, can be
        // reported.
        let client = is_client_module(file.text);
        let env_block = next_config_env_block(file.path, file.text);
        if !ex.mentions_a_prefix(file.text)
            && !(ex.has_inventory() && (client || env_block.is_some()))
        {
            return;
        }
        if file.refs().is_empty() {
            return;
        }
        let mut seen = HashSet::new();
        for r in file.refs() {
            let name = r.name.as_str();
            let (secret, message, help) = if let Some((prefix, base)) =
                ex.exposes_declared_secret(name)
            {
                (
                    Some(base),
                    format!(
                        "`{name}` exposes the server secret `{base}` to browsers: {}",
                        framework_rule(prefix)
                    ),
                    format!(
                        "read `{base}` on the server only (an API route, a server component); if the value is meant to be public, declare `{name}` with `exposure: public`"
                    ),
                )
            } else if let Some(prefix) = ex.exposes_secret_looking(name) {
                (
                    None,
                    format!(
                        "`{name}` looks like a secret but is client-exposed: {}",
                        framework_rule(prefix)
                    ),
                    format!(
                        "keep secrets server-side; if `{name}` is public by design, declare it in the inventory with `exposure: public`"
                    ),
                )
            } else if ex.prefix_of(name).is_some()
                || r.kind != RefKind::Read
                || ex.declared(name) != Some(false)
            {
                continue;
            } else if client {
                (
                    Some(name),
                    format!(
                        "server secret `{name}` is read in a client module ('use client'): the module is bundled for the browser"
                    ),
                    format!(
                        "read `{name}` in server code only (a route handler, a server action) and pass the result, never the secret"
                    ),
                )
            } else if env_block.is_some_and(|(s, e)| r.start >= s && r.end <= e) {
                (
                    Some(name),
                    format!(
                        "server secret `{name}` is passed through next.config `env`: Next.js inlines those values into the client bundle"
                    ),
                    format!(
                        "remove `{name}` from next.config `env`; read it with process.env in server code"
                    ),
                )
            } else {
                continue;
            };
            if seen.insert(name) {
                let mut hit = Hit::new(&RULE, r.start, r.end, message)
                    .label("here")
                    .key(name)
                    .help(help);
                if let Some(s) = secret {
                    hit = hit.secret(s);
                }
                out.push(hit);
            }
        }
    }
}
