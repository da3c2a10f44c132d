//! `steward token create --role ROLE [--expires DAYS] [--name NAME]`: a new API token, printed
//! once; `steward token list` shows tokens without their secrets.

use std::process::ExitCode;

use clap::Subcommand;
use steward_api::access::{ApiTokenCreate, Role};
use steward_server::secrets;
use steward_store::NewApiToken;

use super::{StoreArgs, cli_actor};
use crate::settings::FileSettings;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new API token.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// administrator, operator, auditor or requester.
        #[arg(long)]
        role: Role,
        /// Days until the token expires [default: never].
        #[arg(long)]
        expires: Option<u32>,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List API tokens (never their secrets).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(command: TokenCommand, file: &FileSettings) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create {
            store,
            role,
            expires,
            name,
        } => {
            let request = ApiTokenCreate {
                name,
                role,
                expires_in_days: expires,
            };
            anyhow::ensure!(
                !request.name.trim().is_empty() && request.name.chars().count() <= 64,
                "--name must be 1 to 64 characters"
            );
            anyhow::ensure!(expires != Some(0), "--expires must be at least 1 day");
            let store = store.open(file).await?;
            let now = jiff::Timestamp::now();
            let secret = secrets::generate(secrets::API_TOKEN_PREFIX);
            let token = NewApiToken {
                name: request.name.trim().to_owned(),
                role,
                hash: secrets::hash(&secret),
                expires_at: expires
                    .map(|days| now + jiff::SignedDuration::from_hours(i64::from(days) * 24)),
            };
            let token = store.create_api_token(&token, &cli_actor(), now).await?;
            println!("{secret}");
            let until = token
                .expires_at
                .map_or_else(|| "never expires".to_owned(), |t| format!("expires {t}"));
            eprintln!(
                "API token {:?} ({}, {until}). Send it as: Authorization: Bearer TOKEN",
                token.name, token.role
            );
        }
        TokenCommand::List { store } => {
            let store = store.open(file).await?;
            for token in store.api_tokens().await? {
                let state = match (token.revoked_at, token.expires_at) {
                    (Some(_), _) => "revoked".to_owned(),
                    (None, Some(at)) => format!("expires {at}"),
                    (None, None) => "no expiry".to_owned(),
                };
                println!("{}\t{}\t{}\t{state}", token.id, token.name, token.role);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
