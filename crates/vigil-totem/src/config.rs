//! Protocol options, named and defaulted as in corosync.conf(5)'s `totem`
//! section. Every duration is in milliseconds, like the configuration file.

use std::time::Duration;

/// The `totem { ... }` options Vigil's Totem understands.
///
/// Derived values (`token_retransmit`, `hold`, `consensus`) are `None` by
/// default and then computed from `token` exactly as corosync.conf(5)
/// describes; set them to override.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotemConfig {
    /// `token`: ms without the token before it is declared lost (3000).
    /// The effective timeout grows by `token_coefficient` per node beyond two.
    pub token: u32,
    /// `token_coefficient`: ms added to `token` per node beyond two when the
    /// nodelist has at least three nodes (650).
    pub token_coefficient: u32,
    /// `token_retransmits_before_loss_const`: token retransmissions before
    /// the token is declared lost (4); sets the default `token_retransmit`.
    pub token_retransmits_before_loss_const: u32,
    /// `token_retransmit`: ms before a token that was passed on is sent
    /// again; default `token / (token_retransmits_before_loss_const + 0.2)`.
    pub token_retransmit: Option<u32>,
    /// `hold`: ms the representative holds the token on an idle ring;
    /// default `token_retransmit * 0.8 - 10` (corosync's `1000/HZ`, HZ 100).
    pub hold: Option<u32>,
    /// `join`: ms between join messages while gathering (50).
    pub join: u32,
    /// `send_join`: upper bound (ms) of a random delay before the first join
    /// message after entering Gather, to spread join storms on big rings (0).
    pub send_join: u32,
    /// `consensus`: ms to wait for consensus in Gather before the silent
    /// processors are declared failed; default `1.2 * token`.
    pub consensus: Option<u32>,
    /// `merge`: ms between merge-detect probes sent by a ring's
    /// representative so that partitions find each other again (200).
    pub merge: u32,
    /// `fail_recv_const`: token rotations in which this processor receives
    /// no missing message before it forms a new configuration (2500).
    pub fail_recv_const: u32,
    /// `seqno_unchanged_const`: idle token rotations (no new message)
    /// before the representative starts holding the token (30).
    pub seqno_unchanged_const: u32,
    /// `max_messages`: messages one processor may send per token visit (17).
    pub max_messages: u32,
    /// `window_size`: messages all processors together may send in one token
    /// rotation (50).
    pub window_size: u32,
    /// `netmtu`: largest datagram (bytes) the transport carries (1500, as
    /// corosync's udp/udpu). Application messages larger than one datagram
    /// are fragmented; [`crate::FRAME_RESERVE`] bytes are left for the
    /// transport's own framing and encryption.
    pub netmtu: u32,
}

impl Default for TotemConfig {
    fn default() -> Self {
        Self {
            token: 3000,
            token_coefficient: 650,
            token_retransmits_before_loss_const: 4,
            token_retransmit: None,
            hold: None,
            join: 50,
            send_join: 0,
            consensus: None,
            merge: 200,
            fail_recv_const: 2500,
            seqno_unchanged_const: 30,
            max_messages: 17,
            window_size: 50,
            netmtu: 1500,
        }
    }
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

impl TotemConfig {
    /// The effective token-loss timeout for a nodelist of `nodes` nodes:
    /// `token + (nodes - 2) * token_coefficient` from three nodes on.
    pub fn token_timeout(&self, nodes: usize) -> Duration {
        let extra = if nodes >= 3 {
            (nodes as u64 - 2) * u64::from(self.token_coefficient)
        } else {
            0
        };
        ms(u64::from(self.token) + extra)
    }

    /// `token_retransmit`, or the token timeout divided by
    /// `token_retransmits_before_loss_const + 0.2`.
    pub fn token_retransmit_timeout(&self, nodes: usize) -> Duration {
        match self.token_retransmit {
            Some(v) => ms(u64::from(v)),
            None => {
                let t = self.token_timeout(nodes).as_micros() as u64;
                let div = u64::from(self.token_retransmits_before_loss_const) * 10 + 2;
                Duration::from_micros((t * 10 / div.max(1)).max(1000))
            }
        }
    }

    /// `hold`, or 80 % of the token retransmit timeout less 10 ms.
    pub fn hold_timeout(&self, nodes: usize) -> Duration {
        match self.hold {
            Some(v) => ms(u64::from(v)),
            None => {
                let r = self.token_retransmit_timeout(nodes).as_micros() as u64;
                Duration::from_micros((r * 8 / 10).saturating_sub(10_000).max(r / 2))
            }
        }
    }

    /// `consensus`, or 1.2 times the effective token timeout.
    pub fn consensus_timeout(&self, nodes: usize) -> Duration {
        match self.consensus {
            Some(v) => ms(u64::from(v)),
            None => {
                let t = self.token_timeout(nodes).as_micros() as u64;
                Duration::from_micros(t * 12 / 10)
            }
        }
    }

    /// Payload bytes one fragment may carry.
    pub fn fragment_size(&self) -> usize {
        (self.netmtu as usize)
            .saturating_sub(crate::FRAME_RESERVE)
            .max(64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corosync_defaults() {
        let c = TotemConfig::default();
        assert_eq!(c.token_timeout(2), ms(3000));
        assert_eq!(c.token_timeout(3), ms(3650));
        assert_eq!(c.token_timeout(16), ms(12100));
        // corosync reports token_retransmit 714 and hold 561 for two nodes.
        assert_eq!(c.token_retransmit_timeout(2).as_millis(), 714);
        assert_eq!(c.hold_timeout(2).as_millis(), 561);
        assert_eq!(c.consensus_timeout(2), ms(3600));
        let fast = TotemConfig {
            token: 1000,
            ..TotemConfig::default()
        };
        assert_eq!(fast.token_retransmit_timeout(2).as_millis(), 238);
        assert_eq!(fast.consensus_timeout(2), ms(1200));
    }
}
