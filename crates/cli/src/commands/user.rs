//! `steward user add NAME --role ROLE`, `steward user reset NAME` and `steward user list`:
//! local users, managed from the server's machine. Passwords are printed once.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use steward_api::access::Role;
use steward_server::access;

use super::{StoreArgs, cli_actor};
use crate::settings::FileSettings;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user and print their one-time password.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        /// Sign-in name.
        name: String,
        /// administrator, operator, auditor or requester.
        #[arg(long)]
        role: Role,
    },
    /// Give a user a new one-time password (printed) and end their sessions.
    Reset {
        #[command(flatten)]
        store: StoreArgs,
        /// Sign-in name.
        name: String,
    },
    /// List users.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(command: UserCommand, file: &FileSettings) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add { store, name, role } => {
            let store = store.open(file).await?;
            let (user, password) = access::add_user(store.as_ref(), &name, role, &cli_actor())
                .await
                .map_err(|e| anyhow::anyhow!("cannot add user {name:?}: {e}"))?;
            println!("{password}");
            eprintln!(
                "User {} ({}) added. Sign in with this one-time password; it must be changed \
                 at first sign-in.",
                user.name, user.role
            );
        }
        UserCommand::Reset { store, name } => {
            let store = store.open(file).await?;
            let user = store
                .user_by_name(&name)
                .await?
                .with_context(|| format!("no user named {name:?}"))?;
            let password = access::reset_password(store.as_ref(), user.user.id, &cli_actor())
                .await
                .map_err(|e| anyhow::anyhow!("cannot reset the password of {name:?}: {e}"))?
                .with_context(|| format!("no user named {name:?}"))?;
            println!("{password}");
            eprintln!("New one-time password for {name}; their sessions were ended.");
        }
        UserCommand::List { store } => {
            let store = store.open(file).await?;
            for user in store.users().await? {
                let state = match (user.disabled, user.must_change_password) {
                    (true, _) => "disabled",
                    (false, true) => "one-time password",
                    (false, false) => "active",
                };
                let source = user.source.as_str();
                println!("{}\t{}\t{state}\t{source}", user.name, user.role);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
