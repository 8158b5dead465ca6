//! Arbitrary bytes as Totem packets: `decode` never panics, whatever
//! decodes re-encodes to the same message, and a processor fed a stream of
//! arbitrary packets and timeouts never panics either.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use vigil_totem::{Input, Totem, TotemConfig, wire};

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = wire::decode(data) {
        assert_eq!(wire::decode(&wire::encode(&msg)), Ok(msg));
    }
    let nodes = [1, 2, 3];
    let mut totem = Totem::new(1, &nodes, TotemConfig::default(), Duration::ZERO, 0, 7);
    let mut now = Duration::ZERO;
    // Each chunk: [from, delay_ms, len, bytes...].
    let mut rest = data;
    while rest.len() >= 3 {
        let (from, delay, len) = (rest[0] % 4, rest[1], usize::from(rest[2]));
        rest = &rest[3..];
        let take = len.min(rest.len());
        now += Duration::from_millis(u64::from(delay) * 10);
        let _ = totem.handle(now, Input::Timeout);
        let _ = totem.handle(now, Input::Packet { from: u32::from(from), bytes: &rest[..take] });
        rest = &rest[take..];
        while totem.poll_output().is_some() {}
    }
});
