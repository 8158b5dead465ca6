//! The cluster transport: one UDP socket on this node's link-0 address,
//! unicast to each configured member (like corosync's udpu and knet). A
//! background thread receives; the daemon loop sends. Link heartbeats (as
//! knet's pings) tell which peers are reachable, for `vigil cluster links`.

use std::collections::BTreeMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::{Duration, Instant};

/// The largest datagram read.
pub const MAX_DATAGRAM: usize = 65_536;
/// Socket buffer size asked for (the kernel caps it at net.core.*mem_max).
const SOCKET_BUFFER: usize = 4 << 20;

/// A datagram as received.
pub struct Datagram {
    pub from: SocketAddr,
    pub bytes: Vec<u8>,
}

pub struct Transport {
    socket: UdpSocket,
    /// Peer addresses by node id (this node excluded).
    peers: BTreeMap<u32, SocketAddr>,
    /// When each peer was last heard from.
    heard: BTreeMap<u32, Instant>,
    /// When something was last sent to each peer.
    sent: BTreeMap<u32, Instant>,
}

impl Transport {
    /// Binds `local` and starts the receiving thread, which hands every
    /// datagram to `to_loop` (as `T::from`).
    pub fn bind<T: From<Datagram> + Send + 'static>(
        local: SocketAddr,
        peers: BTreeMap<u32, SocketAddr>,
        to_loop: Sender<T>,
    ) -> std::io::Result<Transport> {
        let socket = UdpSocket::bind(local)?;
        let _ = rustix::net::sockopt::set_socket_recv_buffer_size(&socket, SOCKET_BUFFER);
        let _ = rustix::net::sockopt::set_socket_send_buffer_size(&socket, SOCKET_BUFFER);
        let receiver = socket.try_clone()?;
        thread::Builder::new()
            .name("udp-recv".into())
            .spawn(move || {
                let mut buf = vec![0u8; MAX_DATAGRAM];
                loop {
                    match receiver.recv_from(&mut buf) {
                        Ok((len, from)) => {
                            let datagram = Datagram {
                                from,
                                bytes: buf[..len].to_vec(),
                            };
                            if to_loop.send(T::from(datagram)).is_err() {
                                return;
                            }
                        }
                        // ICMP errors from an unreachable peer surface
                        // here (ECONNREFUSED); they are not fatal.
                        Err(_) => continue,
                    }
                }
            })?;
        Ok(Transport {
            socket,
            peers,
            heard: BTreeMap::new(),
            sent: BTreeMap::new(),
        })
    }

    /// The node a datagram came from, if it is a configured peer.
    pub fn node_at(&self, addr: SocketAddr) -> Option<u32> {
        self.peers
            .iter()
            .find(|(_, a)| **a == addr)
            .map(|(id, _)| *id)
    }

    /// Notes that `node` was heard from at `now`.
    pub fn heard_from(&mut self, node: u32, now: Instant) {
        self.heard.insert(node, now);
    }

    /// Whether `node` was heard from within `timeout` of `now`.
    pub fn is_connected(&self, node: u32, now: Instant, timeout: Duration) -> bool {
        self.heard
            .get(&node)
            .is_some_and(|at| now.saturating_duration_since(*at) <= timeout)
    }

    /// Sends to one peer. Errors (a peer that is down, a full buffer) are
    /// the network's business: totem retransmits.
    pub fn send_to(&mut self, node: u32, bytes: &[u8]) {
        if let Some(addr) = self.peers.get(&node) {
            let _ = self.socket.send_to(bytes, addr);
            self.sent.insert(node, Instant::now());
        }
    }

    /// Sends to every peer.
    pub fn send_all(&mut self, bytes: &[u8]) {
        let now = Instant::now();
        for (node, addr) in &self.peers {
            let _ = self.socket.send_to(bytes, addr);
            self.sent.insert(*node, now);
        }
    }

    /// The peers nothing was sent to since `since`: those a heartbeat is
    /// for (any packet tells a peer the link works).
    pub fn quiet_since(&self, since: Instant) -> Vec<u32> {
        self.peers
            .keys()
            .filter(|node| self.sent.get(node).is_none_or(|at| *at < since))
            .copied()
            .collect()
    }

    /// The configured peers' ids.
    pub fn peer_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.peers.keys().copied()
    }
}
