//! Harness for Aero2's black-box tests: starts the built Worker under
//! `wrangler dev` (workerd, local D1 and Durable Objects persisted in a
//! directory of the test's own), waits until it answers, and stops the whole
//! process group when dropped. Also a small HTTP client that reaches
//! `<slug>.localhost:<port>` by resolving every name to 127.0.0.1.

pub mod browser;
pub mod webauthn;

use serde_json::Value;
use std::fs::File;
use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Operator credential the test servers are started with.
pub const OPERATOR: &str = "aero2_op_test_0123456789abcdef0123456789abcdef";
/// AES-256-GCM key (base64 of 32 bytes) sealing signing keys in tests.
pub const KEY_ENCRYPTION_KEY: &str = "dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0zMmI=";

/// The wrangler config to run: the repository's, or, when `AERO2_BUILD_DIR`
/// names another build output, a copy of it pointing there (so several
/// checkouts or agents can test their own builds side by side).
fn wrangler_config(state_dir: &Path) -> PathBuf {
    let root = repo_root().canonicalize().expect("repo root");
    let config = root.join("wrangler.toml");
    let Ok(build) = std::env::var("AERO2_BUILD_DIR") else { return config };
    let text = std::fs::read_to_string(&config).expect("wrangler.toml");
    let text = text
        .replace("main = \"build/entry.mjs\"", &format!("main = \"{build}/entry.mjs\""))
        .replace("migrations_dir = \"migrations\"", &format!("migrations_dir = \"{}\"", root.join("migrations").display()))
        .replace("directory = \"ui/dashboard/dist\"", &format!("directory = \"{}\"", root.join("ui/dashboard/dist").display()));
    let copy = state_dir.join("wrangler.toml");
    std::fs::write(&copy, text).expect("write wrangler config");
    copy
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A free loopback port (bound, then released for wrangler to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// A name no other test in this run uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let t = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0);
    format!("{prefix}-{:x}{:x}", t % 0xff_ffff, N.fetch_add(1, Ordering::Relaxed))
}

pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub state_dir: PathBuf,
    log: PathBuf,
    vars: Vec<(String, String)>,
}

fn wrangler() -> Command {
    let root = repo_root();
    let mut c = Command::new(root.join("node_modules/.bin/wrangler"));
    let path = format!("{}:{}", root.join("node_modules/.bin").display(), std::env::var("PATH").unwrap_or_default());
    c.current_dir(&root)
        .env("PATH", path)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_HIDE_BANNER", "true")
        .env("X_LOCAL_OBSERVABILITY", "false")
        .env("X_LOCAL_EXPLORER", "false")
        .env("CI", "true");
    c
}

impl Server {
    /// Applies the D1 migrations to `state_dir` and starts the Worker on a
    /// free port. Panics (failing the test run) if it is not ready in time.
    pub fn start(state_dir: &Path) -> Server {
        Self::start_with(state_dir, &[])
    }

    /// Like [`Server::start`], with extra Worker variables (`--var`).
    pub fn start_with(state_dir: &Path, vars: &[(&str, &str)]) -> Server {
        std::fs::create_dir_all(state_dir).expect("state dir");
        let log = state_dir.join("wrangler.log");
        let config = wrangler_config(state_dir);
        let status = wrangler()
            .args(["d1", "migrations", "apply", "DB", "--local", "--config"])
            .arg(&config)
            .arg("--persist-to")
            .arg(state_dir)
            .stdout(File::create(state_dir.join("migrations.log")).expect("log"))
            .stderr(Stdio::inherit())
            .status()
            .expect("run wrangler d1 migrations apply");
        assert!(status.success(), "migrations failed: see {}", state_dir.join("migrations.log").display());
        let vars = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Self::spawn(state_dir, free_port(), log, vars)
    }

    fn spawn(state_dir: &Path, port: u16, log: PathBuf, vars: Vec<(String, String)>) -> Server {
        let out = File::options().create(true).append(true).open(&log).expect("log file");
        let child = wrangler()
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--inspector-port", "0"])
            .arg("--config")
            .arg(wrangler_config(state_dir))
            .arg("--persist-to")
            .arg(state_dir)
            .args(["--show-interactive-dev-session=false", "--log-level", "warn"])
            .args(["--var", &format!("AERO2_BOOTSTRAP_SECRET:{OPERATOR}")])
            // The Dashboard web app's origin: its client's redirect URI.
            .args(["--var", &format!("DASHBOARD_ORIGIN:http://dashboard.localhost:{port}")])
            .args(
                (!vars.iter().any(|(k, _)| k == "AERO2_KEY_ENCRYPTION_KEY"))
                    .then(|| ["--var".to_owned(), format!("AERO2_KEY_ENCRYPTION_KEY:{KEY_ENCRYPTION_KEY}")])
                    .into_iter()
                    .flatten(),
            )
            .args(vars.iter().flat_map(|(k, v)| ["--var".to_owned(), format!("{k}:{v}")]))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            // Its own process group, so teardown reaches workerd too.
            .process_group(0)
            .spawn()
            .expect("spawn wrangler dev");
        let mut server = Server { child: Some(child), port, state_dir: state_dir.to_owned(), log, vars };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let client = self.client();
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("wrangler dev exited ({status}); log:\n{}", self.log_tail());
                }
            }
            if client.get("dashboard", "/.well-known/aero2-health").status == 200 {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("wrangler dev not ready after 90 s; log:\n{}", self.log_tail());
    }

    pub fn log_tail(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s.chars().rev().take(4000).collect::<String>().chars().rev().collect()
    }

    /// A client for this server's platform domain (`PLATFORM_DOMAIN` if it
    /// was started with one, else `localhost`).
    pub fn client(&self) -> Client {
        match self.vars.iter().find(|(k, _)| k == "PLATFORM_DOMAIN") {
            Some((_, domain)) => Client::on_domain(self.port, domain),
            None => Client::new(self.port),
        }
    }

    /// Stops the runtime (whole process group) and starts it again on the
    /// same port and state directory.
    pub fn restart(&mut self) {
        self.stop();
        let (dir, port, log, vars) = (self.state_dir.clone(), self.port, self.log.clone(), self.vars.clone());
        *self = Self::spawn(&dir, port, log, vars);
    }

    /// Like [`Server::restart`], with these Worker variables instead.
    pub fn restart_with(&mut self, vars: &[(&str, &str)]) {
        self.vars = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        self.restart();
    }

    /// Stops the runtime, runs `sql` against the local D1 database's file
    /// (`wrangler d1 execute --local`, as someone with the disk would), and
    /// starts it again on the same port.
    pub fn edit_d1_offline(&mut self, sql: &str) {
        self.stop();
        let config = wrangler_config(&self.state_dir);
        let status = wrangler()
            .args(["d1", "execute", "DB", "--local", "--yes", "--config"])
            .arg(&config)
            .arg("--persist-to")
            .arg(&self.state_dir)
            .args(["--command", sql])
            .stdout(File::create(self.state_dir.join("d1-edit.log")).expect("log"))
            .stderr(Stdio::inherit())
            .status()
            .expect("run wrangler d1 execute");
        assert!(status.success(), "d1 execute failed: see {}", self.state_dir.join("d1-edit.log").display());
        let (dir, port, log, vars) = (self.state_dir.clone(), self.port, self.log.clone(), self.vars.clone());
        *self = Self::spawn(&dir, port, log, vars);
    }

    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let pgid = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &pgid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &pgid]).stderr(Stdio::null()).status();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A response, whatever its status.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// The `error` member of a JSON error body.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }

    /// Asserts status and `error` code together, showing the body on failure.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.error().as_str()), (status, code), "body: {}", self.body);
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.body);
        self
    }
}

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    port: u16,
    /// The platform domain applications are subdomains of.
    domain: String,
}

impl Client {
    pub fn new(port: u16) -> Client {
        Self::on_domain(port, "localhost")
    }

    /// A client for a Worker whose `PLATFORM_DOMAIN` is `domain`.
    pub fn on_domain(port: u16, domain: &str) -> Client {
        let agent = ureq::AgentBuilder::new()
            // Every name (myapp.localhost, auth.example.test) goes to the
            // Worker on loopback; 127.0.0.1:<port> (a local upstream) as is.
            .resolver(move |netloc: &str| match netloc.strip_prefix("127.0.0.1:").and_then(|p| p.parse::<u16>().ok()) {
                Some(p) => Ok(vec![SocketAddr::from(([127, 0, 0, 1], p))]),
                None => Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))]),
            })
            .redirects(0)
            .timeout(Duration::from_secs(30))
            .build();
        Client { agent, port, domain: domain.to_owned() }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `host:port` of an application's subdomain (or a whole hostname).
    pub fn authority(&self, host: &str) -> String {
        let hostname = if host.contains('.') { host.to_owned() } else { format!("{host}.{}", self.domain) };
        format!("{hostname}:{}", self.port)
    }

    /// `slug` is a subdomain of the platform domain unless it contains a
    /// dot, in which case it is used as the whole hostname (custom domains).
    pub fn url(&self, host: &str, path: &str) -> String {
        let hostname = if host.contains('.') { host.to_owned() } else { format!("{host}.{}", self.domain) };
        format!("http://{hostname}:{}{path}", self.port)
    }

    pub fn send(&self, method: &str, host: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
        self.send_url(method, &self.url(host, path), headers, body.map(str::as_bytes))
    }

    /// A request to a full URL (every host still goes to loopback).
    pub fn send_url(&self, method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
        let mut req = self.agent.request(method, url);
        for (n, v) in headers {
            req = req.set(n, v);
        }
        let result = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Resp { status: 0, headers: vec![], body: e.to_string() },
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .flat_map(|n| resp.all(&n).into_iter().map(|v| (n.clone(), v.to_owned())).collect::<Vec<_>>())
            .collect();
        let body = resp.into_string().unwrap_or_default();
        Resp { status, headers, body }
    }

    pub fn get(&self, host: &str, path: &str) -> Resp {
        self.send("GET", host, path, &[], None)
    }

    /// A management-API call on the dashboard host with a bearer credential.
    pub fn api(&self, method: &str, path: &str, key: &str, body: Option<&Value>) -> Resp {
        let auth = format!("Bearer {key}");
        let text = body.map(Value::to_string);
        let mut headers = vec![("authorization", auth.as_str())];
        if text.is_some() {
            headers.push(("content-type", "application/json"));
        }
        self.send(method, "dashboard", &format!("/api/v1{path}"), &headers, text.as_deref())
    }

    /// Creates an application as the operator; returns its JSON.
    pub fn create_app(&self, slug: &str) -> Value {
        let r = self.api("POST", "/applications", OPERATOR, Some(&serde_json::json!({"slug": slug, "name": slug})));
        r.assert_status(201);
        r.json()
    }

    /// The operator's view of `host`'s health (its object, storage, signer,
    /// mailer); anonymous checks only learn that the Worker is up.
    pub fn health(&self, host: &str) -> Resp {
        self.send("GET", host, "/.well-known/aero2-health", &[("authorization", &format!("Bearer {OPERATOR}"))], None)
    }

    /// The local mailer's outbox of `app_id`, oldest first.
    pub fn outbox(&self, app_id: &str) -> Vec<Value> {
        let r = self.api("GET", &format!("/applications/{app_id}/outbox"), OPERATOR, None);
        r.assert_status(200);
        r.json()["messages"].as_array().cloned().unwrap_or_default()
    }

    /// The outbox once `ready` holds for it. Mail leaves through the
    /// application's delivery queue, after the response that caused it, so
    /// tests wait for it (at most 15 s).
    #[track_caller]
    pub fn wait_for_mail(&self, app_id: &str, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mail = self.outbox(app_id);
            if ready(&mail) {
                return mail;
            }
            assert!(Instant::now() < deadline, "the expected mail did not arrive: {mail:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The messages of `kind` to `recipient`, once there are `n` of them.
    #[track_caller]
    pub fn mail_to(&self, app_id: &str, recipient: &str, kind: &str, n: usize) -> Vec<Value> {
        let of = |m: &Value| m["recipient"] == recipient && m["kind"] == kind;
        let all = self.wait_for_mail(app_id, |mail| mail.iter().filter(|m| of(m)).count() >= n);
        all.into_iter().filter(of).collect()
    }

    /// Mints a key of `kind` ("pk" or "sk") for `app_id`; returns its JSON.
    pub fn create_key(&self, app_id: &str, kind: &str) -> Value {
        let r = self.api("POST", &format!("/applications/{app_id}/keys"), OPERATOR, Some(&serde_json::json!({"kind": kind})));
        r.assert_status(201);
        r.json()
    }
}

/// An HTTP client for the `openidconnect` crate: every status comes back as
/// a response (the crate parses OAuth error bodies itself), only transport
/// failures are errors.
pub fn oidc_http(c: &Client) -> impl Fn(openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, std::io::Error> + '_ {
    move |req: openidconnect::HttpRequest| {
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let refs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let body = (req.method() == openidconnect::http::Method::POST).then(|| req.body().as_slice());
        let r = c.send_url(req.method().as_str(), &req.uri().to_string(), &refs, body);
        if r.status == 0 {
            return Err(std::io::Error::other(r.body));
        }
        let mut builder = openidconnect::http::Response::builder().status(r.status);
        for (n, v) in &r.headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        builder.body(r.body.into_bytes()).map_err(std::io::Error::other)
    }
}

/// An `Authorization: Basic` value for client credentials (RFC 6749
/// §2.3.1: id and secret form-encoded, then base64).
pub fn basic_auth(id: &str, secret: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let enc = |v: &str| browser::form_encode(&[("x", v)])[2..].to_owned();
    let raw = format!("{}:{}", enc(id), enc(secret));
    let mut out = String::from("Basic ");
    for chunk in raw.as_bytes().chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8) | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= chunk.len() { A[((n >> (18 - 6 * i)) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// A local upstream server for the Relying Party tests (`tests/upstream/*.mjs`
/// on the repository's Node), stopped when dropped.
pub struct Upstream {
    child: Child,
    pub port: u16,
    /// The first line it printed: `{"ready":true,"port":…,…}`.
    pub info: Value,
}

impl Upstream {
    pub fn start(script: &str) -> Upstream {
        use std::io::BufRead;
        let root = repo_root();
        let mut child = Command::new(root.join("node_modules/.bin/node"))
            .arg(root.join("tests/upstream").join(script))
            .current_dir(root.join("tests/upstream"))
            .env("NODE_PATH", root.join("node_modules"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn upstream");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("upstream ready line");
        // Keep reading what it prints (oidc-provider logs warnings to
        // stdout): a closed pipe would kill it with EPIPE.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let info: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("{script} did not start: {line}"));
        let port = info["port"].as_u64().expect("port") as u16;
        Upstream { child, port, info }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first link in a mail body that starts with `path` (e.g.
/// `/verify?token=`), as a path and query on the application's host.
pub fn link_in(body: &str, path: &str) -> Option<String> {
    let at = body.find(path)?;
    Some(body[at..].split_whitespace().next().unwrap_or_default().to_owned())
}

/// Opens a raw connection to the Worker and sends `head` (an HTTP request
/// line and headers, without the blank line) and `body` as is: for what an
/// HTTP client library will not send (a body that never ends, a request
/// abandoned mid-way).
pub fn raw_send(port: u16, head: &str, body: &[u8]) -> std::net::TcpStream {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(format!("{head}\r\n\r\n").as_bytes()).expect("send head");
    // The server may stop reading (and close) before all of it is sent.
    let _ = s.write_all(body);
    s
}
