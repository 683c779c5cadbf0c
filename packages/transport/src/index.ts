export type { ByteStream, ByteStreamHandlers } from "./byte-stream.js"
