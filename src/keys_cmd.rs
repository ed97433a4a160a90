//! `ioc keys …`: API key management from the shell, on the store's database file (a running
//! server sees the change at its next request). The token is printed once, alone on stdout,
//! so `TOKEN=$(ioc keys create --role viewer)` works; everything else goes to stderr.

use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;

use ioc::auth::{Auth, Role};
use ioc::config::{load_city, Settings};
use ioc::model::City;
use ioc::shell::now_ms;
use ioc::store::SqliteKeys;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Create a key and print its token (shown only this once).
    Create {
        /// viewer, operator, department or admin.
        #[arg(long)]
        role: String,
        /// `domain:<name>` or `district:<id>`; repeat or comma-separate. Required for department.
        #[arg(long)]
        scope: Vec<String>,
        /// Who or what the key is for (shown in lists and the audit log).
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by its id; its next request is refused.
    Revoke { id: String },
}

pub fn run(settings: &Settings, cmd: KeysCommand) -> anyhow::Result<()> {
    let city = Arc::new(City::from_config(&load_city(settings)?)?);
    let repo = SqliteKeys::open(&settings.store.path)?;
    let auth = Auth::new(repo, None, city);
    match cmd {
        KeysCommand::Create { role, scope, label } => {
            let role = Role::parse(&role).with_context(|| {
                format!("--role {role:?} is not one of viewer, operator, department, admin")
            })?;
            let scope: Vec<&str> = scope.iter().map(String::as_str).collect();
            let created = auth.create_key("cli", role, &scope, &label, now_ms())?;
            let i = &created.info;
            eprintln!(
                "created key {} (role {}, scope {}); store the token now, it is not kept:",
                i.id,
                i.role,
                if i.scope.is_empty() {
                    "whole city"
                } else {
                    &i.scope
                }
            );
            println!("{}", created.token);
        }
        KeysCommand::List => {
            let keys = auth.list_keys()?;
            println!(
                "{:<14} {:<11} {:<10} {:<40} label",
                "id", "role", "state", "scope"
            );
            for k in keys {
                let state = if k.revoked_ms.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let scope = if k.scope.is_empty() { "*" } else { &k.scope };
                println!(
                    "{:<14} {:<11} {:<10} {:<40} {}",
                    k.id,
                    k.role,
                    state,
                    scope,
                    // A label stored before labels were checked may hold ESC sequences.
                    ioc::model::escape_forbidden(&k.label)
                );
            }
        }
        KeysCommand::Revoke { id } => {
            if !auth.revoke_key("cli", &id, now_ms())? {
                anyhow::bail!("no active key {id:?} (see `ioc keys list`)");
            }
            eprintln!("revoked key {id}");
        }
    }
    Ok(())
}
