// The framer lives in @p2p/types/wire (one copy for every layer); this path stays for the
// secret handshake's import.
export { encodeDelimited, peekDelimited } from '@p2p/types/wire'
