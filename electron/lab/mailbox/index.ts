/** The mailbox backend: in-memory store, MIME parsing, sections, seeded corpus, loaders. */
export * from './types.js';
export { MailStore, MessageRecord, MessageContent, MAX_HEADER_SCAN_BYTES, MAX_PARSED_DISK_MESSAGES, MAX_SHARED_FLAG_SETS, parsedDiskMessages, type SpooledMessage, DEFAULT_MAILBOXES, MAX_MESSAGE_BYTES, MAX_MAILBOX_NAME_BYTES, MAX_MAILBOXES, MAX_KEYWORDS_PER_MAILBOX, MAX_SUBSCRIPTIONS, compareMailboxNames, type MailStoreOptions } from './store.js';
export { parseMime, parseEnvelope, MAX_MIME_DEPTH, MAX_MIME_PARTS } from './mime.js';
export { parseAddressList, MAX_ADDRESS_HEADER_CHARS } from './address.js';
export { envelopeFrom } from './envelope.js';
export { parseStructured, type StructuredValue } from './params.js';
export { findHeaderEnd, splitFields, headerValue, type RawField } from './headers.js';
export { extractSection, resolvePart, headerFields } from './section.js';
export { createSeededStore, seedMessages, SEED_DEFAULT_NOW, SEED_DOMAIN, type SeedOptions, type SeedMessage } from './corpus.js';
export { base64Lines, quotedPrintable, encodedWords, rfc5322Date, crlf } from './encode.js';
export { samplePdf, samplePng } from './samples.js';
export {
  loadMailStore,
  writeMaildir,
  writeMbox,
  parseMbox,
  maildirInfo,
  toCrlf,
  MailboxFileError,
  MAX_LOAD_MESSAGES,
  MAX_MBOX_FILE_BYTES,
  MAX_LOAD_MESSAGE_BYTES,
  MAILDIR_FLAGS,
  type MailboxFileErrorCode,
  type LoadOptions,
  type MboxMessage,
} from './files.js';
export { openMailStore, indexMailbox, customerMailStore, checkMailboxPath, MAX_INDEXED_MESSAGES, MAX_INDEXED_MBOX_BYTES, type IndexingProgress, type OpenMailStoreOptions, type MailboxKind } from './disk.js';
export { MemoryBody, FileBody, MeasuredOnDemandBody, ServedLines, BODY_CHUNK_BYTES, STREAM_READ_BYTES, QUOTE_SCAN_BYTES, STREAMED_CHUNKS, MAX_FREE_STREAMED_CHUNKS, servedBytesAtMost, type MessageBody, type BodyTransform } from './body.js';
export { ChunkPool } from './chunk-pool.js';
export { indexMbox, INDEX_READ_BYTES, INDEX_HEADER_BYTES, type IndexedMessage, type IndexProgress } from './mbox-index.js';
