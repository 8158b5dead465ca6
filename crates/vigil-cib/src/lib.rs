//! The CIB (cluster information base): Pacemaker's XML document of
//! configuration and status, and a typed view over it.

pub mod time;
