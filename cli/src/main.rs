//! `pingwarden`: the command line for a Pingwarden deployment. PingBase's
//! commands (`monitors`, `add`, `status`, `delete`, `incidents`, `keys`)
//! and more, each one or two API requests; `--json` prints the API's JSON
//! for scripts, tables are for people. `mcp` serves the Worker's MCP tools
//! over stdio for `.mcp.json`. Any API error exits 1 with the API's message.

mod api;
mod commands;
mod config;
mod table;
mod tail;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pingwarden",
    version,
    about = "Uptime monitors, heartbeats and incidents from the command line"
)]
struct Cli {
    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in and keep the token in the config file.
    Login {
        #[arg(long)]
        email: String,
        /// The password (else PINGWARDEN_PASSWORD, else read from stdin).
        #[arg(long, env = "PINGWARDEN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// The deployment, e.g. https://pingwarden.example.workers.dev.
        #[arg(long)]
        url: Option<String>,
    },
    /// List monitors, or get, pause or resume one.
    Monitors {
        #[command(subcommand)]
        action: Option<MonitorAction>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long = "type")]
        kind: Option<String>,
    },
    /// Create a monitor: an http check of URL, or with --type heartbeat a heartbeat.
    Add {
        name: String,
        url: Option<String>,
        #[arg(long = "type", default_value = "http")]
        kind: String,
        #[arg(long)]
        interval: Option<u32>,
        #[arg(long)]
        grace: Option<u32>,
    },
    /// A monitor's status and its uptime.
    Status { id: String },
    /// Delete a monitor.
    Delete { id: String },
    /// A heartbeat's pings, newest first.
    Pings {
        id: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// List incidents, or create, update or resolve one.
    Incidents {
        #[command(subcommand)]
        action: Option<IncidentAction>,
    },
    /// API keys: list, create or revoke (needs a user's login).
    Keys {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Status pages.
    Pages {
        #[command(subcommand)]
        action: ListOnly,
    },
    /// Notification channels.
    Channels {
        #[command(subcommand)]
        action: ListOnly,
    },
    /// Follow the live stream: every check, ping, change and incident as it happens.
    Tail {
        /// Only these monitors (repeatable).
        #[arg(long = "monitor")]
        monitors: Vec<String>,
        /// Stop after this many events.
        #[arg(long)]
        count: Option<usize>,
    },
    /// Apply a YAML or JSON document of monitors, status pages and channels.
    Apply {
        /// The document (`-` for stdin); YAML unless it ends in .json.
        #[arg(short = 'f', long = "file")]
        file: String,
        /// Show the plan; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Delete what the document's lists no longer name.
        #[arg(long)]
        prune: bool,
    },
    /// Import checks from Healthchecks or monitors from an Uptime Kuma backup (again: updates).
    Import {
        #[command(subcommand)]
        source: ImportSource,
        /// Show the report; change nothing.
        #[arg(long, global = true)]
        dry_run: bool,
    },
    /// Write the organization's monitors, status pages and channels as a document apply takes.
    Export {
        #[arg(long, default_value = "yaml", value_parser = ["yaml", "json"])]
        format: String,
    },
    /// Serve the MCP tools over stdio (for .mcp.json), forwarding to the deployment's /mcp.
    Mcp,
    /// The community forums: list threads (public), read one, open one, reply.
    Forum {
        #[command(subcommand)]
        action: Option<ForumAction>,
        /// Only threads about this catalogue service.
        #[arg(long)]
        service: Option<String>,
        /// Only threads whose title contains this.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value = "newest", value_parser = ["newest", "active", "unanswered"])]
        sort: String,
    },
}

#[derive(Subcommand)]
enum ForumAction {
    /// A thread and its posts.
    Show { id: String },
    /// Open a thread (markdown body).
    Open {
        title: String,
        #[arg(long)]
        body: String,
        #[arg(long, default_value = "general", value_parser = ["general", "outages", "configurations"])]
        category: String,
        /// The catalogue service it is about.
        #[arg(long)]
        service: Option<String>,
        /// The host it is about.
        #[arg(long)]
        host: Option<String>,
    },
    /// Reply to a thread (markdown body).
    Reply {
        id: String,
        #[arg(long)]
        body: String,
    },
}

#[derive(Subcommand)]
enum ImportSource {
    /// From a Healthchecks instance's API, or a saved `GET /api/v3/checks/` answer (`--file`).
    Healthchecks {
        /// The instance, e.g. https://healthchecks.io.
        #[arg(long, required_unless_present = "file")]
        api_url: Option<String>,
        /// Its project API key (read-write: read-only keys list no UUIDs).
        #[arg(long, env = "HC_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        /// A saved checks answer instead of the API (`-` for stdin).
        #[arg(short = 'f', long, conflicts_with = "api_url")]
        file: Option<String>,
    },
    /// From an Uptime Kuma backup file (Settings → Backup → Export).
    UptimeKuma {
        #[arg(short = 'f', long)]
        file: String,
    },
}

#[derive(Subcommand)]
enum MonitorAction {
    Get { id: String },
    Pause { id: String },
    Resume { id: String },
}

#[derive(Subcommand)]
enum IncidentAction {
    Create {
        title: String,
        #[arg(long)]
        message: Option<String>,
        #[arg(long)]
        impact: Option<String>,
        /// A monitor it is about (repeatable).
        #[arg(long = "monitor")]
        monitors: Vec<String>,
    },
    Update {
        id: String,
        #[arg(long)]
        status: String,
        #[arg(long)]
        message: String,
    },
    Resolve {
        id: String,
        #[arg(long, default_value = "Resolved.")]
        message: String,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    List,
    Create {
        name: String,
        /// Read and write (default: read only).
        #[arg(long)]
        write: bool,
    },
    Revoke {
        id: String,
    },
}

#[derive(Subcommand)]
enum ListOnly {
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pingwarden: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let out = commands::Output { json: cli.json };
    if let Command::Login { email, password, url } = cli.command {
        return commands::login(&out, &email, password, url);
    }
    let api = api::Api::from_config(&config::Config::load()?)?;
    match cli.command {
        Command::Login { .. } => unreachable!("handled above"),
        Command::Monitors {
            action: None,
            status,
            kind,
        } => commands::monitors(&api, &out, status, kind),
        Command::Monitors {
            action: Some(action), ..
        } => match action {
            MonitorAction::Get { id } => commands::monitor(&api, &out, &id),
            MonitorAction::Pause { id } => commands::set_paused(&api, &out, &id, true),
            MonitorAction::Resume { id } => commands::set_paused(&api, &out, &id, false),
        },
        Command::Add {
            name,
            url,
            kind,
            interval,
            grace,
        } => commands::add(&api, &out, &name, url, &kind, interval, grace),
        Command::Status { id } => commands::status(&api, &out, &id),
        Command::Delete { id } => commands::delete(&api, &out, &id),
        Command::Pings { id, limit } => commands::pings(&api, &out, &id, limit),
        Command::Incidents { action: None } => commands::incidents(&api, &out),
        Command::Incidents { action: Some(action) } => match action {
            IncidentAction::Create {
                title,
                message,
                impact,
                monitors,
            } => commands::create_incident(&api, &out, &title, message, impact, monitors),
            IncidentAction::Update { id, status, message } => {
                commands::update_incident(&api, &out, &id, &status, &message)
            }
            IncidentAction::Resolve { id, message } => commands::update_incident(&api, &out, &id, "resolved", &message),
        },
        Command::Keys { action } => match action {
            KeyAction::List => commands::keys(&api, &out),
            KeyAction::Create { name, write } => commands::create_key(&api, &out, &name, write),
            KeyAction::Revoke { id } => commands::revoke_key(&api, &out, &id),
        },
        Command::Forum {
            action: None,
            service,
            search,
            sort,
        } => commands::forum::threads(&api, &out, service, search, &sort),
        Command::Forum {
            action: Some(action), ..
        } => match action {
            ForumAction::Show { id } => commands::forum::thread(&api, &out, &id),
            ForumAction::Open {
                title,
                body,
                category,
                service,
                host,
            } => commands::forum::open(&api, &out, &title, &body, &category, service, host),
            ForumAction::Reply { id, body } => commands::forum::reply(&api, &out, &id, &body),
        },
        Command::Pages { action: ListOnly::List } => {
            commands::list(&api, &out, "/api/v1/status-pages", &["id", "slug", "title"])
        }
        Command::Channels { action: ListOnly::List } => {
            commands::list(&api, &out, "/api/v1/channels", &["id", "name", "kind", "enabled"])
        }
        Command::Tail { monitors, count } => tail::follow(&api, &out, &monitors, count),
        Command::Apply { file, dry_run, prune } => commands::apply(&api, &out, &file, dry_run, prune),
        Command::Import { source, dry_run } => match source {
            ImportSource::Healthchecks { api_url, api_key, file } => {
                commands::import_healthchecks(&api, &out, api_url, api_key, file, dry_run)
            }
            ImportSource::UptimeKuma { file } => commands::import_uptime_kuma(&api, &out, &file, dry_run),
        },
        Command::Export { format } => commands::export(&api, &format),
        Command::Mcp => commands::mcp(&api),
    }
}
