/**
 * Vitest setup file (runs before every test file): the file's temporary directories go when the
 * file ends. Registered here, before the file's own hooks, so it runs after them (vitest runs
 * after-hooks in reverse order of registration): the file's labs and servers are stopped first.
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp.js';

afterAll(() => removeTempDirs());
