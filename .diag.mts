import { main } from '/work/wt-resolution/electron/cli/main.ts';
process.exitCode = await main(process.argv.slice(2));
