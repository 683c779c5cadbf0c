/**
 * Go's `FuzzConnConfig` (`[p2p] test_fuzz_config`): how a fuzzed test connection misbehaves.
 * Only read when {@link P2PConfig.testFuzz} is true.
 */
export interface FuzzConnConfig {
  /** `Mode`: 0 = drop (`FuzzModeDrop`), 1 = delay (`FuzzModeDelay`). */
  mode: number
  /** `MaxDelay`, in milliseconds. */
  maxDelayMs: number
  /** `ProbDropRW`: probability of dropping a read or write. */
  probDropRW: number
  /** `ProbDropConn`: probability of dropping the connection. */
  probDropConn: number
  /** `ProbSleep`: probability of sleeping before a read or write. */
  probSleep: number
}

/**
 * Every field of CometBFT v0.34's `[p2p]` section (Go `config.P2PConfig`), plus the node-level
 * settings the p2p layer needs. Names are Go's, in camelCase; durations are milliseconds; Go's
 * comma-separated strings are arrays (entries trimmed of spaces, empty entries dropped, as Go's
 * `splitAndTrimEmpty` does); file paths are already resolved against {@link home}.
 *
 * Layers never read this type: `@p2p/node` maps it onto each layer's own options.
 */
export interface P2PConfig {
  // ---- node-level settings (outside `[p2p]`) ----

  /** Go `RootDir` (`home`): base directory of relative file paths. `''` means the working directory. */
  home: string
  /** `moniker`: the node's name, sent in NodeInfo. Go's default is the host name. */
  moniker: string
  /** `rpc.laddr`: sent as NodeInfo `other.rpc_address`. */
  rpcListenAddress: string
  /** `filter_peers`: ask the ABCI application whether to keep each new peer. */
  filterPeers: boolean
  /** `node_key_file` resolved against {@link home}. */
  nodeKeyFile: string

  // ---- [p2p] ----

  /** `laddr`: TCP listen address, `scheme://host:port` (the scheme is ignored). */
  listenAddress: string
  /** `external_address`: address advertised to peers; `''` = advertise {@link listenAddress}. */
  externalAddress: string
  /** `seeds`: `id@host:port` seed nodes, used by PEX when the address book is empty. */
  seeds: string[]
  /** `persistent_peers`: `id@host:port` peers dialled at start and redialled for ever. */
  persistentPeers: string[]
  /** `upnp`: UPnP port mapping. Go v0.34.35 reads it nowhere but the CLI flag. */
  upnp: boolean
  /** `addr_book_file` resolved against {@link home}. */
  addrBookFile: string
  /** `addr_book_strict`: only accept routable addresses. Set false for private networks. */
  addrBookStrict: boolean
  /** `max_num_inbound_peers`, unconditional peers excluded. */
  maxNumInboundPeers: number
  /** `max_num_outbound_peers`, unconditional and persistent peers excluded. */
  maxNumOutboundPeers: number
  /** `unconditional_peer_ids`: node IDs exempt from the peer limits. */
  unconditionalPeerIds: string[]
  /** `persistent_peers_max_dial_period` (ms): cap of the redial backoff; 0 = no cap. */
  persistentPeersMaxDialPeriodMs: number
  /** `flush_throttle_timeout` (ms): MConnection flush throttle. */
  flushThrottleTimeoutMs: number
  /** `max_packet_msg_payload_size` (bytes): PacketMsg data size; must match the peers'. */
  maxPacketMsgPayloadSize: number
  /** `send_rate` (bytes/s per connection). */
  sendRate: number
  /** `recv_rate` (bytes/s per connection). */
  recvRate: number
  /** `pex`: run the peer-exchange reactor. */
  pexReactor: boolean
  /** `seed_mode`: crawl the network and answer PEX requests, then disconnect. */
  seedMode: boolean
  /** `private_peer_ids`: node IDs never gossiped. */
  privatePeerIds: string[]
  /** `allow_duplicate_ip`: accept several peers from one IP address. */
  allowDuplicateIp: boolean
  /** `handshake_timeout` (ms). Go v0.34.35's transport ignores it (3 s is hard-coded). */
  handshakeTimeoutMs: number
  /** `dial_timeout` (ms). Go v0.34.35's transport ignores it (1 s is hard-coded). */
  dialTimeoutMs: number
  /** `test_dial_fail`: testing only, every dial fails. */
  testDialFail: boolean
  /** `test_fuzz`: testing only, wrap connections in a fuzzer. */
  testFuzz: boolean
  /** `test_fuzz_config`: testing only. */
  testFuzzConfig: FuzzConnConfig
}
