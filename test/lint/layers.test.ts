/**
 * The layer rules of DESIGN.md are lint errors, not conventions: the engine and the CLI never
 * reach for Electron, React or the DOM; the renderer never reaches for Node or the engine.
 * ESLint runs on in-memory sources placed (by path) in each layer.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function errors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

describe('layer rules', () => {
  it('electron/lab may not import electron, React or use the DOM', async () => {
    expect(await errors('electron/lab/imap/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toContain('no-restricted-imports');
    expect(await errors('electron/lab/report/x.ts', "import React from 'react';\nexport const r = React;\n")).toContain('no-restricted-imports');
    expect(await errors('electron/lab/diagnosis/x.ts', 'export const t = document.title;\n')).toContain('no-restricted-globals');
  });

  it('electron/cli may not import electron either', async () => {
    expect(await errors('electron/cli/commands/x.ts', "import { BrowserWindow } from 'electron';\nexport const w = BrowserWindow;\n")).toContain('no-restricted-imports');
  });

  it('the renderer may not import Node modules or the engine', async () => {
    expect(await errors('renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n")).toContain('no-restricted-imports');
    expect(await errors('renderer/src/x.ts', "import { startLab } from '../../electron/lab/lab.js';\nexport const s = startLab;\n")).toContain('no-restricted-imports');
  });

  it('the renderer may import the API contract', async () => {
    expect(await errors('renderer/src/x.ts', "import type { LabEvent } from '../../electron/api.js';\nexport type E = LabEvent;\n")).toEqual([]);
  });
});
