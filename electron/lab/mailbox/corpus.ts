/**
 * The seeded mailbox: a small, realistic account a technician can open on the
 * customer's phone. It covers what phones stumble over: plain text, HTML only,
 * multipart/alternative, a ~40 KB PDF attachment, inline images, UTF-8 and Latin-1 bodies,
 * RFC 2047 encoded subjects and names (Czech, German, Japanese), an RFC 2231 file name, a
 * forwarded message/rfc822, group addresses, a long thread. Deterministic: the same options give
 * the same bytes, CRLF line endings.
 */
import { MailStore } from './store.js';
import { base64Lines, crlf, encodedWords, quotedPrintable, rfc5322Date } from './encode.js';
import { samplePdf, samplePng } from './samples.js';

/** The instant the corpus is dated from when no `now` is given (so that runs are identical). */
export const SEED_DEFAULT_NOW = new Date('2026-11-27T16:00:00Z');
/** The mail domain of the seeded account and its correspondents (RFC 2606 reserved names). */
export const SEED_DOMAIN = 'mailprobe.test';

export interface SeedOptions {
  /** The newest message is dated shortly before this instant; default SEED_DEFAULT_NOW. */
  now?: Date;
  /** The lab account's user name (the local part of its address); default "tech". */
  user?: string;
  /** The largest message the store takes (APPEND, SMTP delivery); default MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
}

export interface SeedMessage {
  mailbox: string;
  raw: Buffer;
  flags: string[];
  internalDate: Date;
  /** What the message is there to exercise (for tests and the UI). */
  purpose: string;
}

/** Header block + body, CRLF. `headers` values may already contain folding (CRLF SP). */
function build(headers: Array<[string, string]>, body: string | Buffer): Buffer {
  const head = headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') + '\r\n';
  return Buffer.concat([Buffer.from(crlf(head), 'utf8'), typeof body === 'string' ? Buffer.from(crlf(body), 'utf8') : body]);
}

/** The seeded messages in delivery order. */
export function seedMessages(opts: SeedOptions = {}): SeedMessage[] {
  const now = opts.now ?? SEED_DEFAULT_NOW;
  const user = opts.user ?? 'tech';
  const me = `${user}@${SEED_DOMAIN}`;
  const meNamed = `Lab Account <${me}>`;
  const out: SeedMessage[] = [];
  let seq = 0;
  /** `hoursAgo` before now; internal date = Date header instant. */
  const add = (mailbox: string, hoursAgo: number, flags: string[], purpose: string, make: (date: string, id: string, when: Date) => Buffer, tz = 60) => {
    seq++;
    const when = new Date(now.getTime() - Math.round(hoursAgo * 3600_000));
    const id = `<seed-${String(seq).padStart(3, '0')}.${when.getTime().toString(36)}@${SEED_DOMAIN}>`;
    out.push({ mailbox, raw: make(rfc5322Date(when, tz), id, when), flags, internalDate: when, purpose });
  };

  // 1. plain text welcome
  add('INBOX', 240, ['\\Seen'], 'plain text, us-ascii', (date, id) =>
    build(
      [
        ['Return-Path', '<lab@mailprobe.test>'],
        ['From', 'Mailprobe Lab <lab@mailprobe.test>'],
        ['To', meNamed],
        ['Subject', 'Welcome to the Mailprobe test mailbox'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=us-ascii; format=flowed'],
        ['Content-Transfer-Encoding', '7bit'],
      ],
      `Hello,

this is the test mailbox of the Mailprobe lab. If you can read this
message on the phone, the phone has logged in, opened the inbox and
downloaded a message: mail works between this phone and the lab.

The mailbox holds about twenty messages of the kinds phones meet every
day: plain text, HTML newsletters, attachments, messages in Czech,
German and Japanese, and a long conversation. Open a few of them.

Your technician can see every step the phone takes on the laptop.

-- 
Mailprobe Lab
`,
    ),
  );

  // 2. multipart/alternative: text + html
  add('INBOX', 238, ['\\Seen'], 'multipart/alternative text+html', (date, id) =>
    build(
      [
        ['From', 'Mailprobe Lab <lab@mailprobe.test>'],
        ['To', meNamed],
        ['Subject', 'How to read this mailbox on your phone'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'multipart/alternative; boundary="=_alt_0002"'],
      ],
      `This is a multi-part message in MIME format.

--=_alt_0002
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Reading this mailbox on your phone
==================================

1. Incoming server: the address shown on the technician's screen.
2. Port 143 without encryption, or 993 with SSL/TLS.
3. User name and password: as shown on the screen.

If the phone says the password is wrong, do not retype it yet: the
technician can see whether the server accepted it.

--=_alt_0002
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Reading this mailbox</title></head>
<body style="font-family:sans-serif">
<h2>Reading this mailbox on your phone</h2>
<ol>
<li><b>Incoming server:</b> the address shown on the technician's screen.</li>
<li><b>Port</b> 143 without encryption, or 993 with SSL/TLS.</li>
<li><b>User name and password:</b> as shown on the screen.</li>
</ol>
<p>If the phone says the password is wrong, do not retype it yet: the
technician can see whether the server accepted it.</p>
</body></html>

--=_alt_0002--
`,
    ),
  );

  // 3. HTML only, quoted-printable
  add('INBOX', 200, ['\\Seen'], 'text/html only, quoted-printable', (date, id) => {
    const html = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Your order has shipped</title></head>
<body style="margin:0;padding:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif">
<table width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">
<table width="600" cellpadding="24" cellspacing="0" border="0" style="background:#ffffff">
<tr><td><h1 style="color:#1a5fb4;font-size:22px">Your order #48213 has shipped</h1>
<p>Good news! Your parcel with the <b>USB-C charger (65 W)</b> and the <b>phone case</b> left our warehouse today.</p>
<p>Tracking number: <a href="https://shop.example/track/48213">DE 4821 3000 77</a> – expected delivery: 2–3 working days.</p>
<p style="color:#777;font-size:12px">Total: 39,90 € incl. VAT. This e-mail was sent automatically; please do not reply.</p>
</td></tr></table></td></tr></table>
</body></html>
`;
    return build(
      [
        ['From', '"Example Shop" <orders@shop.example>'],
        ['To', me],
        ['Subject', 'Your order #48213 has shipped'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/html; charset="utf-8"'],
        ['Content-Transfer-Encoding', 'quoted-printable'],
      ],
      quotedPrintable(Buffer.from(crlf(html), 'utf8')),
    );
  });

  // 4. ~40 KB PDF attachment
  add('INBOX', 170, ['\\Seen'], 'multipart/mixed with a ~40 KB application/pdf attachment, base64', (date, id) =>
    build(
      [
        ['From', 'Petra Hoffmann <petra.hoffmann@example.com>'],
        ['To', meNamed],
        ['Subject', 'Monthly connectivity report (PDF attached)'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'multipart/mixed;\r\n boundary="----=_Part_4_1722"'],
      ],
      Buffer.concat([
        Buffer.from(
          crlf(`------=_Part_4_1722
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hi,

attached is the connectivity report for November. All checks passed
except the two on port 465, which we will look at next week.

Best regards,
Petra

------=_Part_4_1722
Content-Type: application/pdf; name="Mailprobe-report-November.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="Mailprobe-report-November.pdf"; size=39950

`),
        ),
        Buffer.from(base64Lines(samplePdf()), 'latin1'),
        Buffer.from('\r\n------=_Part_4_1722--\r\n'),
      ]),
    ),
  );

  // 5. UTF-8 body, 8bit
  add('INBOX', 150, ['\\Seen'], 'text/plain UTF-8, 8bit, accented Latin', (date, id) =>
    build(
      [
        ['From', '=?UTF-8?Q?Ren=C3=A9e_Dupr=C3=A9?= <renee.dupre@example.fr>'],
        ['To', meNamed],
        ['Subject', '=?UTF-8?Q?Caf=C3=A9_on_Thursday=3F?='],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=UTF-8'],
        ['Content-Transfer-Encoding', '8bit'],
      ],
      `Bonjour !

Shall we meet at the café on Thursday? Crème brûlée is on me.
À jeudi — Renée

P.S. Schöne Grüße an Jürgen, und danke für die Blumen.
`,
    ),
  );

  // 6. Czech: encoded-word subject and name (Q and B), UTF-8 quoted-printable body
  add('INBOX', 130, ['\\Seen'], 'RFC 2047 Czech subject (B) and sender name (Q), UTF-8 quoted-printable body', (date, id) =>
    build(
      [
        ['From', '=?UTF-8?Q?Ji=C5=99=C3=AD_Nov=C3=A1k?= <jiri.novak@example.cz>'],
        ['To', meNamed],
        ['Subject', encodedWords('Příliš žluťoučký kůň úpěl ďábelské ódy')],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Content-Transfer-Encoding', 'quoted-printable'],
      ],
      quotedPrintable(
        Buffer.from(
          crlf(`Dobrý den,

zkouším, jestli telefon správně zobrazí české znaky: ěščřžýáíé ůú ďťň.
Pokud vidíte otazníky nebo podivné symboly, telefon nezná kódování UTF-8.

S pozdravem
Jiří Novák
`),
          'utf8',
        ),
      ),
    ),
  );

  // 7. German: ISO-8859-1 Q subject, Latin-1 quoted-printable body
  add('INBOX', 110, ['\\Seen'], 'RFC 2047 ISO-8859-1 subject, Latin-1 quoted-printable body', (date, id) =>
    build(
      [
        ['From', '=?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen.mueller@example.de>'],
        ['To', meNamed],
        ['Subject', '=?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?='],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=ISO-8859-1'],
        ['Content-Transfer-Encoding', 'quoted-printable'],
      ],
      quotedPrintable(
        Buffer.from(
          crlf(`Hallo,

viele Grüße aus München! Das Wetter ist schön, die Weißwürste sind
heiß und das Bier ist kühl. Übermorgen fahre ich zurück.

Bis bald
Jürgen
`),
          'latin1',
        ),
      ),
    ),
  );

  // 8. Japanese: UTF-8 B subject and name, base64 UTF-8 body
  add('INBOX', 96, ['\\Seen'], 'RFC 2047 Japanese subject and name (B), base64 UTF-8 body', (date, id) =>
    build(
      [
        ['From', `${encodedWords('山田 花子')} <hanako.yamada@example.jp>`],
        ['To', meNamed],
        ['Subject', encodedWords('会議の議事録（11月26日）')],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=UTF-8'],
        ['Content-Transfer-Encoding', 'base64'],
      ],
      base64Lines(
        Buffer.from(
          crlf(`お疲れ様です。山田です。

11月26日の会議の議事録をお送りします。
・新しいメールサーバーの設定を確認しました。
・携帯電話での受信テストは来週行います。

よろしくお願いいたします。
山田 花子
`),
          'utf8',
        ),
      ),
    ),
    540,
  );

  // 9. forwarded message/rfc822 (itself multipart/alternative)
  add('INBOX', 90, ['\\Seen'], 'multipart/mixed with a forwarded message/rfc822 that is multipart/alternative', (date, id) => {
    const inner = build(
      [
        ['From', 'Support Desk <support@provider.example>'],
        ['To', 'Anna Schmidt <anna.schmidt@example.com>'],
        ['Subject', 'Your mail settings'],
        ['Date', 'Mon, 23 Nov 2026 08:15:00 +0100'],
        ['Message-ID', '<settings-7731@provider.example>'],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'multipart/alternative; boundary="inner-alt"'],
      ],
      `--inner-alt
Content-Type: text/plain; charset=us-ascii

Incoming server: imap.provider.example, port 993, SSL/TLS
Outgoing server: smtp.provider.example, port 587, STARTTLS
User name: your full e-mail address

--inner-alt
Content-Type: text/html; charset=us-ascii

<p>Incoming server: <b>imap.provider.example</b>, port 993, SSL/TLS<br>
Outgoing server: <b>smtp.provider.example</b>, port 587, STARTTLS<br>
User name: your full e-mail address</p>

--inner-alt--
`,
    );
    return build(
      [
        ['From', 'Anna Schmidt <anna.schmidt@example.com>'],
        ['To', meNamed],
        ['Subject', 'Fwd: Your mail settings'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'multipart/mixed; boundary="fwd-0009"'],
      ],
      Buffer.concat([
        Buffer.from(
          crlf(`--fwd-0009
Content-Type: text/plain; charset=us-ascii

These are the settings my provider sent me. I typed them exactly like
this, but the phone still says "authentication failed".

Anna

--fwd-0009
Content-Type: message/rfc822
Content-Disposition: inline

`),
        ),
        inner,
        Buffer.from('\r\n--fwd-0009--\r\n'),
      ]),
    );
  });

  // 10–16. a long thread with In-Reply-To and References
  const thread = [
    ['Anna Schmidt <anna.schmidt@example.com>', 'Phone says "authentication failed" but the password is right', `Hello,

since Monday my phone shows "authentication failed" every time it checks
mail. The password is right: webmail works with the same password.
Can you help?

Anna`],
    ['Tom Becker <tom.becker@support.example>', '', `Hi Anna,

thanks for the report. Which phone is it, and which firmware? You find
the firmware version by typing *#0000# on the keypad.

Tom`],
    ['Anna Schmidt <anna.schmidt@example.com>', '', `It is a Nokia 6233, firmware V 05.10. Security is set to "Automatic".

Anna`],
    ['Tom Becker <tom.becker@support.example>', '', `Interesting: our server log shows that your phone logged in
successfully, with CRAM-MD5, several times this morning. The phone
then sends an empty line, gets "* BAD Invalid tag" back, and seems to
take that as a failed login.

Could you bring the phone to the shop? We have a lab for exactly this.

Tom`],
    ['Anna Schmidt <anna.schmidt@example.com>', '', `Sure, I can come on Thursday afternoon. Do I need to bring anything?

Anna`],
    ['Tom Becker <tom.becker@support.example>', '', `Just the phone and its charger. We will connect it to our test
mailbox first, then to your real account.

Tom`],
    ['Anna Schmidt <anna.schmidt@example.com>', '', `Great, see you Thursday at 3 pm.

Anna`],
  ] as const;
  const threadIds: string[] = [];
  const firstSubject = thread[0][1];
  thread.forEach(([from, subject, text], i) => {
    const flags = i < 5 ? ['\\Seen'] : [];
    if (i === 3) flags.push('\\Answered');
    add('INBOX', 80 - i * 9, flags, `thread message ${i + 1} of ${thread.length} (In-Reply-To, References)`, (date, id) => {
      const headers: Array<[string, string]> = [
        ['From', from],
        ['To', i % 2 === 0 ? 'Tom Becker <tom.becker@support.example>' : 'Anna Schmidt <anna.schmidt@example.com>'],
        ['Cc', meNamed],
        ['Subject', subject || `Re: ${firstSubject}`],
        ['Date', date],
        ['Message-ID', id],
      ];
      if (threadIds.length > 0) {
        headers.push(['In-Reply-To', threadIds[threadIds.length - 1]!]);
        headers.push(['References', threadIds.join('\r\n ')]);
      }
      headers.push(['MIME-Version', '1.0'], ['Content-Type', 'text/plain; charset=us-ascii'], ['Content-Transfer-Encoding', '7bit']);
      threadIds.push(id);
      const quoted = i > 0 ? '\n\n> ' + thread[i - 1]![2].split('\n').join('\n> ').replace(/> $/gm, '>') + '\n' : '\n';
      return build(headers, text + quoted);
    });
  });

  // 17. newsletter: alternative [ text, related [ html, inline png ] ], List-Unsubscribe
  add('INBOX', 20, [], 'newsletter: multipart/alternative containing multipart/related with an inline PNG (cid:)', (date, id) =>
    build(
      [
        ['From', 'Mailprobe News <news@mailprobe.test>'],
        ['To', me],
        ['Subject', 'Mailprobe News: five signs your phone is too old for TLS 1.2'],
        ['Date', date],
        ['Message-ID', id],
        ['List-Unsubscribe', '<mailto:unsubscribe@mailprobe.test?subject=unsubscribe>'],
        ['List-Id', 'Mailprobe News <news.mailprobe.test>'],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'multipart/alternative; boundary="news-alt"'],
      ],
      Buffer.concat([
        Buffer.from(
          crlf(`--news-alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

MAILPROBE NEWS - November

Five signs your phone is too old for TLS 1.2:
1. It was sold before 2012.
2. It offers "SSL" but not "TLS" in the mail settings.
3. It says "certificate error" for every server.
4. Its browser cannot open modern HTTPS sites.
5. It only connects with "no security".

--news-alt
Content-Type: multipart/related; boundary="news-rel"; type="text/html"

--news-rel
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<html><body style="font-family:sans-serif">
<p><img src="cid:logo.0017@mailprobe.test" width="32" height="32" alt="Mailprobe"> <b>MAILPROBE NEWS</b> - November</p>
<h3>Five signs your phone is too old for TLS 1.2</h3>
<ol><li>It was sold before 2012.</li><li>It offers "SSL" but not "TLS" in the mail settings.</li>
<li>It says "certificate error" for every server.</li><li>Its browser cannot open modern HTTPS sites.</li>
<li>It only connects with "no security".</li></ol>
</body></html>

--news-rel
Content-Type: image/png; name="logo.png"
Content-Transfer-Encoding: base64
Content-ID: <logo.0017@mailprobe.test>
Content-Disposition: inline; filename="logo.png"

`),
        ),
        Buffer.from(base64Lines(samplePng())),
        Buffer.from(crlf(`
--news-rel--

--news-alt--
`)),
      ]),
    ),
  );

  // 18. calendar invitation
  add('INBOX', 14, [], 'multipart/alternative with text/calendar (method=REQUEST)', (date, id, when) => {
    const start = new Date(when.getTime() + 2 * 86400_000);
    const ics = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    return build(
      [
        ['From', 'Tom Becker <tom.becker@support.example>'],
        ['To', 'Anna Schmidt <anna.schmidt@example.com>, ' + meNamed],
        ['Subject', 'Invitation: Phone check at the shop'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'multipart/alternative; boundary="cal-0018"'],
      ],
      `--cal-0018
Content-Type: text/plain; charset=utf-8

Phone check at the shop
When: ${start.toUTCString()} (1 hour)
Where: Service desk, 1st floor

--cal-0018
Content-Type: text/calendar; charset=utf-8; method=REQUEST
Content-Transfer-Encoding: 7bit

BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Mailprobe//Seeded corpus//EN
METHOD:REQUEST
BEGIN:VEVENT
UID:phone-check-0018@mailprobe.test
DTSTAMP:${ics(when)}
DTSTART:${ics(start)}
DTEND:${ics(new Date(start.getTime() + 3600_000))}
SUMMARY:Phone check at the shop
LOCATION:Service desk\\, 1st floor
ORGANIZER;CN=Tom Becker:mailto:tom.becker@support.example
ATTENDEE;CN=Anna Schmidt;RSVP=TRUE:mailto:anna.schmidt@example.com
END:VEVENT
END:VCALENDAR

--cal-0018--
`,
    );
  });

  // 19. group address, Sender differing from From
  add('INBOX', 10, [], 'To: undisclosed-recipients group; Sender differs from From', (date, id) =>
    build(
      [
        ['From', 'IT Operations <it-ops@mailprobe.test>'],
        ['Sender', 'Mailer Daemon <mailer@mailprobe.test>'],
        ['To', 'undisclosed-recipients:;'],
        ['Bcc', meNamed],
        ['Subject', 'Scheduled maintenance: Saturday 02:00-04:00'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=us-ascii'],
      ],
      `Mail will be unavailable on Saturday between 02:00 and 04:00 while we
replace the certificates of the mail servers. Phones that were set up
with an old CA certificate may need the new one afterwards.

IT Operations
`,
    ),
  );

  // 20. flagged, Cc with a quoted name containing a comma, Reply-To
  add('INBOX', 6, ['\\Flagged'], 'flagged; quoted display name with a comma; Reply-To; Cc group', (date, id) =>
    build(
      [
        ['From', '"Schmidt, Anna" <anna.schmidt@example.com>'],
        ['Reply-To', 'Anna Schmidt <anna.mobile@example.com>'],
        ['To', 'Tom Becker <tom.becker@support.example>'],
        ['Cc', `${meNamed}, Team: "Doe, Jane" <jane.doe@example.com>, max@example.com (Max Mustermann);`],
        ['Subject', 'Please call me back about the phone setup'],
        ['Date', date],
        ['Message-ID', id],
        ['Importance', 'high'],
        ['X-Priority', '1 (Highest)'],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=us-ascii'],
      ],
      `Hi Tom,

could you call me back today? My number is +49 30 1234567.

Thanks,
Anna
`,
    ),
  );

  // 21. RFC 2231 continued, encoded file name
  add('INBOX', 3, [], 'attachment with an RFC 2231 encoded, continued file name', (date, id) =>
    build(
      [
        ['From', 'Petra Hoffmann <petra.hoffmann@example.com>'],
        ['To', meNamed],
        ['Subject', 'Overview for March (text file)'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'multipart/mixed; boundary="b2231"'],
      ],
      `--b2231
Content-Type: text/plain; charset=us-ascii

The overview is attached as a text file.

--b2231
Content-Type: text/plain; charset=utf-8;
 name*0*=UTF-8''%C3%9Cbersicht_M;
 name*1*=%C3%A4rz_2026.txt
Content-Disposition: attachment;
 filename*0*=UTF-8''%C3%9Cbersicht_M;
 filename*1*=%C3%A4rz_2026.txt
Content-Transfer-Encoding: base64

${base64Lines(Buffer.from(crlf('Übersicht März 2026\nTickets: 42\nGelöst: 40\n'), 'utf8')).trimEnd()}
--b2231--
`,
    ),
  );

  // 22. the shortest message: a one-line test
  add('INBOX', 0.5, [], 'minimal headers, one line, no MIME headers', (date, id) =>
    build(
      [
        ['From', 'lab@mailprobe.test'],
        ['To', me],
        ['Subject', 'Test'],
        ['Date', date],
        ['Message-ID', id],
      ],
      'If you can read this, fetching works.\n',
    ),
  );

  // Sent, Drafts, Trash
  add('Sent', 75, ['\\Seen'], 'sent reply', (date, id) =>
    build(
      [
        ['From', meNamed],
        ['To', 'Anna Schmidt <anna.schmidt@example.com>'],
        ['Subject', 'Re: Fwd: Your mail settings'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=us-ascii'],
      ],
      `Hi Anna,

thanks, the settings look right. We will check the phone in the lab.

Lab Account
`,
    ),
  );
  add('Sent', 5, ['\\Seen'], 'sent note', (date, id) =>
    build(
      [
        ['From', meNamed],
        ['To', 'Tom Becker <tom.becker@support.example>'],
        ['Subject', 'Lab is ready for Thursday'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=us-ascii'],
      ],
      'The lab is set up with the test mailbox. The CA certificate is on the hand-off page.\n',
    ),
  );
  add('Drafts', 2, ['\\Draft', '\\Seen'], 'draft', (date, id) =>
    build(
      [
        ['From', meNamed],
        ['To', 'Anna Schmidt <anna.schmidt@example.com>'],
        ['Subject', 'Result of the phone check'],
        ['Date', date],
        ['Message-ID', id],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=us-ascii'],
      ],
      'Hi Anna,\n\nthe phone logs in correctly, but\n',
    ),
  );
  add('Trash', 100, ['\\Seen'], 'deleted spam', (date, id) =>
    build(
      [
        ['From', 'Prize Department <winner@lottery.example>'],
        ['To', me],
        ['Subject', 'You have won!!!'],
        ['Date', date],
        ['Message-ID', id],
        ['Content-Type', 'text/plain; charset=us-ascii'],
      ],
      'Claim your prize now.\n',
    ),
  );
  return out;
}

/** A MailStore with the default mailboxes filled with the seeded corpus. UIDVALIDITY derives from `now`. */
export function createSeededStore(opts: SeedOptions = {}): MailStore {
  const now = opts.now ?? SEED_DEFAULT_NOW;
  const store = new MailStore({ uidValidity: Math.floor(now.getTime() / 1000), maxMessageBytes: opts.maxMessageBytes });
  for (const m of seedMessages(opts)) store.append(m.mailbox, m.raw, m.flags, m.internalDate);
  return store;
}
