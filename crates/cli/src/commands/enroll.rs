//! `steward enroll create`: a new agent enrollment token, printed once.

use std::process::ExitCode;

use clap::Subcommand;
use steward_server::secrets;

use super::{StoreArgs, cli_actor};
use crate::settings::FileSettings;

#[derive(Debug, Subcommand)]
pub enum EnrollCommand {
    /// Print a new enrollment token for agents.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// A note to recognise the token by later.
        #[arg(long, default_value = "")]
        note: String,
    },
}

pub async fn run(command: EnrollCommand, file: &FileSettings) -> anyhow::Result<ExitCode> {
    let EnrollCommand::Create { store, note } = command;
    let store = store.open(file).await?;
    let token = secrets::generate(secrets::ENROLLMENT_PREFIX);
    store
        .create_enrollment_token(
            &secrets::hash(&token),
            &note,
            &cli_actor(),
            jiff::Timestamp::now(),
        )
        .await?;
    println!("{token}");
    eprintln!("Give this token to agents: steward agent --server URL --token TOKEN");
    Ok(ExitCode::SUCCESS)
}
