use super::{Rule, Scope};
use crate::finding::Severity;

/// Checked by the scan stage (`crate::scan::exposure`).
pub const RULE: Rule = Rule {
    id: "client-exposed-secret",
    severity: Severity::Error,
    scope: Scope::Content,
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
