/**
 * The floor of `npm run bench:smtp`: a Node SMTP responder that does nothing but answer (no
 * recording, no message kept, no AUTH check), run in its own process like the lab. What it
 * takes per session is what any Node server takes with this client on this machine (accept,
 * eight reads, seven writes, close): the lab's own work per session is the lab's figure minus
 * this one. `node --import tsx bench/floor-smtp.ts` prints its port and serves until killed.
 */
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';

const DATA_END = '\r\n.\r\n';

function answer(s: Socket): void {
  s.write('220 floor ESMTP\r\n');
  let inData = false;
  let buf = '';
  s.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (;;) {
      if (inData) {
        const end = buf.indexOf(DATA_END);
        if (end < 0) return;
        buf = buf.slice(end + DATA_END.length);
        inData = false;
        s.write('250 2.0.0 Ok: queued\r\n');
        continue;
      }
      const i = buf.indexOf('\r\n');
      if (i < 0) return;
      const verb = buf.slice(0, 4).toUpperCase();
      buf = buf.slice(i + 2);
      if (verb === 'EHLO') s.write('250-floor\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n');
      else if (verb === 'AUTH') s.write('235 2.7.0 Authentication successful\r\n');
      else if (verb === 'DATA') {
        s.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        inData = true;
        // The message's line ends are searched for with a CRLF before its first line, so that a
        // message of no lines ("." at once) ends too.
        buf = '\r\n' + buf;
      } else if (verb === 'QUIT') s.end('221 2.0.0 Bye\r\n');
      else s.write('250 2.1.0 Ok\r\n');
    }
  });
  s.on('error', () => s.destroy());
}

/** Start the floor responder in its own process; resolves with its port and a stop. */
export function startFloorProcess(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the floor responder exited with ${code}`)));
    child.stdout!.once('data', (d: Buffer) => resolve({ port: Number(String(d).trim()), stop: () => child.kill('SIGTERM') }));
  });
}

if (process.argv[2] === 'serve') {
  const server = createServer({ noDelay: true }, answer);
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  });
}
