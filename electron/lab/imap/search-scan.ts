/**
 * SEARCH BODY and TEXT over messages on disk, without holding up the lab: the bytes are read in
 * chunks (mailbox/body.ts `chunks`, asynchronous for a big range) and scanned as they come, and
 * between chunks the search gives the event loop back once it has run for SEARCH_SLICE_MS, so
 * the other clients (IMAP, POP3, SMTP, the hand-off page) are served while one SEARCH BODY reads
 * a 2 GB mailbox. The match is a case-insensitive substring (RFC 3501 §6.4.4) of the decoded text
 * parts (search-decode.ts, as Dovecot), found even when it straddles two chunks.
 */
/**
 * Longest stretch a SEARCH runs before it lets other connections be served (then it goes on in
 * the next turn of the event loop). A chunk is at most STREAM_READ_BYTES (512 KiB) of a big
 * message, about a millisecond to scan, so no client waits much longer than this for a SEARCH.
 */
export const SEARCH_SLICE_MS = 10;

/**
 * The needle in a text that comes in pieces (a part's text as search-decode.ts decodes it, chunk
 * by chunk), case-insensitively (String.prototype.toLowerCase, as the in-memory match). A match
 * may start in one piece and end in the next: the carry is kept as received and lower-cased
 * together with the next piece, so a context-dependent lower case (the Greek final sigma) comes
 * out as it would for the whole text. Bytes never come here: a UTF-8 character split by a chunk
 * is the charset decoder's to keep.
 */
export class TextScanner {
  private carry = '';
  private found: boolean;

  /** `needle`: lower case already (the SEARCH argument, as the parser keeps it). */
  constructor(private readonly needle: string) {
    this.found = needle === '';
  }

  /** The next piece of text; true once the needle has been seen (nothing more needs reading). */
  push(text: string): boolean {
    if (this.found) return true;
    return this.scan(this.carry + text);
  }

  /** What follows is another text (the next MIME part): a match does not run across. */
  breakText(): void {
    this.carry = '';
  }

  /** Whether the needle was seen. */
  get seen(): boolean {
    return this.found;
  }

  private scan(text: string): boolean {
    if (text.toLowerCase().includes(this.needle)) return (this.found = true);
    // Lower-casing never shortens a string, so needle.length - 1 characters as received cover
    // at least that much of the lower-cased text: the most of a match that can precede a cut.
    this.carry = this.needle.length > 1 ? text.slice(-(this.needle.length - 1)) : '';
    return false;
  }
}

/** The search was abandoned: the connection went away while it ran. */
export class SearchAbandoned extends Error {
  override name = 'SearchAbandoned';
}

/**
 * Cuts a long search into turns of the event loop: `due()` says the slice is used up, `breathe()`
 * waits for the next turn (setImmediate, so pending socket and file events run first) and starts
 * a new slice. `abandoned` is asked at each turn: a search whose client left stops there.
 */
export class SearchSlicer {
  private sliceStart = performance.now();
  /** Turns given back to the event loop so far (how much the search was cut up). */
  turns = 0;

  constructor(
    private readonly abandoned: () => boolean,
    private readonly sliceMs = SEARCH_SLICE_MS,
  ) {}

  due(): boolean {
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  async breathe(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.turns += 1;
    this.sliceStart = performance.now();
    if (this.abandoned()) throw new SearchAbandoned('the client went away during SEARCH');
  }

  /** breathe() only if the slice is used up. */
  async maybeBreathe(): Promise<void> {
    if (this.due()) await this.breathe();
  }
}
