/**
 * ID (RFC 2971): the client may say what it is. The fields become a `device` event, the
 * phone's own word on vendor, model (name), firmware (version) and platform (os).
 */
import type { DeviceInfo, EventInput } from '../../../api.js';
import { quote } from '../codec/encoder.js';
import { ImapBad } from '../errors.js';
import type { CommandModule } from './types.js';

/** RFC 2971 §3.3: at most 30 field-value pairs, field names up to 30 octets, values up to 1024. */
export const MAX_ID_FIELDS = 30;

export function deviceFromId(fields: Record<string, string>): DeviceInfo {
  const f = (k: string) => fields[k] ?? fields[k.toLowerCase()];
  const info: DeviceInfo = { source: 'imap.id' };
  if (f('vendor')) info.vendor = f('vendor');
  if (f('name')) info.model = f('name');
  if (f('version')) info.firmware = f('version');
  const os = [f('os'), f('os-version')].filter(Boolean).join(' ');
  if (os) info.platform = os;
  return info;
}

export const id: CommandModule = {
  name: 'ID',
  requires: 'any',
  run({ r, session }) {
    r.sp();
    const fields: Record<string, string> = {};
    if (r.peek() === '(') {
      const items = r.list(() => r.nstring());
      if (items.length % 2 !== 0 || items.length > MAX_ID_FIELDS * 2) throw new ImapBad('ID takes field/value pairs');
      for (let i = 0; i < items.length; i += 2) {
        const k = items[i];
        if (k === null) throw new ImapBad('ID field names cannot be NIL');
        const v = items[i + 1];
        fields[k.toString('utf8').toLowerCase().slice(0, 30)] = v === null ? '' : v.toString('utf8').slice(0, 1024);
      }
    } else {
      const nil = r.atom();
      if (nil.toUpperCase() !== 'NIL') throw new ImapBad('ID takes a list or NIL');
    }
    r.end();
    if (Object.keys(fields).length > 0) {
      const ev: EventInput = { kind: 'device', conn: session.id, device: deviceFromId(fields), fields };
      session.record(ev);
    }
    session.emit(`* ID (${quote('name')} ${quote('Mailprobe')} ${quote('version')} ${quote(session.options.version)} ${quote('vendor')} ${quote('Mailprobe lab')})\r\n`);
  },
};
