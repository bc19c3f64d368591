#!/usr/bin/env python3
"""Writes fixtures/corpus/: a labelled detection corpus in realistic file
contexts (.env, YAML, JSON, code in eight languages, shell history,
Dockerfiles, CI files, Terraform, properties, XML, SQL dumps, docs).

    scripts/bench-detect-gen-corpus.py [OUT=fixtures/corpus]

Every value is synthetic (a seeded random generator) or a well-known
placeholder. LABELS.tsv lists every labelled line:

    path <TAB> line <TAB> expect <TAB> family <TAB> what

`expect` is error, warning or note (a finding of that severity must start
on that line) or none (no finding may start on that line). Lines without a
label must have no finding either: the benchmark counts a finding on an
unlabelled line as a false alarm. Re-running the script with the same seed
rewrites the same files.
"""
import base64, os, random, shutil, string, sys

R = random.Random(1414)
UP, LO, DG = string.ascii_uppercase, string.ascii_lowercase, string.digits
AN = UP + LO + DG
HEX = DG + "abcdef"
B64 = AN + "+/"
URL = AN + "_-"


def rs(cs, n):
    while True:
        v = "".join(R.choice(cs) for _ in range(n))
        digits = any(c.isdigit() for c in cs)
        letters = any(c.isalpha() for c in cs)
        if n < 8 or not (digits and letters) or (any(c.isdigit() for c in v) and any(c.isalpha() for c in v)):
            return v


def uuid():
    return "-".join(rs(HEX, k) for k in (8, 4, 4, 4, 12))


def human():
    return R.choice(["Sunset", "Harbor", "Maple", "Falcon", "Copper", "Orbit", "Quartz", "Lantern"]) + str(R.randint(10, 99)) + R.choice("!#%*@") + rs(LO, 3)


# --------------------------------------------------------------------------
# Value makers: (family, name hint, value) for secrets that must be found.

def vendor_tokens():
    """(family, env name, value, what) of vendor formats."""
    return [
        ("vendor", "GITHUB_TOKEN", "ghp_" + rs(AN, 36), "GitHub classic PAT"),
        ("vendor", "GH_PAT", "github_pat_" + rs(AN, 22) + "_" + rs(AN, 59), "GitHub fine-grained PAT"),
        ("vendor", "GITLAB_TOKEN", "glpat-" + rs(URL, 20), "GitLab PAT"),
        ("vendor", "SLACK_BOT_TOKEN", "xoxb-" + rs(DG, 12) + "-" + rs(DG, 13) + "-" + rs(AN, 24), "Slack bot token"),
        ("vendor", "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T" + rs(UP + DG, 10) + "/B" + rs(UP + DG, 10) + "/" + rs(AN, 24), "Slack webhook"),
        ("vendor", "STRIPE_SECRET_KEY", "sk_live_" + rs(AN, 99), "Stripe live secret key"),
        ("vendor", "SENDGRID_API_KEY", "SG." + rs(URL, 22) + "." + rs(URL, 43), "SendGrid key"),
        ("vendor", "OPENAI_API_KEY", "sk-proj-" + rs(URL, 120), "OpenAI project key"),
        ("vendor", "ANTHROPIC_API_KEY", "sk-ant-api03-" + rs(URL, 93) + "AA", "Anthropic key"),
        ("vendor", "NPM_TOKEN", "npm_" + rs(AN, 36), "npm token"),
        ("vendor", "PYPI_TOKEN", "pypi-AgEIcHlwaS5vcmc" + rs(URL, 70), "PyPI token"),
        ("vendor", "HF_TOKEN", "hf_" + rs(UP + LO, 34), "Hugging Face token"),
        ("vendor", "DIGITALOCEAN_TOKEN", "dop_v1_" + rs(HEX, 64), "DigitalOcean PAT"),
        ("vendor", "SHOPIFY_ACCESS_TOKEN", "shpat_" + rs(HEX, 32), "Shopify token"),
        ("vendor", "TWILIO_API_KEY", "SK" + rs(HEX, 32), "Twilio API key"),
        ("vendor", "MAILGUN_API_KEY", "key-" + rs(HEX, 32), "Mailgun key"),
        ("vendor", "DOCKERHUB_TOKEN", "dckr_pat_" + rs(URL, 27), "Docker Hub PAT"),
        ("vendor", "DOPPLER_TOKEN", "dp.st.prd." + rs(AN, 43), "Doppler token"),
        ("vendor", "VAULT_TOKEN", "hvs." + rs(URL, 90), "Vault token"),
        ("vendor", "LINEAR_API_KEY", "lin_api_" + rs(AN, 40), "Linear key"),
        ("vendor", "NOTION_TOKEN", "ntn_" + rs(DG, 11) + rs(AN, 35), "Notion token"),
        ("vendor", "POSTMAN_API_KEY", "PMAK-" + rs(HEX, 24) + "-" + rs(HEX, 34), "Postman key"),
        ("vendor", "SENTRY_AUTH_TOKEN", "sntryu_" + rs(HEX, 64), "Sentry user token"),
        ("vendor", "NEW_RELIC_API_KEY", "NRAK-" + rs(UP + DG, 27), "New Relic user key"),
        ("vendor", "GRAFANA_TOKEN", "glsa_" + rs(AN, 32) + "_" + rs(HEX, 8), "Grafana SA token"),
        ("vendor", "ATLASSIAN_TOKEN", "ATATT3xFfGF0" + rs(URL, 170) + "=" + rs(HEXU := "0123456789ABCDEF", 8), "Atlassian token"),
        ("vendor", "DATABRICKS_TOKEN", "dapi" + rs(HEX, 32), "Databricks token"),
        ("vendor", "PERPLEXITY_API_KEY", "pplx-" + rs(AN, 48), "Perplexity key"),
        ("vendor", "GROQ_API_KEY", "gsk_" + rs(AN, 52), "Groq key"),
        ("vendor", "FIGMA_TOKEN", "figd_" + rs(URL, 40), "Figma PAT"),
        ("vendor", "TELEGRAM_BOT_TOKEN", rs(DG, 10) + ":AA" + rs(URL, 33), "Telegram bot token"),
        ("vendor", "DISCORD_WEBHOOK", "https://discord.com/api/webhooks/" + rs(DG, 18) + "/" + rs(URL, 68), "Discord webhook"),
        ("vendor", "TEAMS_WEBHOOK", f"https://acme.webhook.office.com/webhookb2/{uuid()}@{uuid()}/IncomingWebhook/{rs(HEX, 32)}/{uuid()}", "Teams webhook"),
        ("vendor", "NUGET_API_KEY", "oy2" + rs(LO + DG, 43), "NuGet key"),
        ("vendor", "SONAR_TOKEN", "squ_" + rs(HEX, 40), "SonarQube token"),
        ("vendor", "SRC_ACCESS_TOKEN", "sgp_" + rs(HEX, 16) + "_" + rs(HEX, 40), "Sourcegraph token"),
        ("vendor", "PULUMI_ACCESS_TOKEN", "pul-" + rs(HEX, 40), "Pulumi token"),
        ("vendor", "TFC_TOKEN", rs(AN, 14) + ".atlasv1." + rs(URL, 67), "Terraform Cloud token"),
        ("vendor", "PLANETSCALE_TOKEN", "pscale_tkn_" + rs(URL, 43), "PlanetScale token"),
        ("vendor", "HEROKU_API_KEY", "HRKU-AA" + rs(URL, 58), "Heroku key"),
        ("vendor", "FLY_API_TOKEN", "fo1_" + rs(URL, 43), "Fly.io token"),
        ("vendor", "NETLIFY_AUTH_TOKEN", "nfp_" + rs(AN, 36), "Netlify PAT"),
        ("vendor", "CIRCLE_TOKEN", "CCIPAT_" + rs(AN, 22) + "_" + rs(HEX, 40), "CircleCI token"),
        ("vendor", "TAVILY_API_KEY", "tvly-" + rs(AN, 32), "Tavily key"),
        ("vendor", "LANGSMITH_API_KEY", "lsv2_pt_" + rs(HEX, 32) + "_" + rs(HEX, 10), "LangSmith key"),
        ("vendor", "OP_SERVICE_ACCOUNT_TOKEN", "ops_eyJ" + rs(B64, 300), "1Password SA token"),
        ("vendor", "TAILSCALE_AUTHKEY", "tskey-auth-" + rs(AN, 12) + "-" + rs(AN, 30), "Tailscale key"),
        ("vendor", "CLOUDFLARE_API_TOKEN", rs(URL, 40), "Cloudflare token"),
        ("vendor", "DATADOG_API_KEY", rs(HEX, 32), "Datadog key"),
        ("vendor", "SNYK_TOKEN", uuid(), "Snyk token"),
        ("cloud", "AWS_ACCESS_KEY_ID", "AKIA" + rs(UP + "234567", 16), "AWS key id"),
        ("cloud", "AWS_SECRET_ACCESS_KEY", rs(B64, 40), "AWS secret key"),
        ("cloud", "GOOGLE_API_KEY", "AIza" + rs(URL, 35), "Google API key"),
        ("cloud", "GOOGLE_CLIENT_SECRET", "GOCSPX-" + rs(URL, 28), "Google OAuth secret"),
        ("cloud", "AZURE_CLIENT_SECRET", rs(AN, 3) + "8Q~" + rs(URL + "~.", 34), "Azure AD secret"),
        ("cloud", "ALIBABA_ACCESS_KEY_ID", "LTAI" + rs(AN, 20), "Alibaba key id"),
        ("cloud", "AZURE_DEVOPS_PAT", rs(AN, 76) + "AZDO" + rs(AN, 4), "Azure DevOps PAT"),
    ]


def generic_secrets():
    """(name, value, expect, what) of secret-looking names with literals."""
    return [
        ("DB_PASSWORD", human(), "error", "human password"),
        ("db_password", rs(AN + "!#%", 20), "error", "random password"),
        ("client_secret", rs(AN, 32), "error", "client secret"),
        ("api_key", rs(HEX, 40), "error", "hex api key"),
        ("apiKey", rs(AN, 28), "error", "camel api key"),
        ("SECRET_TOKEN", rs(URL, 48), "error", "secret token"),
        ("auth_token", rs(AN, 40), "error", "auth token"),
        ("private_key", "0x" + rs(HEX, 64), "error", "hex private key"),
        ("encryption_key", rs(B64, 44), "error", "base64 key"),
        ("MYSQL_ROOT_PASSWORD", human(), "error", "mysql root password"),
        ("smtp_password", human(), "error", "smtp password"),
        ("passwort", human(), "error", "German password name"),
        ("contrasena", human(), "error", "Spanish password name"),
        ("signing_secret", rs(HEX, 64), "error", "signing secret"),
        ("webhook_secret", rs(AN, 32), "error", "webhook secret"),
        ("DB_PASSWORD", "postgres", "note", "trivial local password"),
        ("ADMIN_PASSWORD", "admin123", "note", "trivial password"),
        ("password", "Password123!", "note", "common password"),
        ("REDIS_PASSWORD", "devpassword2", "note", "development password"),
    ]


def generic_negatives():
    """(name, value, what) for lines that must give nothing."""
    return [
        ("DB_PASSWORD", "${DB_PASSWORD}", "variable reference"),
        ("api_key", "your-api-key-here", "placeholder"),
        ("client_secret", "<client-secret>", "placeholder"),
        ("SECRET_KEY", "changeme", "placeholder word"),
        ("password", "", "empty"),
        ("token_url", "https://auth.acme-corp.com/oauth/token", "URL, not a secret"),
        ("public_key", rs(B64, 44), "public key"),
        ("password_min_length", "12", "policy number"),
        ("max_tokens", "4096", "LLM setting"),
        ("secret_name", "prod-db-credentials", "name of a secret"),
        ("api_key_header", "X-API-Key", "header name"),
        ("password_hash_algorithm", "argon2id", "setting"),
        ("auth_provider", "github", "setting"),
        ("session_cookie_name", "sid", "setting"),
        ("tokenizer", "bert-base-uncased", "model name"),
        ("api_key", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder run"),
        ("password", "********", "masked"),
        ("API_TOKEN", "REPLACE_ME", "placeholder"),
        ("keyboard_layout", "dvorak", "not a key"),
        ("cache_key", "user:profile:v2", "cache key"),
    ]


class Corpus:
    def __init__(self, root):
        self.root = root
        self.labels = []

    def file(self, path, lines):
        """lines: list of str or (str, expect, family, what)."""
        full = os.path.join(self.root, path)
        assert not os.path.exists(full), f"{path} written twice"
        os.makedirs(os.path.dirname(full), exist_ok=True)
        out = []
        for i, item in enumerate(lines, start=1):
            if isinstance(item, tuple):
                text, expect, family, what = item
                for j, sub in enumerate(text.split("\n")):
                    out.append(sub)
                # the label is on the first line of a multi-line item unless
                # it says otherwise with a leading "@N" in `what`
                at = len(out) - len(text.split("\n")) + 1
                if what.startswith("@"):
                    k, what = what[1:].split(" ", 1)
                    at += int(k)
                self.labels.append((path, at, expect, family, what))
            else:
                out.extend(item.split("\n"))
        with open(full, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(out) + "\n")


def P(text, expect, family, what):
    return (text, expect, family, what)


# --------------------------------------------------------------------------
# Renderers: a (name, value) pair in a file format.

def r_env(n, v): return f"{n}={v}"
def r_env_q(n, v): return f'{n}="{v}"'
def r_yaml(n, v): return f"  {n.lower()}: {v}"
def r_yaml_q(n, v): return f'  {n.lower()}: "{v}"'
def r_json(n, v): return f'  "{camel(n)}": "{v}",'
def r_py(n, v): return f'{n.upper()} = "{v}"'
def r_js(n, v): return f"const {camel(n)} = '{v}';"
def r_ts(n, v): return f'export const {camel(n)}: string = "{v}";'
def r_go(n, v): return f'\t{camel(n)} := "{v}"'
def r_java(n, v): return f'    private static final String {n.upper()} = "{v}";'
def r_rb(n, v): return f"  config.{n.lower()} = '{v}'"
def r_php(n, v): return f"$config['{n.lower()}'] = '{v}';"
def r_cs(n, v): return f'        var {camel(n)} = "{v}";'
def r_rs(n, v): return f'    let {n.lower()} = "{v}";'
def r_sh(n, v): return f'export {n.upper()}="{v}"'
def r_docker(n, v): return f"ENV {n.upper()}={v}"
def r_ci(n, v): return f"      {n.upper()}: {v}"
def r_tf(n, v): return f'  {n.lower()} = "{v}"'
def r_props(n, v): return f"app.{n.lower().replace('_', '.')}={v}"
def r_ini(n, v): return f"{n.lower()} = {v}"
def r_xml(n, v): return f'    <add key="{camel(n)}" value="{v}" />'
def r_md(n, v): return f"{n.upper()}={v}"
def r_kt(n, v): return f'    const val {n.upper()} = "{v}"'
def r_swift(n, v): return f'    static let {camel(n)} = "{v}"'
def r_ex(n, v): return f'config :acme, {n.lower()}: "{v}"'
def r_ansible(n, v): return f'{n.lower()}: "{v}"'
def r_with(n, v): return f"          {n.lower().replace('_', '-')}: {v}"


def camel(n):
    parts = n.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


CONTEXTS = [
    # (path, header lines, renderer, footer lines, docs?)
    ("deploy/.env.production", ["# production settings", "NODE_ENV=production", "PORT=8080"], r_env, [], False),
    ("services/billing/.env", ["APP_NAME=billing", "LOG_LEVEL=info"], r_env_q, [], False),
    ("k8s/values-prod.yaml", ["app:", "  replicas: 3", "secrets:"], r_yaml, ["  region: eu-west-1"], False),
    ("config/settings.yml", ["production:", "  adapter: postgresql"], r_yaml_q, [], False),
    ("config/appsettings.Production.json", ["{", '  "Logging": { "LogLevel": { "Default": "Warning" } },'], r_json, ['  "AllowedHosts": "*"', "}"], False),
    ("app/settings_prod.py", ["import os", "", "DEBUG = False"], r_py, ["ALLOWED_HOSTS = ['api.acme-corp.com']"], False),
    ("web/src/config/server.js", ["'use strict';", "const port = 3000;"], r_js, ["module.exports = { port };"], False),
    ("web/src/lib/clients.ts", ["import { Client } from './client';"], r_ts, ["export const client = new Client();"], False),
    ("cmd/worker/config.go", ["package main", "", "func config() {"], r_go, ["}"], False),
    ("src/main/java/com/acme/Config.java", ["package com.acme;", "", "public class Config {"], r_java, ["}"], False),
    ("config/initializers/vendors.rb", ["Rails.application.configure do |config|"], r_rb, ["end"], False),
    ("public_html/config.inc.php", ["<?php", "$config = [];"], r_php, ["return $config;"], False),
    ("src/Acme.Api/Startup.cs", ["namespace Acme.Api {", "    public class Startup {", "      void Configure() {"], r_cs, ["      }", "    }", "}"], False),
    ("crates/sync/src/config.rs", ["pub fn config() {"], r_rs, ["}"], False),
    ("scripts/deploy.sh", ["#!/usr/bin/env bash", "set -euo pipefail"], r_sh, ["./bin/deploy --env prod"], False),
    ("docker/api/Dockerfile", ["FROM python:3.12-slim", "WORKDIR /app"], r_docker, ['CMD ["gunicorn", "app:app"]'], False),
    (".github/workflows/release.yml", ["name: release", "on: push", "jobs:", "  publish:", "    runs-on: ubuntu-latest", "    env:"], r_ci, ["    steps:", "      - run: make publish"], False),
    ("infra/main.tf", ['resource "acme_service" "api" {'], r_tf, ["}"], False),
    ("src/main/resources/application-prod.properties", ["server.port=8080"], r_props, [], False),
    ("conf/service.ini", ["[service]", "host = 0.0.0.0"], r_ini, [], False),
    ("src/Acme.Web/Web.Release.config", ['<?xml version="1.0"?>', "<configuration>", "  <appSettings>"], r_xml, ["  </appSettings>", "</configuration>"], False),
    ("android/app/src/main/kotlin/com/acme/Keys.kt", ["package com.acme", "", "object Keys {"], r_kt, ["}"], False),
    ("ios/Acme/Config.swift", ["import Foundation", "", "enum Config {"], r_swift, ["}"], False),
    ("config/runtime.exs", ["import Config", ""], r_ex, [], False),
    ("ansible/group_vars/prod.yml", ["---", "app_env: production"], r_ansible, [], False),
    (".github/workflows/deploy.yml", ["name: deploy", "on: workflow_dispatch", "jobs:", "  deploy:", "    runs-on: ubuntu-latest", "    steps:", "      - uses: acme/deploy-action@v3", "        with:"], r_with, ["      - run: echo done"], False),
]


def build(root):
    c = Corpus(root)
    vt = vendor_tokens()
    # --- vendor and cloud tokens in every context
    for ci, (path, head, rend, foot, _) in enumerate(CONTEXTS):
        items = list(head)
        for k in range(9):
            fam, name, value, what = vt[(ci * 9 + k) % len(vt)]
            items.append(P(rend(name, value), "error", fam, what))
        # look-alikes that must stay silent
        items.append(P(rend("GITHUB_TOKEN", "ghp_" + "x" * 36), "none", "vendor", "placeholder token"))
        items.append(P(rend("STRIPE_PUBLISHABLE_KEY", "pk_live_" + rs(AN, 24)), "none", "vendor", "publishable key"))
        items.append(P(rend("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), "none", "cloud", "AWS documentation key"))
        items.append(P(rend("SLACK_TOKEN", "${SLACK_TOKEN}"), "none", "vendor", "reference"))
        items.append(P(rend("REQUEST_ID", uuid()), "none", "vendor", "an id"))
        items.append(P(rend("HF_TOKEN", "hf_" + "x" * 34), "none", "vendor", "placeholder token"))
        items.append(P(rend("GITLAB_TOKEN", "glpat-XXXXXXXXXXXXXXXXXXXX"), "none", "vendor", "placeholder token"))
        items.append(P(rend("GIT_COMMIT", rs(HEX, 40)), "none", "vendor", "a commit id"))
        items.append(P(rend("SENTRY_ENVIRONMENT", "production"), "none", "vendor", "a setting"))
        items.extend(foot)
        c.file(path, items)
    # --- the same formats once more, in shell history, README code and CI
    hist = []
    for k, (fam, name, value, what) in enumerate(vt):
        if k % 2 == 0:
            hist.append(P(f"export {name}={value}", "error", fam, what))
        else:
            hist.append(P(f"curl -s -H \"Authorization: Bearer {value}\" https://api.acme-corp.com/v1/me" if fam == "vendor" and not value.startswith("http") else f"{name}={value} ./run.sh", "error", fam, what))
        hist.append("git status")
        hist.append(P(f"echo ${name}", "none", fam, "variable, no value"))
    c.file("home/ops/.bash_history", hist)
    zsh = []
    for fam, name, value, what in vt[::3]:
        zsh.append(P(f": 1700000000:0;{name}={value} make deploy", "error", fam, what))
        zsh.append(": 1700000001:0;ls -la")
    c.file("home/dev/.zsh_history", zsh)

    # --- generic secrets in every context
    gs = generic_secrets()
    gn = generic_negatives()
    for ci, (path, head, rend, foot, _) in enumerate(CONTEXTS):
        base, ext = os.path.splitext(path)
        gpath = f"{base}-secrets{ext}" if ext and not os.path.basename(base).startswith(".") else os.path.join(os.path.dirname(path), "secrets-" + os.path.basename(path).lstrip("."))
        if os.path.basename(path) == "Dockerfile":
            gpath = os.path.join(os.path.dirname(path), "Dockerfile.worker")
        items = list(head)
        for k in range(9):
            name, value, expect, what = gs[(ci * 9 + k) % len(gs)]
            items.append(P(rend(name, value), expect, "generic", what))
        for k in range(12):
            name, value, what = gn[(ci * 12 + k) % len(gn)]
            items.append(P(rend(name, value), "none", "generic", what))
        items.extend(foot)
        c.file(gpath, items)

    # --- code that handles secrets without holding one (6 languages)
    c.file("app/auth/service.py", [
        "import os",
        P('password = os.environ["DB_PASSWORD"]', "none", "generic", "environment read"),
        P('api_key = os.getenv("API_KEY", "")', "none", "generic", "environment read"),
        P("token = request.headers.get('Authorization')", "none", "generic", "header read"),
        P("def check(password: str, hashed: bytes) -> bool:", "none", "generic", "type annotation"),
        P("    return bcrypt.checkpw(password.encode(), hashed)", "none", "generic", "call"),
        P('secret_key = settings.SECRET_KEY', "none", "generic", "setting read"),
        P('if password == "":', "none", "generic", "empty comparison"),
        P(f'if password == "{human()}":', "note", "generic", "hard-coded password check"),
        P(f'TEST_ONLY_TOKEN = "{rs(AN, 32)}"', "note", "generic", "test-named token constant"),
    ])
    c.file("web/src/api/auth.ts", [
        P("const token = process.env.API_TOKEN ?? '';", "none", "generic", "environment read"),
        P("interface Credentials { username: string; password: string; }", "none", "generic", "type"),
        P("const headers = { Authorization: `Bearer ${token}` };", "none", "connection", "template"),
        P("export function setPassword(password: string) { state.password = password; }", "none", "generic", "assignment from a variable"),
        P(f"const apiSecret = '{rs(AN, 40)}';", "error", "generic", "secret literal"),
        P("const passwordLabel = t('auth.password');", "none", "generic", "label"),
        P(f"axios.defaults.headers.common['X-API-Key'] = '{rs(AN, 32)}';", "error", "connection", "API key header"),
    ])
    c.file("pkg/store/db.go", [
        "package store",
        P('\tpassword := os.Getenv("PGPASSWORD")', "none", "generic", "environment read"),
        P('\tdsn := fmt.Sprintf("postgres://%s:%s@%s/%s", user, password, host, name)', "none", "connection", "format string"),
        P(f'\tconst dsn = "postgres://svc_orders:{rs(AN, 20)}@orders-db.internal:5432/orders"', "error", "connection", "database URL"),
        P("\tvar apiKey string", "none", "generic", "declaration"),
        P(f'\tapiKey = "{rs(HEX, 32)}"', "error", "generic", "api key literal"),
    ])
    c.file("src/main/java/com/acme/Mailer.java", [
        "package com.acme;",
        P('    String password = System.getenv("SMTP_PASSWORD");', "none", "generic", "environment read"),
        P(f'    props.put("mail.smtp.password", "{human()}");', "error", "generic", "property literal"),
        P('    props.put("mail.smtp.password", password);', "none", "generic", "variable"),
        P(f'    Credentials creds = new NetworkCredential("mailer", "{human()}");', "error", "connection", "network credential"),
        P("    private char[] password;", "none", "generic", "field"),
    ])
    c.file("app/models/user.rb", [
        "class User < ApplicationRecord",
        P("  has_secure_password", "none", "generic", "macro"),
        P("  validates :password, length: { minimum: 12 }", "none", "generic", "validation"),
        P("  def token = SecureRandom.hex(32)", "none", "generic", "generated"),
        P(f"  DEFAULT_API_KEY = '{rs(AN, 36)}'", "error", "generic", "constant"),
        "end",
    ])
    c.file("src/Acme.Api/Services/Storage.cs", [
        P('        var key = Environment.GetEnvironmentVariable("STORAGE_KEY");', "none", "generic", "environment read"),
        P(f'        var conn = "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={rs(B64, 86)}==;EndpointSuffix=core.windows.net";', "error", "cloud", "Azure storage key"),
        P('        var conn2 = "UseDevelopmentStorage=true";', "none", "cloud", "emulator"),
        P(f'        var sql = "Server=sql-prod.acme.local;Database=Crm;User Id=crm_app;Password={human()};";', "error", "connection", "ADO.NET password"),
        P('        var sql2 = "Server=localhost;Database=Crm;Integrated Security=true;";', "none", "connection", "integrated security"),
    ])
    c.file("crates/api/src/auth.rs", [
        P('    let token = std::env::var("API_TOKEN")?;', "none", "generic", "environment read"),
        P('    let password: &str = &args.password;', "none", "generic", "borrow"),
        P(f'    const SIGNING_KEY: &str = "{rs(AN, 48)}";', "error", "generic", "signing key constant"),
        P('    let key = map.get("key").unwrap_or_default();', "none", "generic", "map lookup"),
    ])

    # --- connection strings and credential files
    conn = [
        P(f"DATABASE_URL=postgresql://orders:{rs(AN, 18)}@db.prod.acme.internal:5432/orders", "error", "connection", "postgres URL"),
        P(f"MONGO_URL=mongodb+srv://api:{rs(AN, 16)}@cluster0.x7k2p.mongodb.net/prod?retryWrites=true", "error", "connection", "mongodb+srv URL"),
        P(f"REDIS_URL=rediss://default:{rs(URL, 32)}@cache.acme-corp.net:6380", "error", "connection", "redis URL"),
        P(f"AMQP_URL=amqps://billing:{rs(AN, 20)}@mq.acme-corp.net:5671/prod", "error", "connection", "amqp URL"),
        P(f"MYSQL_URL=mysql://shop:Pa%40ss{rs(DG, 4)}w0rd%21@mysql.acme.io/shop", "error", "connection", "URL-encoded password"),
        P(f"SFTP_URL=sftp://backup:{rs(AN, 16)}@files.acme-corp.net/nightly", "error", "connection", "sftp URL"),
        P(f"SMTP_URL=smtps://mailer:{human()}@smtp.mailhost.io:465", "error", "connection", "smtp URL"),
        P(f"LDAP_URL=ldaps://cn=admin:{rs(AN, 14)}@ldap.acme.internal", "error", "connection", "ldap URL"),
        P("DATABASE_URL=postgres://postgres:postgres@localhost:5432/dev", "note", "connection", "local default password"),
        P("CACHE_URL=redis://:password@127.0.0.1:6379", "note", "connection", "placeholder word at localhost"),
        P("DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app", "none", "connection", "reference"),
        P("API_URL=https://api.acme-corp.com/v2", "none", "connection", "no credentials"),
        P("SENTRY_DSN=https://" + rs(HEX, 32) + "@o123456.ingest.sentry.io/456789", "none", "connection", "Sentry DSN (public)"),
        P("DATABASE_URL=postgres://localhost/dev", "none", "connection", "no password"),
        P("BROKER=amqp://guest:guest@localhost:5672//", "note", "connection", "RabbitMQ default"),
    ]
    c.file("deploy/connections.env", conn)
    c.file("config/database.yml", [
        "production:",
        P(f"  url: postgres://rails:{rs(AN, 24)}@pg-primary.acme.internal/app_production", "error", "connection", "database URL in YAML"),
        P("  url_dev: postgres://rails@localhost/app_development", "none", "connection", "no password"),
        P(f"  replica: jdbc:postgresql://pg-replica:5432/app?user=app&password={rs(AN, 16)}", "error", "connection", "JDBC password"),
    ])
    c.file("ops/backup-nightly.sh", [
        "#!/bin/sh",
        P(f"mysqldump -u backup -p{rs(AN, 14)} --all-databases > /srv/backup/all.sql", "error", "connection", "mysql -p password"),
        P(f"curl -u deploy:{rs(AN, 20)} -T all.sql https://artifacts.acme-corp.com/backups/", "error", "connection", "curl -u"),
        P('curl -u "$BACKUP_USER:$BACKUP_PASS" https://artifacts.acme-corp.com/', "none", "connection", "variables"),
        P(f"sshpass -p '{human()}' rsync -a /srv/backup/ backup@10.0.4.21:/vault/", "error", "connection", "sshpass"),
        P("mysql -u root -p shop", "none", "connection", "prompted password"),
        P(f"redis-cli -h cache.prod -a {rs(AN, 24)} bgsave", "error", "connection", "redis-cli -a"),
    ])
    c.file("api/requests.http", [
        "### list orders",
        "GET https://api.acme-corp.com/v1/orders",
        P(f"Authorization: Bearer {rs(AN, 40)}", "error", "connection", "bearer header"),
        "",
        "### basic",
        "GET https://api.acme-corp.com/v1/report",
        P("Authorization: Basic " + base64.b64encode(("reporter:" + rs(AN, 18)).encode()).decode(), "error", "connection", "basic header"),
        "",
        "### placeholder",
        P("Authorization: Bearer {{token}}", "none", "connection", "template"),
        P(f"X-API-Key: {rs(AN, 32)}", "error", "connection", "API key header"),
        P(f"GET https://api.acme-corp.com/v1/export?format=csv&access_token={rs(AN, 40)}", "error", "connection", "token in query"),
        P("GET https://api.acme-corp.com/v1/export?access_token=YOUR_TOKEN_HERE", "none", "connection", "placeholder"),
    ])
    c.file("home/ops/.pgpass", [
        P(f"db.prod.acme.internal:5432:orders:orders_app:{rs(AN, 20)}", "error", "connection", "pgpass entry"),
        P("localhost:5432:*:postgres:postgres", "note", "connection", "local default"),
    ])
    c.file("home/ops/.netrc", [
        "machine api.heroku.com",
        "  login ops@acme-corp.com",
        P(f"  password {uuid()}", "error", "connection", "netrc password"),
        P(f"machine git.acme-corp.com login ci password {rs(AN, 24)}", "error", "connection", "netrc one line"),
    ])
    c.file("home/ops/.npmrc", [
        P(f"//registry.npmjs.org/:_authToken=npm_{rs(AN, 36)}", "error", "vendor", "npm token"),
        P("//npm.pkg.github.com/:_authToken=${NPM_TOKEN}", "none", "connection", "reference"),
        P("//nexus.acme.internal/repository/npm/:_auth=" + base64.b64encode(("deploy:" + rs(AN, 16)).encode()).decode(), "error", "connection", "npm _auth"),
    ])
    c.file("home/ops/.docker/config.json", [
        "{",
        '  "auths": {',
        '    "registry.acme-corp.com": {',
        P('      "auth": "' + base64.b64encode(("ci:" + rs(AN, 22)).encode()).decode() + '"', "error", "connection", "docker auth"),
        "    },",
        '    "ghcr.io": { "auth": "" }',
        "  }",
        "}",
    ])
    c.file("home/ops/.git-credentials", [
        P(f"https://ci-bot:ghp_{rs(AN, 36)}@github.com", "error", "vendor", "GitHub token in git credentials"),
        P(f"https://deploy:{rs(AN, 20)}@git.acme-corp.com", "error", "connection", "git credentials"),
    ])
    c.file("ops/redis/redis.conf", [
        "bind 0.0.0.0",
        P(f"requirepass {rs(AN, 32)}", "error", "connection", "requirepass"),
        P("# requirepass foobared", "none", "connection", "redis.conf's commented sample"),
    ])
    c.file("ops/filezilla/sitemanager.xml", [
        "<FileZilla3><Servers><Server>",
        "  <Host>ftp.acme-corp.com</Host>",
        P('  <Pass encoding="base64">' + base64.b64encode(human().encode()).decode() + "</Pass>", "error", "connection", "FileZilla password"),
        "</Server></Servers></FileZilla3>",
    ])

    # --- framework keys
    dj = LO + DG + "!@#$%^&*(-_=+)"
    c.file("shop/settings.py", [
        "import os",
        P(f"SECRET_KEY = '{rs(dj, 50)}'", "error", "framework", "Django SECRET_KEY"),
        P("SECRET_KEY_FALLBACK = os.environ.get('OLD_SECRET_KEY')", "none", "framework", "environment read"),
    ])
    c.file("blog/settings/dev.py", [
        P(f"SECRET_KEY = 'django-insecure-{rs(dj, 50)}'", "note", "framework", "django-insecure key"),
    ])
    c.file("config/secrets.yml", [
        "production:",
        P(f"  secret_key_base: {rs(HEX, 128)}", "error", "framework", "Rails secret_key_base"),
        "staging:",
        P('  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>', "none", "framework", "ERB reference"),
    ])
    c.file("config/master.key", [P(rs(HEX, 32), "error", "framework", "Rails master key")])
    c.file("laravel/.env", [
        "APP_NAME=Shop",
        P(f"APP_KEY=base64:{rs(B64, 43)}=", "error", "framework", "Laravel APP_KEY"),
        P(f"DB_PASSWORD={human()}", "error", "generic", "database password"),
        P("MAIL_PASSWORD=null", "none", "generic", "null"),
    ])
    wpc = AN + "!@#$%^&*()-_[]{}<>~+=,.;:/?|"
    c.file("public_html/wp-config.php", [
        "<?php",
        P("define( 'DB_PASSWORD', '" + human() + "' );", "error", "generic", "WordPress DB password"),
        P("define('AUTH_KEY',         '" + rs(wpc, 64) + "');", "error", "framework", "WordPress AUTH_KEY"),
        P("define('NONCE_SALT',       '" + rs(wpc, 64) + "');", "error", "framework", "WordPress salt"),
        P("define('SECURE_AUTH_KEY',  'put your unique phrase here');", "none", "framework", "WordPress placeholder"),
    ])
    c.file("flaskapp/app.py", [
        "from flask import Flask",
        "app = Flask(__name__)",
        P(f"app.secret_key = '{rs(AN, 32)}'", "error", "framework", "Flask secret key"),
        P("app.config['SECRET_KEY'] = os.environ['FLASK_SECRET']", "none", "framework", "environment read"),
    ])
    c.file("symfony/.env", [
        P(f"APP_SECRET={rs(HEX, 32)}", "error", "framework", "Symfony APP_SECRET"),
        P("APP_SECRET=%env(APP_SECRET)%", "none", "framework", "reference"),
    ])
    c.file("legacy/web.config", [
        "<configuration><system.web>",
        P(f'  <machineKey validationKey="{rs("0123456789ABCDEF", 128)}" decryptionKey="{rs("0123456789ABCDEF", 48)}" validation="HMACSHA256" decryption="AES" />', "error", "framework", "ASP.NET machineKey"),
        P('  <machineKey validationKey="AutoGenerate,IsolateApps" />', "none", "framework", "auto-generated"),
        "</system.web></configuration>",
    ])
    c.file("services/auth/config.yaml", [
        "jwt:",
        P(f"  jwt_secret: {rs(URL, 48)}", "error", "framework", "JWT secret"),
        P("  jwt_secret_env: JWT_SECRET", "none", "framework", "name of a variable"),
        P("  jwt_algorithm: HS256", "none", "framework", "setting"),
    ])

    # --- private keys
    def pem(label, n=12):
        body = "\n".join(rs(B64, 64) for _ in range(n))
        return f"-----BEGIN {label}-----\n{body}\n{rs(B64, 40)}==\n-----END {label}-----"
    c.file("deploy/keys/id_rsa", [P(pem("RSA PRIVATE KEY"), "error", "private-key", "@1 RSA key")])
    c.file("deploy/keys/server.key", [P(pem("PRIVATE KEY"), "error", "private-key", "@1 PKCS#8 key")])
    c.file("deploy/keys/signing.pem", [P(pem("EC PRIVATE KEY", 3), "error", "private-key", "@1 EC key"), P(pem("CERTIFICATE"), "none", "private-key", "certificate")])
    c.file("deploy/keys/id_ed25519", [P("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" + "\n".join(rs(B64, 70) for _ in range(5)) + "\n-----END OPENSSH PRIVATE KEY-----", "error", "private-key", "@1 OpenSSH key")])
    c.file("deploy/keys/id_rsa.pub", [P("ssh-rsa AAAAB3NzaC1yc2E" + rs(B64, 360) + " ops@acme", "none", "private-key", "public key")])
    c.file("deploy/keys/release.asc", [P("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + "\n".join(rs(B64, 64) for _ in range(8)) + "\n=" + rs(B64, 4) + "\n-----END PGP PRIVATE KEY BLOCK-----", "error", "private-key", "@2 PGP key"),
                                         P("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + "\n".join(rs(B64, 64) for _ in range(4)) + "\n-----END PGP PUBLIC KEY BLOCK-----", "none", "private-key", "@2 PGP public key")])
    c.file("deploy/gcp/service-account.json", [
        "{",
        '  "type": "service_account",',
        '  "project_id": "acme-prod-4711",',
        P('  "private_key": "-----BEGIN PRIVATE KEY-----\\n' + "\\n".join(rs(B64, 64) for _ in range(10)) + '\\n-----END PRIVATE KEY-----\\n",', "error", "private-key", "GCP service account key"),
        '  "client_email": "deploy@acme-prod-4711.iam.gserviceaccount.com"',
        "}",
    ])
    c.file("deploy/helm/tls-values.yaml", [
        "tls:",
        "  key: |",
        P("    -----BEGIN RSA PRIVATE KEY-----\n" + "\n".join("    " + rs(B64, 64) for _ in range(8)) + "\n    -----END RSA PRIVATE KEY-----", "error", "private-key", "@1 key in YAML block"),
        P("  cert: |\n    -----BEGIN CERTIFICATE-----\n    " + rs(B64, 64) + "\n    -----END CERTIFICATE-----", "none", "private-key", "certificate"),
    ])
    c.file("tools/keys/deploy.ppk", [
        "PuTTY-User-Key-File-3: ssh-ed25519", "Encryption: none", "Comment: deploy", "Public-Lines: 2", rs(B64, 64), rs(B64, 20),
        "Private-Lines: 1", P(rs(B64, 44), "error", "private-key", "PuTTY private lines"), "Private-MAC: " + rs(HEX, 64),
    ])
    c.file("deploy/age/keys.txt", ["# created: 2024-05-01T10:00:00Z", "# public key: age1" + rs("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58),
                                   P("AGE-SECRET-KEY-1" + rs("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58), "error", "private-key", "age identity")])
    c.file("deploy/wireguard/wg0.conf", ["[Interface]", "Address = 10.8.0.1/24", P(f"PrivateKey = {rs(B64, 42)}A=", "error", "private-key", "WireGuard key"), "[Peer]", P(f"PublicKey = {rs(B64, 42)}A=", "none", "private-key", "WireGuard public key")])
    c.file("src/crypto/pem.rs", [
        P('const HEADER: &str = "-----BEGIN RSA PRIVATE KEY-----";', "none", "private-key", "a marker in code"),
        P('    if line.starts_with("-----BEGIN PRIVATE KEY-----") {', "none", "private-key", "a marker in code"),
        P("// -----BEGIN EC PRIVATE KEY-----\n// ...\n// -----END EC PRIVATE KEY-----", "none", "private-key", "elided example"),
    ])

    # --- password hashes
    cs = "./" + AN
    dump = ["-- MySQL dump", "INSERT INTO `users` (`id`, `login`, `password`) VALUES"]
    for i in range(6):
        dump.append(P(f"({i + 1}, 'user{i}', '$2y$12${rs(cs, 53)}'),", "warning", "password-hash", "bcrypt in SQL dump"))
    dump.append(P("(7, 'locked', '!'),", "none", "password-hash", "locked account"))
    c.file("db/backup/users.sql", dump)
    c.file("ops/etc/shadow", [
        P(f"root:$6${rs(cs, 8)}${rs(cs, 86)}:19000:0:99999:7:::", "warning", "password-hash", "sha512crypt"),
        P(f"deploy:$y$j9T${rs(cs, 22)}${rs(cs, 43)}:19500:0:99999:7:::", "warning", "password-hash", "yescrypt"),
        P("daemon:*:19000:0:99999:7:::", "none", "password-hash", "no password"),
        P("nobody:!:19000:0:99999:7:::", "none", "password-hash", "locked"),
    ])
    c.file("ops/apache/.htpasswd", [
        P(f"admin:$apr1${rs(cs, 8)}${rs(cs, 22)}", "warning", "password-hash", "apr1"),
        P(f"viewer:{{SHA}}{rs(B64, 27)}=", "warning", "password-hash", "htpasswd SHA"),
    ])
    c.file("app/seeds/users.json", [
        "[",
        P('  {"email": "ana@acme-corp.com", "password": "$argon2id$v=19$m=65536,t=3,p=4$' + rs(B64, 22) + "$" + rs(B64, 43) + '"},', "warning", "password-hash", "argon2 in seed data"),
        P('  {"email": "bo@acme-corp.com", "password": "pbkdf2_sha256$600000$' + rs(AN, 22) + "$" + rs(B64, 43) + '="},', "warning", "password-hash", "Django PBKDF2"),
        P('  {"email": "cy@acme-corp.com", "checksum": "sha256:' + rs(HEX, 64) + '"}', "none", "password-hash", "a checksum"),
        "]",
    ])
    c.file("ops/network/core-switch.cfg", [
        "hostname core-1",
        P(f"enable secret 9 $9${rs(cs, 14)}${rs(cs, 43)}", "warning", "password-hash", "Cisco type 9"),
        P("enable secret 5 <removed>", "none", "password-hash", "removed"),
    ])
    c.file("docs/security/hashing.md", [
        "# Password hashing",
        "",
        P("We store bcrypt hashes (`$2b$12$` followed by 53 characters).", "none", "password-hash", "format prose"),
        P("The commit `3f2a9c1d7e8b4a6f0c5d2e9b8a7f6e5d4c3b2a1f` switched to Argon2id.", "none", "password-hash", "a git hash"),
    ])

    # --- documentation
    c.file("docs/getting-started.md", [
        "# Getting started",
        "",
        "```bash",
        P("export API_KEY=your-api-key-here", "none", "generic", "docs placeholder"),
        P(f"export DB_PASSWORD={human()}", "note", "generic", "docs example password"),
        P("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "none", "cloud", "AWS docs key"),
        P("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "none", "cloud", "AWS docs secret"),
        P("export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "none", "vendor", "docs placeholder token"),
        P(f"export STRIPE_KEY=sk_test_{rs(AN, 24)}", "note", "vendor", "Stripe test key"),
        P("curl -H 'Authorization: Bearer <your token>' https://api.example.com", "none", "connection", "placeholder"),
        P(f"psql postgres://app:{rs(AN, 16)}@localhost:5432/app", "note", "connection", "docs example URL"),
        "```",
        "",
        P("Set `password: changeme` in `config.yml` before the first start.", "none", "generic", "prose placeholder"),
        P(f"The default password for the admin account is '{human()}'.", "note", "generic", "password in prose"),
    ])
    c.file("README.md", [
        "# acme-sync",
        "",
        P("Tokens look like `ghp_` followed by 36 characters.", "none", "vendor", "prose"),
        P(f"A leaked token in a README is still a leak: SLACK_BOT_TOKEN=xoxb-{rs(DG, 12)}-{rs(DG, 13)}-{rs(AN, 24)}", "error", "vendor", "real-looking token in docs"),
        P(f"DATABASE_URL=postgres://sync:{rs(AN, 18)}@db.acme-corp.net/sync", "note", "connection", "docs connection string"),
    ])

    # --- public by design and look-alikes
    c.file("web/public/firebase-config.js", [
        "const firebaseConfig = {",
        P(f'  apiKey: "AIza{rs(URL, 35)}",', "note", "cloud", "Firebase web config key"),
        '  authDomain: "acme-prod.firebaseapp.com",',
        '  projectId: "acme-prod",',
        "};",
    ])
    c.file("android/app/google-services.json", [
        "{",
        '  "client": [{ "api_key": [',
        P(f'    {{ "current_key": "AIza{rs(URL, 35)}" }}', "note", "cloud", "google-services.json key"),
        "  ] }]",
        "}",
    ])
    c.file("web/public/analytics.js", [
        P(f"posthog.init('phc_{rs(AN, 43)}', {{ api_host: 'https://eu.posthog.com' }});", "none", "vendor", "PostHog project key"),
        P(f"const stripe = Stripe('pk_live_{rs(AN, 99)}');", "none", "vendor", "Stripe publishable key"),
        P(f"Sentry.init({{ dsn: 'https://{rs(HEX, 32)}@o12345.ingest.sentry.io/67890' }});", "none", "connection", "Sentry DSN"),
        P(f"mapboxgl.accessToken = 'pk.eyJ1Ijoi{rs(URL, 50)}.{rs(URL, 22)}';", "none", "vendor", "Mapbox public token"),
    ])
    c.file("website/docusaurus.config.js", [
        "module.exports = {",
        "  themeConfig: {",
        "    algolia: {",
        '      appId: "BH4D9OD16A",',
        P(f'      apiKey: "{rs(HEX, 32)}",', "none", "vendor", "Algolia search-only key"),
        '      indexName: "acme",',
        "    },",
        "  },",
        "};",
    ])
    c.file("web/package-lock.json", [
        "{",
        '  "packages": {',
        P('    "node_modules/secret-handshake": { "integrity": "sha512-' + rs(B64, 86) + '==" },', "none", "generic", "lock file integrity"),
        "  }",
        "}",
    ])
    c.file("web/public/index.html", [
        "<html><head>",
        P(f'<meta name="csrf-token" content="{rs(B64, 86)}==">', "none", "generic", "CSRF token"),
        P(f'<script src="/app.js" integrity="sha384-{rs(B64, 64)}"></script>', "none", "generic", "SRI hash"),
        "</head></html>",
    ])
    c.file("web/locales/de.json", [
        "{",
        P('  "password": "Passwort",', "none", "generic", "translation"),
        P('  "api_key": "API-Schlüssel",', "none", "generic", "translation"),
        "}",
    ])
    c.file("data/ids.txt", [
        P(f"request_id={uuid()}", "none", "generic", "request id"),
        P(f"commit {rs(HEX, 40)}", "none", "generic", "git sha"),
        P(f"image: ghcr.io/acme/api@sha256:{rs(HEX, 64)}", "none", "generic", "image digest"),
    ])
    c.file("deploy/.env.example", [
        P("DB_PASSWORD=changeme", "none", "generic", "template placeholder"),
        P(f"API_KEY={rs(AN, 32)}", "note", "generic", "value in a template"),
        P("GITHUB_TOKEN=", "none", "vendor", "empty"),
    ])
    c.file("k8s/secret-template.yaml", [
        "apiVersion: v1",
        "kind: Secret",
        "data:",
        P("  password: " + base64.b64encode(b"changeme").decode(), "none", "generic", "base64 of a placeholder"),
        P("  api-token: " + base64.b64encode(rs(AN, 40).encode()).decode(), "error", "generic", "base64 of a token"),
        P("  db-password: {{ .Values.db.password | b64enc }}", "none", "generic", "template"),
    ])

    # --- more generic cases across languages, to weigh syntax
    extra = [
        ("app/jobs/sync.py", [
            P(f'PASSWORD = "{human()}"  # TODO move to vault', "error", "generic", "value with comment"),
            P(f"password = '{rs(AN, 12)}'", "error", "generic", "short random password"),
            P("password = getpass.getpass()", "none", "generic", "prompt"),
            P(f'config["api_token"] = "{rs(AN, 40)}"', "error", "generic", "subscript assignment"),
            P(f'os.environ.setdefault("SECRET_KEY", "{rs(AN, 40)}")', "error", "generic", "setdefault literal"),
            P("api_key = None", "none", "generic", "None"),
            P('api_key = ""', "none", "generic", "empty"),
        ]),
        ("web/src/settings.mjs", [
            P(f"export default {{ clientSecret: '{rs(AN, 32)}' }};", "error", "generic", "object literal"),
            P("const { password } = req.body;", "none", "generic", "destructuring"),
            P(f'password: "{human()}",', "error", "generic", "object property"),
            P("password: undefined,", "none", "generic", "undefined"),
        ]),
        ("tools/ci/publish.ps1", [
            P(f'$Password = "{human()}"', "error", "generic", "PowerShell password"),
            P('$Token = $env:PUBLISH_TOKEN', "none", "generic", "environment read"),
            P(f'Connect-VIServer -Server vc.acme.local -User admin -Password "{rs(AN, 14)}"', "error", "generic", "PowerCLI password flag"),
        ]),
        ("deploy/docker-compose.yml", [
            "services:",
            "  db:",
            "    environment:",
            P("      POSTGRES_PASSWORD: postgres", "note", "generic", "compose default"),
            P(f"      POSTGRES_PASSWORD_PROD: {human()}", "error", "generic", "compose password"),
            P("      POSTGRES_PASSWORD_FILE: /run/secrets/pg_password", "none", "generic", "file path"),
        ]),
        (".gitlab-ci.yml", [
            "variables:",
            P(f"  DEPLOY_TOKEN: {rs(URL, 32)}", "error", "generic", "CI variable"),
            P("  DEPLOY_TOKEN_NAME: deploy-bot", "none", "generic", "name"),
            "deploy:",
            "  script:",
            P(f"    - docker login -u ci -p {rs(AN, 24)} registry.acme-corp.com", "error", "generic", "docker login -p"),
            P("    - docker login -u ci -p $CI_REGISTRY_PASSWORD $CI_REGISTRY", "none", "generic", "variable"),
        ]),
        ("Jenkinsfile", [
            "pipeline {",
            "  environment {",
            P(f"    NEXUS_PASSWORD = '{human()}'", "error", "generic", "Jenkins environment"),
            P("    NEXUS_CREDS = credentials('nexus')", "none", "generic", "credentials binding"),
            "  }",
            "}",
        ]),
        ("src/main/resources/application.yml", [
            "spring:",
            "  datasource:",
            P(f"    password: {human()}", "error", "generic", "Spring datasource password"),
            P("    password-env: ${SPRING_DATASOURCE_PASSWORD}", "none", "generic", "reference"),
            "  security:",
            P(f"    oauth2.client.registration.github.client-secret: {rs(HEX, 40)}", "error", "generic", "Spring OAuth secret"),
        ]),
        ("pom-settings/settings.xml", [
            "<settings><servers><server>",
            "  <id>releases</id>",
            P(f"  <password>{human()}</password>", "error", "generic", "Maven settings password"),
            P("  <password>${env.MAVEN_PASSWORD}</password>", "none", "generic", "reference"),
            "</server></servers></settings>",
        ]),
        ("terraform/prod.tfvars", [
            P(f'db_password = "{human()}"', "error", "generic", "tfvars password"),
            P('db_password_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"', "none", "generic", "ARN"),
        ]),
    ]
    for path, items in extra:
        c.file(path, items)

    # --- vendor context detectors in config
    ctx = [
        P(f"LINODE_TOKEN={rs(HEX, 64)}", "error", "vendor", "Linode"),
        P(f"HCLOUD_TOKEN={rs(AN, 64)}", "error", "vendor", "Hetzner"),
        P(f"SPOTIFY_CLIENT_SECRET={rs(HEX, 32)}", "error", "vendor", "Spotify"),
        P(f"ALGOLIA_ADMIN_KEY={rs(HEX, 32)}", "error", "vendor", "Algolia admin"),
        P(f"ALGOLIA_SEARCH_API_KEY={rs(HEX, 32)}", "none", "vendor", "Algolia search-only"),
        P(f"AUTH0_CLIENT_SECRET={rs(URL, 64)}", "error", "vendor", "Auth0"),
        P(f"SENDGRID_API_KEY=SG.{rs(URL, 22)}.{rs(URL, 43)}", "error", "vendor", "SendGrid"),
        P(f"PUSHER_APP_SECRET={rs(HEX, 20)}", "error", "vendor", "Pusher"),
        P(f"ZENDESK_API_TOKEN={rs(AN, 40)}", "error", "vendor", "Zendesk"),
        P(f"FACEBOOK_APP_SECRET={rs(HEX, 32)}", "error", "vendor", "Facebook"),
        P("FACEBOOK_APP_ID=" + rs(DG, 15), "none", "vendor", "an app id"),
        P(f"TWITTER_CONSUMER_SECRET={rs(AN, 50)}", "error", "vendor", "Twitter"),
        P(f"OPSGENIE_API_KEY={uuid()}", "error", "vendor", "Opsgenie"),
        P(f"SPLUNK_HEC_TOKEN={uuid()}", "error", "vendor", "Splunk"),
        P(f"MAPBOX_SECRET=sk.eyJ1Ijoi{rs(URL, 60)}.{rs(URL, 22)}", "error", "vendor", "Mapbox secret"),
        P(f"CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-{rs(URL, 43)}", "error", "vendor", "Contentful"),
        P(f"BREVO_API_KEY=xkeysib-{rs(HEX, 64)}-{rs(AN, 16)}", "error", "vendor", "Brevo"),
        P(f"NEON_API_KEY=napi_{rs(LO + DG, 64)}", "error", "vendor", "Neon"),
        P(f"PINECONE_API_KEY=pcsk_{rs(AN, 6)}_{rs(AN, 64)}", "error", "vendor", "Pinecone"),
        P(f"XAI_API_KEY=xai-{rs(AN, 80)}", "error", "vendor", "xAI"),
        P(f"CLOUDINARY_URL=cloudinary://{rs(DG, 15)}:{rs(URL, 27)}@acme", "error", "vendor", "Cloudinary"),
        P(f"PLAID_ACCESS_TOKEN=access-production-{uuid()}", "error", "vendor", "Plaid"),
        P(f"EASYPOST_API_KEY=EZAK{rs(AN, 54)}", "error", "vendor", "EasyPost"),
        P(f"HUBSPOT_ACCESS_TOKEN=pat-na1-{uuid()}", "error", "vendor", "HubSpot"),
        P(f"LAUNCHDARKLY_SDK_KEY=sdk-{uuid()}", "error", "vendor", "LaunchDarkly"),
        P(f"LAUNCHDARKLY_MOBILE_KEY=mob-{uuid()}", "none", "vendor", "LaunchDarkly mobile key (public)"),
        P(f"POSTHOG_PERSONAL_API_KEY=phx_{rs(AN, 43)}", "error", "vendor", "PostHog personal key"),
        P(f"OKTA_API_TOKEN=00{rs(URL, 40)}", "error", "vendor", "Okta"),
        P(f"SQUARE_ACCESS_TOKEN=EAAA{rs(URL, 60)}", "error", "vendor", "Square"),
        P(f"BRAINTREE_ACCESS_TOKEN=access_token$production${rs(LO + DG, 16)}${rs(HEX, 32)}", "error", "vendor", "Braintree"),
        P(f"NGROK_AUTHTOKEN=2{rs(AN, 26)}_{rs(AN, 21)}", "error", "vendor", "ngrok"),
        P(f"RENDER_API_KEY=rnd_{rs(AN, 32)}", "error", "vendor", "Render"),
        P(f"OPENROUTER_API_KEY=sk-or-v1-{rs(HEX, 64)}", "error", "vendor", "OpenRouter"),
        P(f"FIRECRAWL_API_KEY=fc-{rs(HEX, 32)}", "error", "vendor", "Firecrawl"),
        P(f"PREFECT_API_KEY=pnu_{rs(AN, 36)}", "error", "vendor", "Prefect"),
        P(f"KUBEADM_JOIN=kubeadm join 10.0.0.10:6443 --token {rs(LO + DG, 6)}.{rs(LO + DG, 16)}", "error", "cloud", "kubeadm token"),
        P(f"OPENSHIFT_TOKEN=sha256~{rs(URL, 43)}", "error", "cloud", "OpenShift token"),
    ]
    c.file("deploy/vendors.env", ctx)

    # --- negatives: look-alikes of vendor formats
    looks = [
        P("TOKEN_PREFIX=ghp_", "none", "vendor", "prefix alone"),
        P("STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "none", "vendor", "placeholder"),
        P("SLACK=xoxb-your-token-here", "none", "vendor", "placeholder"),
        P("OPENAI_API_KEY=sk-...", "none", "vendor", "elided"),
        P("AWS_SECRET_ACCESS_KEY=<secret-access-key>", "none", "cloud", "placeholder"),
        P("GOOGLE_MAPS_KEY=AIzaSy" + "X" * 33, "none", "cloud", "placeholder run"),
        P("JWT=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "none", "vendor", "jwt.io example"),
        P("NPM_TOKEN=npm_000000000000000000000000000000000000", "none", "vendor", "zero run"),
        P("GITHUB_SHA=" + rs(HEX, 40), "none", "vendor", "a commit id"),
        P("BUILD_ID=" + uuid(), "none", "vendor", "an id"),
        P("VAULT_ADDR=https://vault.acme.internal:8200", "none", "vendor", "an address"),
        P("GRAFANA_URL=https://grafana.acme.internal", "none", "vendor", "an address"),
        P("SENTRY_DSN=https://" + rs(HEX, 32) + "@o4505.ingest.us.sentry.io/4505", "none", "vendor", "Sentry DSN"),
        P("STRIPE_PUBLISHABLE_KEY=pk_test_" + rs(AN, 24), "none", "vendor", "publishable key"),
    ]
    c.file("deploy/lookalikes.env", looks)

    # --- connection strings in every context
    for ci, (path, head, rend, foot, _) in enumerate(CONTEXTS):
        base = os.path.basename(path)
        stem, ext = os.path.splitext(base)
        cpath = os.path.join(os.path.dirname(path), ("db" + base) if base.startswith(".") else f"{stem}-db{ext}")
        if base == "Dockerfile":
            cpath = os.path.join(os.path.dirname(path), "Dockerfile.db")
        kinds = [
            ("DATABASE_URL", f"postgresql://app:{rs(AN, 20)}@pg-{ci}.acme.internal:5432/app", "error", "postgres URL"),
            ("MONGODB_URI", f"mongodb+srv://svc:{rs(AN, 18)}@cluster{ci}.a1b2c.mongodb.net/prod", "error", "mongodb URL"),
            ("REDIS_URL", f"redis://:{rs(URL, 28)}@redis-{ci}.acme.internal:6379/0", "error", "redis URL"),
            ("SQL_CONNECTION", f"Server=sql{ci}.acme.local;Database=Erp;User Id=erp;Password={rs(AN, 16)};", "error", "ADO.NET string"),
        ]
        items = list(head)
        for k in range(2):
            name, value, expect, what = kinds[(ci + k) % len(kinds)]
            items.append(P(rend(name, value), expect, "connection", what))
        items.append(P(rend("DATABASE_URL", "postgresql://app:${DB_PASSWORD}@db:5432/app"), "none", "connection", "reference"))
        items.append(P(rend("DATABASE_HOST", f"pg-{ci}.acme.internal"), "none", "connection", "a host"))
        items.extend(foot)
        c.file(cpath, items)

    # --- framework keys in more shapes
    for i in range(8):
        c.file(f"sites/site{i}/settings.py", [
            "from pathlib import Path",
            P(f'SECRET_KEY = "{rs(dj, 50)}"', "error", "framework", "Django SECRET_KEY"),
            P('SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]', "none", "framework", "environment read"),
            P("SECRET_KEY = get_random_secret_key()", "none", "framework", "generated"),
        ])
        c.file(f"sites/site{i}/.env", [
            P(f"APP_KEY=base64:{rs(B64, 43)}=", "error", "framework", "Laravel APP_KEY"),
            P("APP_KEY=", "none", "framework", "empty"),
            P(f"APP_SECRET={rs(HEX, 32)}", "error", "framework", "Symfony APP_SECRET"),
            P(f"JWT_SECRET={rs(URL, 40)}", "error", "framework", "JWT secret"),
            P("JWT_SECRET=${JWT_SECRET}", "none", "framework", "reference"),
        ])

    # --- private keys in more containers
    def pem2(label, n=6, nl="\n"):
        return f"-----BEGIN {label}-----{nl}" + nl.join(rs(B64, 64) for _ in range(n)) + f"{nl}-----END {label}-----"
    wrappers = [
        ("keys/deploy-{i}.env", lambda k: f'DEPLOY_KEY="{k}"', "\\n"),
        ("keys/app-{i}.json", lambda k: '{"private_key": "' + k + '"}', "\\n"),
        ("keys/tls-{i}.tf", lambda k: "private_key_pem = <<EOT\n" + k + "\nEOT", "\n"),
        ("keys/signer_{i}.py", lambda k: 'PRIVATE_KEY = """' + k + '"""', "\n"),
        ("keys/signer-{i}.js", lambda k: "const privateKey = `" + k + "`;", "\n"),
    ]
    for i in range(4):
        for path, wrap, nl in wrappers:
            label = ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"][i]
            key = pem2(label, 6, nl.encode().decode("unicode_escape") if nl == "\n" else "\\n")
            real_nl = nl == "\n"
            text = wrap(key)
            lines = text.split("\n")
            begin = next(k for k, l in enumerate(lines) if "-----BEGIN" in l)
            body = begin + 1 if len(lines) > 1 else 0
            what = (f"@{body} " if body else "") + f"{label} in {os.path.splitext(path)[1]}"
            pub = pem2(["PUBLIC KEY", "CERTIFICATE", "CERTIFICATE REQUEST", "RSA PUBLIC KEY"][i], 4, "\n" if real_nl else "\\n")
            c.file(path.format(i=i), [P(text, "error", "private-key", what), P(wrap(pub), "none", "private-key", "@1 public material" if real_nl else "public material")])

    # --- password hashes in more dumps
    for i in range(5):
        rows = ["COPY public.accounts (id, email, password_hash) FROM stdin;"]
        for k in range(4):
            rows.append(P(f"{k + 1}\tuser{k}@acme-corp.com\t$2b$10${rs(cs, 53)}", "warning", "password-hash", "bcrypt in COPY"))
        rows.append(P(f"5\tservice@acme-corp.com\t{rs(HEX, 64)}", "none", "password-hash", "sha256 hex (not a crypt hash)"))
        rows.append(P("6\tlocked@acme-corp.com\t!", "none", "password-hash", "locked"))
        rows.append("\\.")
        c.file(f"db/dumps/accounts-{i}.sql", rows)
        c.file(f"ops/ldap/users-{i}.ldif", [
            f"dn: uid=user{i},ou=people,dc=acme,dc=com",
            P(f"userPassword: {{SSHA}}{rs(B64, 32)}", "warning", "password-hash", "LDAP SSHA"),
            P("userPassword:: e1NTSEF9", "none", "password-hash", "truncated base64"),
            P(f"description: build {rs(HEX, 40)}", "none", "password-hash", "a hash in prose"),
        ])
    # --- hard cases: shapes the detectors are known to handle poorly or not
    # at all, so that the figures say what is missed (not tuned away)
    c.file("k8s/deployment.yaml", [
        "spec:",
        "  containers:",
        "    - name: api",
        "      env:",
        "        - name: DB_PASSWORD",
        P(f'          value: "{human()}"', "error", "generic", "k8s env value on the line after its name"),
        "        - name: LOG_LEVEL",
        P('          value: "debug"', "none", "generic", "k8s env value"),
    ])
    c.file("config/nested.yaml", [
        "database:",
        "  password: >-",
        P(f"    {rs(AN, 24)}", "error", "generic", "YAML folded value on the next line"),
        "cache:",
        P(f"  tokens: [\"{rs(AN, 32)}\", \"{rs(AN, 32)}\"]", "error", "generic", "secrets in a list"),
    ])
    c.file("bot/index.js", [
        P(f"client.login('{rs('MNO', 1)}{rs(AN, 25)}.{rs(URL, 6)}.{rs(URL, 38)}');", "error", "vendor", "Discord bot token without a name"),
        P(f"const parts = ['{rs(AN, 20)}', '{rs(AN, 20)}'].join('');", "error", "generic", "a secret split in two"),
        P(f"const nonce = '{rs(AN, 32)}';", "none", "generic", "a nonce"),
        P(f"const checksum = '{rs(HEX, 64)}';", "none", "generic", "a checksum"),
        P(f"const buildHash = '{rs(HEX, 40)}';", "none", "generic", "a build hash"),
        P(f"const sessionId = '{rs(AN, 32)}';", "none", "generic", "a session id"),
    ])
    c.file("scripts/rotate.py", [
        P(f'requests.post(url, auth=("admin", "{human()}"))', "error", "generic", "basic auth tuple"),
        P(f'client = Client("{rs(AN, 40)}")', "error", "generic", "token as a positional argument"),
        P(f'digest = "{rs(HEX, 64)}"', "none", "generic", "a digest"),
        P(f'fingerprint = "SHA256:{rs(B64, 43)}"', "none", "generic", "an SSH fingerprint"),
        P(f'etag = "{rs(HEX, 32)}"', "none", "generic", "an ETag"),
    ])
    c.file("src/main/java/com/acme/Legacy.java", [
        P('    private static final String PASSWORD = "pass" + "w0rd" + SUFFIX;', "none", "generic", "a built value"),
        P(f'    ds.setPassword(new String(Base64.getDecoder().decode("{base64.b64encode(human().encode()).decode()}")));', "error", "generic", "a base64-wrapped password"),
        P(f'    String uuid = "{uuid()}";', "none", "generic", "a UUID"),
    ])
    c.file("notes/incident.txt", [
        P(f"rotated the key, old one was {rs(AN, 40)}", "error", "generic", "a key in prose without a name"),
        P(f"deploy id {rs(HEX, 24)} finished", "none", "generic", "an id in prose"),
    ])
    return c


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fixtures", "corpus")
    out = os.path.abspath(out)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    c = build(out)
    with open(os.path.join(out, "LABELS.tsv"), "w", encoding="utf-8") as fh:
        fh.write("# path\tline\texpect\tfamily\twhat (written by scripts/bench-detect-gen-corpus.py; all values synthetic)\n")
        for path, line, expect, family, what in c.labels:
            fh.write(f"{path}\t{line}\t{expect}\t{family}\t{what}\n")
    pos = sum(1 for l in c.labels if l[2] != "none")
    neg = len(c.labels) - pos
    print(f"{out}: {pos} positive and {neg} negative labels in {len({l[0] for l in c.labels})} files")


if __name__ == "__main__":
    main()
