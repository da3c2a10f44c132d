//! `steward serve` and `steward up`: the server, alone or with this host's agent. On a store
//! with no user, both create the `admin` user and print its one-time password once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use steward_api::access::Role;
use steward_server::access::directory::Directory;
use steward_server::{Settings, access, secrets};
use steward_store::Store;
use tokio::net::TcpListener;

use super::{StoreArgs, agent, cli_actor, ensure_dir};
use crate::settings::FileSettings;

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "STEWARD_LISTEN")]
    listen: Option<String>,
    /// Mark session cookies `Secure`: set this when browsers reach Steward over HTTPS.
    #[arg(long, env = "STEWARD_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs `--tls-key`.
    #[arg(long, env = "STEWARD_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of `--tls-cert`.
    #[arg(long, env = "STEWARD_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Roles whose users must sign in with a TOTP second factor (comma-separated).
    #[arg(long, env = "STEWARD_REQUIRE_TOTP", value_delimiter = ',')]
    require_totp: Vec<Role>,
    /// The directory's URL (`ldap://` or `ldaps://`), over `[ldap] url`; the rest of the LDAP
    /// settings, and turning it on, are in the `[ldap]` section of `steward.toml`.
    #[arg(long, env = "STEWARD_LDAP_URL")]
    ldap_url: Option<String>,
    /// The directory service account's DN, over `[ldap] bind_dn`.
    #[arg(long, env = "STEWARD_LDAP_BIND_DN")]
    ldap_bind_dn: Option<String>,
    /// The service account's password, over `[ldap] bind_password`; prefer the environment
    /// variable, since other users can see a process's flags.
    #[arg(long, env = "STEWARD_LDAP_BIND_PASSWORD", hide_env_values = true)]
    ldap_bind_password: Option<String>,
}

impl ServeArgs {
    fn settings(&self, file: &FileSettings) -> anyhow::Result<Settings> {
        Ok(Settings {
            secure_cookies: self.secure_cookies || file.secure_cookies.unwrap_or(false),
            require_totp: match self.require_totp.is_empty() {
                true => file.require_totp.clone().unwrap_or_default(),
                false => self.require_totp.clone(),
            },
            ldap: self.directory(file)?,
        })
    }

    /// The directory, when `[ldap]` turns it on, with flags and environment over the file.
    fn directory(&self, file: &FileSettings) -> anyhow::Result<Option<Arc<Directory>>> {
        let Some(mut ldap) = file.ldap.clone() else {
            anyhow::ensure!(
                self.ldap_url.is_none() && self.ldap_bind_dn.is_none(),
                "--ldap-url and --ldap-bind-dn need an [ldap] section in steward.toml (its \
                 [ldap.roles] maps groups to roles)"
            );
            return Ok(None);
        };
        if let Some(url) = &self.ldap_url {
            ldap.url.clone_from(url);
        }
        if let Some(dn) = &self.ldap_bind_dn {
            ldap.bind_dn = Some(dn.clone());
        }
        if let Some(password) = &self.ldap_bind_password {
            ldap.bind_password = Some(password.clone());
        }
        let url = ldap.url.clone();
        let directory = Directory::new(ldap)?;
        println!("  directory sign-in (LDAP) is on: {url}");
        Ok(Some(Arc::new(directory)))
    }

    /// The TLS configuration, when a certificate and key are set by flag or file.
    fn tls(
        &self,
        file: &FileSettings,
    ) -> anyhow::Result<Option<Arc<steward_server::tls::ServerConfig>>> {
        let cert = self.tls_cert.clone().or_else(|| file.tls_cert.clone());
        let key = self.tls_key.clone().or_else(|| file.tls_key.clone());
        match (cert, key) {
            (None, None) => Ok(None),
            (Some(cert), Some(key)) => Ok(Some(steward_server::tls::server_config(&cert, &key)?)),
            _ => anyhow::bail!("TLS needs both a certificate and a key (tls_cert and tls_key)"),
        }
    }
}

/// Serves plain HTTP, or HTTPS when `tls` is set.
async fn run_server(
    listener: TcpListener,
    tls: Option<Arc<steward_server::tls::ServerConfig>>,
    store: Arc<dyn Store>,
    settings: Settings,
) -> std::io::Result<()> {
    match tls {
        Some(tls) => {
            steward_server::serve_tls(listener, tls, store, settings, shutdown_signal()).await
        }
        None => steward_server::serve(listener, store, settings, shutdown_signal()).await,
    }
}

/// Creates the first administrator when there is no user, and says how to sign in.
async fn first_admin(store: &dyn Store, url: &str) -> anyhow::Result<()> {
    let password = access::ensure_first_admin(store, &cli_actor())
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the first administrator: {e}"))?;
    if let Some(password) = password {
        println!(
            "  sign in at {url}/login as {} with the one-time password",
            access::FIRST_ADMIN
        );
        println!("    {password}");
        println!("  (shown once; you choose your own password at first sign-in)");
    } else {
        println!("  sign in at {url}/login; `steward user add NAME --role ROLE` adds users");
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct UpArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// Seconds between the local agent's inventories.
    #[arg(long, default_value_t = 3600)]
    agent_interval: u64,
}

async fn bind(
    args: &ServeArgs,
    file: &FileSettings,
    tls: bool,
) -> anyhow::Result<(TcpListener, String)> {
    let listen = args
        .listen
        .clone()
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen {listen:?} is not HOST:PORT"))?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    let host = if local.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        local.ip().to_string()
    };
    let scheme = if tls { "https" } else { "http" };
    let url = if local.is_ipv6() && !local.ip().is_unspecified() {
        format!("{scheme}://[{host}]:{}", local.port())
    } else {
        format!("{scheme}://{host}:{}", local.port())
    };
    Ok((listener, url))
}

async fn shutdown_signal() {
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::error!(error = %e, "cannot listen for Ctrl-C; stop the process to shut down");
        std::future::pending::<()>().await;
    }
    tracing::info!("shutting down");
}

pub async fn serve(args: ServeArgs, file: &FileSettings) -> anyhow::Result<ExitCode> {
    let tls = args.tls(file)?;
    let settings = args.settings(file)?;
    let store = args.store.open(file).await?;
    let (listener, url) = bind(&args, file, tls.is_some()).await?;
    println!("Steward is listening on {url}");
    first_admin(store.as_ref(), &url).await?;
    run_server(listener, tls, store, settings).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn up(args: UpArgs, file: &FileSettings) -> anyhow::Result<ExitCode> {
    let data_dir = args.serve.store.data_dir(file);
    ensure_dir(&data_dir)?;
    let tls = args.serve.tls(file)?;
    let settings = args.serve.settings(file)?;
    let store = args.serve.store.open(file).await?;
    let (listener, url) = bind(&args.serve, file, tls.is_some()).await?;
    let agent_dir = data_dir.join("agent");
    let token = local_enrollment(store.as_ref(), &agent_dir).await?;

    println!("Steward is up at {url}/");
    println!("  data:  {}", data_dir.display());
    println!("  hosts: {url}/hosts   API: {url}/api/v1/openapi.json");
    first_admin(store.as_ref(), &url).await?;
    println!(
        "  this host's agent reports every {} s; to report now, run:",
        args.agent_interval
    );
    println!(
        "    steward agent --once --spool {} --server {url}",
        agent_dir.display()
    );
    println!("Press Ctrl-C to stop.");

    let server = tokio::spawn(run_server(listener, tls, store, settings));
    let local_agent = agent::local(
        url,
        token,
        agent_dir,
        Duration::from_secs(args.agent_interval),
    );
    let agent_task = tokio::spawn(local_agent);
    let served = server.await.context("the server task failed")?;
    agent_task.abort();
    served?;
    Ok(ExitCode::SUCCESS)
}

/// An enrollment token for the local agent, unless it already holds a credential.
async fn local_enrollment(store: &dyn Store, agent_dir: &Path) -> anyhow::Result<Option<String>> {
    if agent::has_credential(agent_dir) {
        return Ok(None);
    }
    let token = secrets::generate(secrets::ENROLLMENT_PREFIX);
    let now = jiff::Timestamp::now();
    let note = "steward up: local agent";
    store
        .create_enrollment_token(&secrets::hash(&token), note, &cli_actor(), now)
        .await?;
    Ok(Some(token))
}
