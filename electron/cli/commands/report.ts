// Placeholder until the issue that owns `mailprobe report` lands; it fails loudly, never pretends.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('mailprobe report: not built yet\n');
  return 1;
}
