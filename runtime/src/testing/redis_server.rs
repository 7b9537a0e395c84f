//! A real `redis-server` on loopback for tests: its own port, its own directory,
//! stopped when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// How long a server may take to answer its first `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server` child process listening on `127.0.0.1` (Debian's package:
/// `apt-get install redis-server`). Nothing is persisted (`--save "" --appendonly no`);
/// the process is killed and its directory removed on drop.
///
/// ```no_run
/// # async fn demo() {
/// use portcullis_runtime::testing::RedisServer;
/// use portcullis_runtime::{RedisConfig, SharedState};
///
/// let redis = RedisServer::start().await;
/// let shared = SharedState::Redis(RedisConfig::new(redis.url()));
/// # let _ = shared;
/// # }
/// ```
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    addr: SocketAddr,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free port and waits (up to 10 s) until it answers `PING`.
    ///
    /// # Panics
    ///
    /// When `redis-server` is not installed or does not come up: a test that needs
    /// Redis cannot run without it, and says how to get it.
    pub async fn start() -> RedisServer {
        match Self::try_start().await {
            Ok(s) => s,
            Err(e) => panic!(
                "cannot start redis-server ({e}); install it with `apt-get install redis-server` (.ci/run does)"
            ),
        }
    }

    /// [`RedisServer::start`], returning the failure instead of panicking.
    pub async fn try_start() -> std::io::Result<RedisServer> {
        let mut last = None;
        // A port the OS just handed out and released is free unless something races
        // us for it; then the server exits at once and another port is tried.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let dir = std::env::temp_dir()
                .join(format!("portcullis-redis-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let mut server = RedisServer {
                child: None,
                addr,
                dir,
            };
            match server.spawn().await {
                Ok(()) => return Ok(server),
                // Not installed: no other port will help.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("redis-server did not start")))
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Kills the server now (a Redis outage, for tests of the fallback to local state).
    /// Its data is gone; [`RedisServer::restart`] brings up an empty one.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts an empty server again on the same port (Redis back after an outage),
    /// and waits until it answers `PING`.
    ///
    /// # Panics
    ///
    /// When it does not come up (the port was taken meanwhile, or the binary is gone).
    pub async fn restart(&mut self) {
        self.stop();
        if let Err(e) = self.spawn().await {
            panic!("cannot restart redis-server on {} ({e})", self.addr);
        }
    }

    /// Spawns the process on `self.addr` and waits for its `PONG`.
    async fn spawn(&mut self) -> std::io::Result<()> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.addr.port().to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if ping(self.addr).await {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    return Err(std::io::Error::other(format!(
                        "redis-server exited: {status}"
                    )));
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.stop();
        Err(std::io::Error::other(format!(
            "redis-server did not answer PING within {START_TIMEOUT:?}"
        )))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a Redis answers `PING` on `addr` within half a second.
async fn ping(addr: SocketAddr) -> bool {
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        s.write_all(b"PING\r\n").await?;
        let mut buf = [0u8; 7];
        s.read_exact(&mut buf).await?;
        Ok::<_, std::io::Error>(&buf == b"+PONG\r\n")
    };
    matches!(
        tokio::time::timeout(Duration::from_millis(500), exchange).await,
        Ok(Ok(true))
    )
}
