/**
 * A channel a reactor sends and receives on, as negotiated in NodeInfo.channels. Capacities
 * left out take the transport's defaults (Go: send queue 1, receive message 22020096 bytes).
 */
export interface ChannelDescriptor {
  /** One byte, 0..255; unique across all reactors of a switch. */
  readonly id: number
  /** Scheduling weight, > 0: higher gets a larger share of the send bandwidth. */
  readonly priority: number
  /** Whole messages the send queue holds before `trySend` returns false. */
  readonly sendQueueCapacity?: number
  /** Initial size of the reassembly buffer; not a limit. */
  readonly recvBufferCapacity?: number
  /** Largest reassembled message accepted; a larger one ends the connection. */
  readonly recvMessageCapacity?: number
}
