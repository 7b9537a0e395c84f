//! A real `redis-server` on loopback for tests: its own port, its own directory,
//! stopped when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` child process listening on `127.0.0.1` (Debian's package:
/// `apt-get install redis-server`). Nothing is persisted; the process is killed and
/// its directory removed on drop.
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
    /// Starts a server and waits (up to 10 s) until it answers `PING`.
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
        // A port the OS just handed out and released: free unless something races us.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dir = std::env::temp_dir().join(format!(
            "portcullis-redis-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut server = RedisServer {
            child: Some(child),
            addr,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if ping(addr) {
                return Ok(server);
            }
            if let Some(child) = server.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    return Err(std::io::Error::other(format!("redis-server exited: {status}")));
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.stop();
        Err(std::io::Error::other("redis-server did not answer PING within 10 s"))
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
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ping(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}
