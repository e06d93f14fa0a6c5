import type { LineFrame } from '../../connection/framer.js';
import type { Pop3Session } from '../session.js';

/** RFC 1939 §3: AUTHORIZATION until the login, TRANSACTION after; UPDATE is QUIT's doing. */
export type Pop3State = 'authorization' | 'transaction';

export interface Pop3CommandContext {
  /** Upper-case keyword. */
  keyword: string;
  /** The arguments after the keyword and one space. */
  args: string;
  frame: LineFrame;
  session: Pop3Session;
}

export interface Pop3Command {
  name: string;
  /** The states the command is valid in (RFC 1939 §4–§7). */
  states: readonly Pop3State[];
  run(ctx: Pop3CommandContext): void;
}
