import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const tmp = (prefix = 'mp-certs-') => mkdtempSync(join(tmpdir(), prefix));
