/**
 * The raw connections a transport holds (Go `ConnSet`), keyed by the remote `ip:port`, with the
 * IPs each resolved to. Used to refuse a second connection from the same socket address and,
 * unless allowed, from the same IP.
 */
export class ConnSet {
  readonly #byAddr = new Map<string, readonly string[]>()

  has(remote: string): boolean {
    return this.#byAddr.has(remote)
  }

  hasIp(ip: string): boolean {
    for (const ips of this.#byAddr.values()) {
      if (ips.includes(ip)) return true
    }
    return false
  }

  set(remote: string, ips: readonly string[]): void {
    this.#byAddr.set(remote, ips)
  }

  delete(remote: string): void {
    this.#byAddr.delete(remote)
  }
}
