/** The Packet codec: types and constants, encoder, decoder. */
export * from './packet.js'
export * from './packet-decoder.js'
export * from './packet-encoder.js'
