//! Which configured node this process is.

use std::net::UdpSocket;

use crate::config::{ClusterConfig, NodeEntry};

/// Finds this node: by `--nodeid`/`--name` when given, else the one
/// nodelist entry whose `ring0_addr` is an address of this machine (one a
/// UDP socket can bind).
pub fn local_node<'a>(
    config: &'a ClusterConfig,
    nodeid: Option<u32>,
    name: Option<&str>,
) -> Result<&'a NodeEntry, String> {
    let listed = || {
        config
            .nodes
            .iter()
            .map(|n| format!("{} ({})", n.nodeid, n.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(id) = nodeid {
        return config.node(id).ok_or_else(|| {
            format!(
                "--nodeid {id}: no such node in {} (listed: {})",
                config.file.display(),
                listed()
            )
        });
    }
    if let Some(name) = name {
        return config.node_named(name).ok_or_else(|| {
            format!(
                "--name {name}: no such node in {} (listed: {})",
                config.file.display(),
                listed()
            )
        });
    }
    let local: Vec<&NodeEntry> = config
        .nodes
        .iter()
        .filter(|n| UdpSocket::bind((n.addr.ip(), 0)).is_ok())
        .collect();
    match local.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "none of the nodelist addresses in {} belongs to this machine; pass --nodeid or --name",
            config.file.display()
        )),
        several => Err(format!(
            "several nodelist addresses are local ({}); pass --nodeid or --name to say which node this is",
            several
                .iter()
                .map(|n| format!("{} = {}", n.nodeid, n.ring0_addr))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(addrs: &[&str]) -> ClusterConfig {
        let mut text = String::from("totem {\n cluster_name: t\n}\nnodelist {\n");
        for (i, a) in addrs.iter().enumerate() {
            text += &format!(
                " node {{\n  ring0_addr: {a}\n  nodeid: {}\n  name: n{}\n }}\n",
                i + 1,
                i + 1
            );
        }
        text += "}\n";
        ClusterConfig::parse(&text, Path::new("c.conf")).unwrap()
    }

    #[test]
    fn by_flag_or_by_address() {
        // 192.0.2.0/24 (TEST-NET-1) is never local.
        let c = config(&["127.0.0.1", "192.0.2.7"]);
        assert_eq!(local_node(&c, None, None).unwrap().nodeid, 1);
        assert_eq!(local_node(&c, Some(2), None).unwrap().name, "n2");
        assert_eq!(local_node(&c, None, Some("n2")).unwrap().nodeid, 2);
        assert!(
            local_node(&c, Some(9), None)
                .unwrap_err()
                .contains("listed: 1 (n1), 2 (n2)")
        );
        let c = config(&["127.0.0.1", "127.0.0.2"]);
        assert!(local_node(&c, None, None).unwrap_err().contains("several"));
        let c = config(&["192.0.2.7"]);
        assert!(local_node(&c, None, None).unwrap_err().contains("none of"));
    }
}
