// Placeholder until the issue that owns `mailprobe start` lands; it fails loudly, never pretends.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('mailprobe start: not built yet\n');
  return 1;
}
