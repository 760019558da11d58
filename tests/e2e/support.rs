//! What every end-to-end test uses: an HTTP client for the Worker under test
//! (`PW_TEST_URL`, started by scripts/e2e.sh), accounts made through the real
//! API, and a way to start a Worker of one's own (for restarts and settings).

use reqwest::blocking::{Client as Http, Response};
use reqwest::Method;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn base_url() -> String {
    std::env::var("PW_TEST_URL").expect("PW_TEST_URL is set by scripts/e2e.sh (run `make test`)")
}

/// The JWT secret the Worker under test signs with, to mint expired tokens.
pub fn jwt_secret() -> String {
    std::env::var("PW_JWT_SECRET").expect("PW_JWT_SECRET is set by scripts/e2e.sh")
}

fn http() -> &'static Http {
    static HTTP: OnceLock<Http> = OnceLock::new();
    HTTP.get_or_init(|| {
        Http::builder()
            .timeout(Duration::from_secs(30))
            // wrangler dev's server closes a connection idle for 5 s (Node's
            // keep-alive default); one reused just as it closes answers a
            // request with a reset. Idle ones are dropped well before.
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client")
    })
}

/// A unique email for each call, so tests never collide.
pub fn unique_email(label: &str) -> String {
    format!(
        "{label}-{}@example.com",
        pingwarden::domain::ids::random_base62(10).to_lowercase()
    )
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    fn from(response: Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, headers }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and returns `data`.
    #[track_caller]
    pub fn data(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        &self.body["data"]
    }

    /// Asserts an error answer with this status and code.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> &Reply {
        assert_eq!(
            (self.status, self.body["code"].as_str()),
            (status, Some(code)),
            "unexpected answer: {}",
            self.body
        );
        assert!(
            self.body["error"].as_str().is_some_and(|m| !m.is_empty()),
            "an error message: {}",
            self.body
        );
        self
    }

    /// Asserts a 422 naming `field`.
    #[track_caller]
    pub fn invalid(&self, field: &str) {
        self.error(422, "invalid_field");
        assert_eq!(self.body["field"], json!(field), "{}", self.body);
    }
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Credential {
    None,
    Bearer(String),
    ApiKeyHeader(String),
}

/// A client bound to a base URL, a credential and optionally an organization.
#[derive(Clone, Debug)]
pub struct Client {
    pub base: String,
    pub credential: Credential,
    pub organization: Option<String>,
    /// Sent as `X-Forwarded-For`, which a local Worker trusts from
    /// loopback: the caller's address, for rate limits.
    pub address: Option<String>,
    /// More headers sent with every request (a `User-Agent`, say).
    pub headers: Vec<(String, String)>,
}

impl Client {
    pub fn anonymous() -> Client {
        Client {
            base: base_url(),
            credential: Credential::None,
            organization: None,
            address: None,
            headers: Vec::new(),
        }
    }

    pub fn bearer(token: &str) -> Client {
        Client {
            credential: Credential::Bearer(token.to_string()),
            ..Client::anonymous()
        }
    }

    pub fn in_organization(&self, org_id: &str) -> Client {
        Client {
            organization: Some(org_id.to_string()),
            ..self.clone()
        }
    }

    /// Calls as if from `address`.
    pub fn calling_from(&self, address: &str) -> Client {
        Client {
            address: Some(address.to_string()),
            ..self.clone()
        }
    }

    /// Sends `name: value` with every request too.
    pub fn with_header(&self, name: &str, value: &str) -> Client {
        let mut client = self.clone();
        client.headers.push((name.to_string(), value.to_string()));
        client
    }

    pub fn on(&self, base: &str) -> Client {
        Client {
            base: base.to_string(),
            ..self.clone()
        }
    }

    pub fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut request = http().request(method, format!("{}{path}", self.base));
        request = match &self.credential {
            Credential::None => request,
            Credential::Bearer(token) => request.bearer_auth(token),
            Credential::ApiKeyHeader(key) => request.header("X-Api-Key", key),
        };
        if let Some(org) = &self.organization {
            request = request.header("X-Organization-Id", org);
        }
        if let Some(address) = &self.address {
            request = request.header("X-Forwarded-For", address);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Reply::from(request.send().expect("the Worker answers"))
    }

    pub fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(&body))
    }

    pub fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(&body))
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None)
    }
}

/// A registered user with their personal organization.
pub struct Account {
    pub email: String,
    pub password: String,
    pub user_id: String,
    pub org_id: String,
    pub token: String,
}

impl Account {
    pub fn register(label: &str) -> Account {
        Account::register_on(&base_url(), label)
    }

    pub fn register_on(base: &str, label: &str) -> Account {
        let (email, password) = (unique_email(label), "correct horse battery".to_string());
        let reply = Client::anonymous()
            .on(base)
            .post("/api/v1/auth/register", json!({ "email": email, "password": password }));
        let data = reply.data(201);
        Account {
            user_id: data["user"]["id"].as_str().unwrap().into(),
            org_id: data["organization"]["id"].as_str().unwrap().into(),
            token: data["token"].as_str().unwrap().into(),
            email,
            password,
        }
    }

    pub fn client(&self) -> Client {
        Client::bearer(&self.token)
    }

    /// A new API key of this account's organization.
    pub fn api_key(&self, scopes: &[&str]) -> String {
        let reply = self
            .client()
            .post("/api/v1/api-keys", json!({ "name": "test key", "scopes": scopes }));
        reply.data(201)["key"].as_str().unwrap().to_string()
    }

    pub fn create_monitor(&self, body: Value) -> Value {
        self.client().post("/api/v1/monitors", body).data(201).clone()
    }
}

pub fn http_monitor(name: &str) -> Value {
    json!({ "type": "http", "name": name, "url": "http://127.0.0.1:9/health", "interval_seconds": 60 })
}

/// A Worker of a test's own, on a free port with the given state folder and
/// extra settings; stopped (with everything it started) when dropped. Its
/// output goes to `serve.log` in the state folder, shown if it fails to start.
pub struct Server {
    pub url: String,
    child: Child,
    log: PathBuf,
    state: PathBuf,
}

/// Booting `wrangler dev` takes both cores for seconds: one boot at a time.
static BOOTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Server {
    pub fn start(state_dir: &Path, settings: &[(&str, &str)]) -> Server {
        let _one_at_a_time = BOOTING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let log = state_dir.join("serve.log");
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("a log file in the state folder");
        let mut command = Command::new(root.join("scripts/serve.sh"));
        command
            .env("PORT", port.to_string())
            .env("STATE_DIR", state_dir)
            // `fire_cron` needs workerd's own trigger, which the dashboard's
            // static files would take (scripts/serve.sh).
            .env("SERVE_API_ONLY", "1")
            .envs(settings.iter().copied())
            .stdout(output.try_clone().expect("the log file"))
            .stderr(output);
        // Its own process group, so that stopping it stops workerd too.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("scripts/serve.sh starts");
        let mut server = Server {
            url: format!("http://127.0.0.1:{port}"),
            child,
            log,
            state: state_dir.to_path_buf(),
        };
        server.wait_until_healthy();
        server
    }

    /// Runs SQL on this Worker's local D1 the way an operator would
    /// (`wrangler d1 execute --local`), for tests that inject a fault into
    /// the real database or read what it holds; returns the rows.
    pub fn d1(&self, sql: &str) -> Vec<Value> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let output = Command::new(root.join("node_modules/.bin/wrangler"))
            .current_dir(&root)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "true")
            .args(["d1", "execute", "DB", "--local", "--json", "--persist-to"])
            .arg(&self.state)
            .args(["--command", sql])
            .output()
            .expect("wrangler runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "wrangler d1 execute failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answers: Value = serde_json::from_str(&text).expect("wrangler's JSON answer");
        answers[0]["results"].as_array().cloned().unwrap_or_default()
    }

    /// Fires the cron trigger as Cloudflare would, at `time_ms` if given
    /// (workerd's own route; wrangler's `/__scheduled` ignores `time`).
    #[track_caller]
    pub fn fire_cron(&self, time_ms: Option<i64>) {
        let time = time_ms.map(|ms| format!("&time={ms}")).unwrap_or_default();
        let fired = Client::anonymous()
            .on(&self.url)
            .get(&format!("/cdn-cgi/handler/scheduled?cron=*+*+*+*+*{time}"));
        assert_eq!(fired.status, 200, "{}", fired.body);
    }

    /// What the Worker printed so far (`console.log` included), across
    /// restarts on the same state folder.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if http()
                .get(format!("{}/api/health", self.url))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!("the Worker on {} stopped ({exit}):\n{}", self.url, self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "the Worker on {} did not become healthy within 120 s:\n{}",
            self.url,
            self.log_tail()
        );
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// A fresh temporary folder, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "pingwarden-{label}-{}",
            pingwarden::domain::ids::random_base62(8)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Polls `probe` every 250 ms until it returns something, for at most
/// `seconds`; panics with `what` when time runs out.
#[track_caller]
pub fn wait_for<T>(seconds: u64, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "gave up after {seconds} s waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

impl Account {
    /// The monitor's latest check results (newest first).
    pub fn checks(&self, monitor_id: &str, query: &str) -> Vec<Value> {
        let reply = self
            .client()
            .get(&format!("/api/v1/monitors/{monitor_id}/checks?{query}"));
        reply.data(200).as_array().cloned().unwrap_or_default()
    }

    pub fn monitor_status(&self, monitor_id: &str) -> String {
        self.client().get(&format!("/api/v1/monitors/{monitor_id}")).data(200)["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until the monitor has this status.
    #[track_caller]
    pub fn wait_until_status(&self, monitor_id: &str, status: &str) {
        wait_for(20, &format!("monitor {monitor_id} to be {status}"), || {
            (self.monitor_status(monitor_id) == status).then_some(())
        });
    }

    /// Waits until the monitor has this status, and returns its latest check.
    #[track_caller]
    pub fn wait_for_status(&self, monitor_id: &str, status: &str) -> Value {
        self.wait_until_status(monitor_id, status);
        self.checks(monitor_id, "limit=1")
            .into_iter()
            .next()
            .expect("a check that set the status")
    }
}
