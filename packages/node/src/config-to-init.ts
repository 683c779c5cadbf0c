/**
 * The one place where `P2PConfig` (Go's config.toml) becomes each layer's own options. Layers
 * never read the config: each declares an `XxxInit` with defaults, and this file decides which
 * config key feeds which option.
 */
import { join } from 'node:path'
import type { P2PConfig } from '@p2p/config'
import type { AddrBookInit } from '@p2p/addrbook'
import type { PexInit } from '@p2p/pex'
import type { SwitchInit } from '@p2p/switch'
import type { StackInit, TcpTransportInit } from '@p2p/transport'
import { removeProtocolIfDefined, splitNetAddress } from '@p2p/types'
import type { NodeID } from '@p2p/types'

/** The switch options the config sets. */
export type SwitchInitFromConfig = Required<Pick<SwitchInit, 'maxInboundPeers' | 'maxOutboundPeers' | 'unconditionalPeerIds' | 'persistentPeerIds' | 'allowDuplicateIp'>>

/** The PEX options the config sets. */
export type PexInitFromConfig = Required<Pick<PexInit, 'seedMode' | 'privatePeerIds'>>

/** The peer-manager options the config sets (a subset of `@p2p/peer-manager`'s `PeerManagerInit`). */
export interface PeerManagerInitFromConfig {
  persistentPeers: string[]
  seeds: string[]
  unconditionalPeerIds: NodeID[]
  maxOutboundPeers: number
  allowDuplicateIp: boolean
  /** `persistent_peers_max_dial_period` when set (Go's 0 means "no cap": the manager's default cap applies). */
  persistentBackoffMaxMs?: number
  /** The last good outbound peers, redialled first at start: `<home>/data/anchors.json` when there is a home. */
  anchorsFile?: string
}

/** What the NodeInfo takes from the config. */
export interface NodeInfoFromConfig {
  moniker: string
  rpcAddress: string
  /** `external_address` if set (scheme removed), else undefined: advertise the bound listen address. */
  externalAddress: string | undefined
}

/** Every layer's options derived from one `P2PConfig`. */
export interface LayerInits {
  transport: TcpTransportInit & StackInit
  addrBook: AddrBookInit
  switch: SwitchInitFromConfig
  /** `undefined` when `pex = false`. */
  pex: PexInitFromConfig | undefined
  peerManager: PeerManagerInitFromConfig
  nodeInfo: NodeInfoFromConfig
  /** Keys that are set but that this implementation does not act on, as one line each. */
  ignored: string[]
}

/**
 * Maps `cfg` onto every layer's options. Where Go v0.34.35 reads a key nowhere (`dial_timeout`
 * and `handshake_timeout`: its transport hard-codes 1 s and 3 s), we do the same, so a node
 * behaves as a Go node with the same file.
 */
export function configToInit(cfg: P2PConfig): LayerInits {
  const persistentPeerIds = cfg.persistentPeers.map((p) => splitNetAddress(p).id)
  const unconditionalPeerIds = cfg.unconditionalPeerIds as NodeID[]
  const ignored: string[] = []
  if (cfg.upnp) ignored.push('p2p.upnp = true: UPnP is not implemented (as in Go v0.34, where nothing reads it)')
  if (cfg.filterPeers) ignored.push('filter_peers = true: there is no ABCI application to ask; peers are not filtered')
  if (cfg.testDialFail) ignored.push('p2p.test_dial_fail = true: testing switch, not implemented')
  if (cfg.testFuzz) ignored.push('p2p.test_fuzz = true: connection fuzzing is not implemented')
  if (cfg.seedMode && !cfg.pexReactor) ignored.push('p2p.seed_mode = true has no effect with p2p.pex = false')
  return {
    transport: {
      listen: removeProtocolIfDefined(cfg.listenAddress),
      allowDuplicateIp: cfg.allowDuplicateIp,
      // Go's MaxIncomingConnections: inbound peers plus the unconditional ones.
      maxInboundConnections: cfg.maxNumInboundPeers + cfg.unconditionalPeerIds.length,
      mconnection: {
        sendRate: cfg.sendRate,
        recvRate: cfg.recvRate,
        flushThrottleMs: cfg.flushThrottleTimeoutMs,
        maxPacketMsgPayloadSize: cfg.maxPacketMsgPayloadSize
      }
    },
    addrBook: {
      filePath: cfg.addrBookFile,
      strict: cfg.addrBookStrict,
      privateIds: cfg.privatePeerIds
    },
    switch: {
      maxInboundPeers: cfg.maxNumInboundPeers,
      maxOutboundPeers: cfg.maxNumOutboundPeers,
      unconditionalPeerIds,
      persistentPeerIds,
      allowDuplicateIp: cfg.allowDuplicateIp
    },
    pex: cfg.pexReactor ? { seedMode: cfg.seedMode, privatePeerIds: cfg.privatePeerIds as NodeID[] } : undefined,
    peerManager: {
      persistentPeers: [...cfg.persistentPeers],
      seeds: [...cfg.seeds],
      unconditionalPeerIds,
      maxOutboundPeers: cfg.maxNumOutboundPeers,
      allowDuplicateIp: cfg.allowDuplicateIp,
      ...(cfg.persistentPeersMaxDialPeriodMs > 0 ? { persistentBackoffMaxMs: cfg.persistentPeersMaxDialPeriodMs } : {}),
      ...(cfg.home === '' ? {} : { anchorsFile: join(cfg.home, 'data', 'anchors.json') })
    },
    nodeInfo: {
      moniker: cfg.moniker,
      rpcAddress: cfg.rpcListenAddress,
      externalAddress: cfg.externalAddress === '' ? undefined : removeProtocolIfDefined(cfg.externalAddress)
    },
    ignored
  }
}
