import { tempDir } from '../support/temp.js';

export const tmp = (prefix = 'mp-certs-') => tempDir(prefix);
