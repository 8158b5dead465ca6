//! `vigild`'s pieces: configuration, transport, the local API and the
//! driver that wires the sans-IO cores (totem, quorum) to the world.

pub mod api;
pub mod civil;
pub mod conf;
pub mod config;
pub mod daemon;
pub mod log;
pub mod node;
pub mod peer;
pub mod render;
pub mod server;
pub mod state;
pub mod testbed;
pub mod transport;
