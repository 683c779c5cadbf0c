/** Bytes of the little-endian chunk length at the start of each plaintext frame. */
export const DATA_LEN_SIZE = 4
/** Largest chunk of data one frame carries. */
export const DATA_MAX_SIZE = 1024
/** Every plaintext frame is exactly this long: length + data + padding. */
export const TOTAL_FRAME_SIZE = DATA_MAX_SIZE + DATA_LEN_SIZE
/** Poly1305 tag length. */
export const AEAD_TAG_SIZE = 16
/** Every frame on the wire is exactly this long. */
export const SEALED_FRAME_SIZE = TOTAL_FRAME_SIZE + AEAD_TAG_SIZE
/** ChaCha20-Poly1305 key length. */
export const AEAD_KEY_SIZE = 32
/** ChaCha20-Poly1305 (IETF) nonce length. */
export const AEAD_NONCE_SIZE = 12
/** Largest delimited handshake message (ephemeral key, AuthSigMessage) Go reads. */
export const HANDSHAKE_MAX_MESSAGE_SIZE = 1024 * 1024
/** Go's hard-coded deadline for the whole secret handshake (p2p/transport.go). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 3000
/** Bytes of the Merlin challenge that each side signs. */
export const CHALLENGE_SIZE = 32

export const TRANSCRIPT_LABEL = 'TENDERMINT_SECRET_CONNECTION_TRANSCRIPT_HASH'
export const LABEL_EPHEMERAL_LOWER = 'EPHEMERAL_LOWER_PUBLIC_KEY'
export const LABEL_EPHEMERAL_UPPER = 'EPHEMERAL_UPPER_PUBLIC_KEY'
export const LABEL_DH_SECRET = 'DH_SECRET'
export const LABEL_CHALLENGE = 'SECRET_CONNECTION_MAC'
export const HKDF_INFO = 'TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN'
