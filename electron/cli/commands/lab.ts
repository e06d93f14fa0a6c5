// Placeholder until the issue that owns `mailprobe lab` lands; it fails loudly, never pretends.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('mailprobe lab: not built yet\n');
  return 1;
}
