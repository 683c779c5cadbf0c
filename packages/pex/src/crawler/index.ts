// The crawler's file layer on top of crawl(): reports, formats, resume (issue 16).
export { type CrawlNetworkOptions, crawlNetwork, freshNodes } from './crawl-network.js'
export { type CrawlFileFormat, CSV_COLUMNS, crawlFormatOf, csvRow, parseCrawlReport, serializeCrawl, toCsv, toJson, toNdjson } from './formats.js'
export { networkOfRejection, UNREACHABLE_REASONS, type UnreachableReason, unreachableReason } from './reasons.js'
export {
  CRAWL_FORMAT,
  type CrawlNode,
  type CrawlNodeInfo,
  type CrawlReport,
  type CrawlSummary,
  HANDSHAKE_BUCKETS_MS,
  type HistogramBucket,
  nodeInfoJson,
  recordToNode,
  summarize
} from './report.js'
export { SKIPPED, TappedTransport } from './tap.js'
