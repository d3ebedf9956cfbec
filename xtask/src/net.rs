//! Loopback helpers for the runs that start servers: free ports, and
//! waiting until a server listens.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// `N` distinct free loopback ports (every listener is held until all are
/// known, so no two are the same).
pub fn free_ports<const N: usize>() -> Result<[u16; N], String> {
    let mut held = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in &mut ports {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
        *port = listener
            .local_addr()
            .map_err(|e| format!("finding a free port: {e}"))?
            .port();
        held.push(listener);
    }
    Ok(ports)
}

/// Waits up to 20 s until `addr` accepts connections; the error names the
/// server and its log.
pub fn wait_listening(addr: SocketAddr, what: &str, log: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            return Err(format!(
                "{what} did not listen on {addr} within 20 s (log: {})",
                log.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
