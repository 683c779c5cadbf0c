import { readFile } from 'node:fs/promises'
import type { P2PConfig } from '@p2p/config'

/**
 * File descriptors a node keeps for itself besides one socket per peer: the listener, the event
 * loop, stdio, the address book and key files being written, DNS look-ups, sockets mid-handshake.
 */
export const FD_RESERVE = 64

/**
 * The soft limit on open files of this process (`ulimit -n`), read from `/proc/self/limits`;
 * undefined where that file does not exist (not Linux) or says `unlimited`.
 */
export async function openFileLimit(limitsFile = '/proc/self/limits'): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(limitsFile, 'utf8')
  } catch {
    return undefined
  }
  const m = /^Max open files\s+(\S+)/m.exec(text)
  if (m === null || m[1] === undefined || m[1] === 'unlimited') return undefined
  const n = Number(m[1])
  return Number.isSafeInteger(n) ? n : undefined
}

/** Descriptors a node needs at its configured peer limits: one socket per peer plus {@link FD_RESERVE}. */
export function requiredFileDescriptors(cfg: Pick<P2PConfig, 'maxNumInboundPeers' | 'maxNumOutboundPeers' | 'unconditionalPeerIds' | 'persistentPeers'>): number {
  return cfg.maxNumInboundPeers + cfg.maxNumOutboundPeers + cfg.unconditionalPeerIds.length + cfg.persistentPeers.length + FD_RESERVE
}
