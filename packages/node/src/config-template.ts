import { formatGoDuration, type P2PConfig } from '@p2p/config'

const q = (s: string): string => JSON.stringify(s)
const list = (a: readonly string[]): string => q(a.join(','))
const dur = (ms: number): string => q(formatGoDuration(ms))

/**
 * A commented config.toml with the keys p2p-node reads, laid out and commented as CometBFT v0.34's
 * own template, so a Go node can use the same file (keys of other sections keep Go's defaults)
 * and an operator recognises every line.
 */
export function renderConfigToml(cfg: P2PConfig): string {
  return `# This is a TOML config file for a CometBFT v0.34 p2p node (written by p2p-node init).
# For more information, see https://github.com/toml-lang/toml
#
# Only the keys below are read by p2p-node; a Go node reading this file keeps its defaults for
# every other key. Relative paths are relative to the home directory.

# A custom human readable name for this node
moniker = ${q(cfg.moniker)}

# Path to the JSON file containing the private key to use for node authentication in the p2p protocol
node_key_file = ${q(relativeTo(cfg.nodeKeyFile, cfg.home))}

# If true, query the ABCI app on connecting to a new peer
# so the app can decide if we should keep the connection or not
filter_peers = ${cfg.filterPeers}

#######################################################
###       RPC Server Configuration Options          ###
#######################################################
[rpc]

# TCP or UNIX socket address for the RPC server to listen on
# (p2p-node runs no RPC server; the address is only advertised in the handshake)
laddr = ${q(cfg.rpcListenAddress)}

#######################################################
###           P2P Configuration Options             ###
#######################################################
[p2p]

# Address to listen for incoming connections
laddr = ${q(cfg.listenAddress)}

# Address to advertise to peers for them to dial
# If empty, will use the same port as the laddr,
# and will introspect on the listener or use UPnP
# to figure out the address. ip and port are required
# example: 159.89.10.97:26656
external_address = ${q(cfg.externalAddress)}

# Comma separated list of seed nodes to connect to
seeds = ${list(cfg.seeds)}

# Comma separated list of nodes to keep persistent connections to
persistent_peers = ${list(cfg.persistentPeers)}

# UPNP port forwarding (not implemented by p2p-node)
upnp = ${cfg.upnp}

# Path to address book
addr_book_file = ${q(relativeTo(cfg.addrBookFile, cfg.home))}

# Set true for strict address routability rules
# Set false for private or local networks
addr_book_strict = ${cfg.addrBookStrict}

# Maximum number of inbound peers
max_num_inbound_peers = ${cfg.maxNumInboundPeers}

# Maximum number of outbound peers to connect to, excluding persistent peers
max_num_outbound_peers = ${cfg.maxNumOutboundPeers}

# List of node IDs, to which a connection will be (re)established ignoring any existing limits
unconditional_peer_ids = ${list(cfg.unconditionalPeerIds)}

# Maximum pause when redialing a persistent peer (if zero, exponential backoff is used)
persistent_peers_max_dial_period = ${dur(cfg.persistentPeersMaxDialPeriodMs)}

# Time to wait before flushing messages out on the connection
flush_throttle_timeout = ${dur(cfg.flushThrottleTimeoutMs)}

# Maximum size of a message packet payload, in bytes
max_packet_msg_payload_size = ${cfg.maxPacketMsgPayloadSize}

# Rate at which packets can be sent, in bytes/second
send_rate = ${cfg.sendRate}

# Rate at which packets can be received, in bytes/second
recv_rate = ${cfg.recvRate}

# Set true to enable the peer-exchange reactor
pex = ${cfg.pexReactor}

# Seed mode, in which node constantly crawls the network and looks for
# peers. If another node asks it for addresses, it responds and disconnects.
#
# Does not work if the peer-exchange reactor is disabled.
seed_mode = ${cfg.seedMode}

# Comma separated list of peer IDs to keep private (will not be gossiped to other peers)
private_peer_ids = ${list(cfg.privatePeerIds)}

# Toggle to disable guard against peers connecting from the same ip.
allow_duplicate_ip = ${cfg.allowDuplicateIp}

# Peer connection configuration.
handshake_timeout = ${dur(cfg.handshakeTimeoutMs)}
dial_timeout = ${dur(cfg.dialTimeoutMs)}
`
}

function relativeTo(path: string, home: string): string {
  if (home !== '' && path.startsWith(`${home}/`)) return path.slice(home.length + 1)
  return path
}
