/**
 * Structured MIME header values: `value *(";" name "=" (token | quoted-string))` as in
 * Content-Type (RFC 2045 §5.1) and Content-Disposition (RFC 2183), with RFC 2231 parameter
 * continuations (`name*0`, `name*1*`, …) joined. Never throws: a broken value yields what could
 * be read.
 */

export interface StructuredValue {
  /** Lower-case main value ("text/plain", "attachment"), "" when missing. */
  value: string;
  /** Parameters with lower-case names. */
  params: Record<string, string>;
}

/** Remove RFC 5322 comments (outside quoted strings), which some mailers put in Content-Type. */
function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inQuote) {
      out += c;
      if (c === '\\' && i + 1 < s.length) out += s[++i];
      else if (c === '"') inQuote = false;
    } else if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    } else if (c === '(') depth++;
    else {
      if (c === '"') inQuote = true;
      out += c;
    }
  }
  return out;
}

export function parseStructured(input: string): StructuredValue {
  const s = stripComments(input);
  let i = 0;
  const n = s.length;
  const ws = () => {
    while (i < n && /\s/.test(s[i]!)) i++;
  };
  ws();
  const vStart = i;
  while (i < n && s[i] !== ';') i++;
  const value = s.slice(vStart, i).trim().toLowerCase().replace(/\s*\/\s*/, '/');
  const raw: Array<[string, string]> = [];
  while (i < n) {
    if (s[i] === ';') i++;
    ws();
    const kStart = i;
    while (i < n && s[i] !== '=' && s[i] !== ';') i++;
    const key = s.slice(kStart, i).trim().toLowerCase();
    if (s[i] !== '=') continue; // a parameter without value: skipped
    i++;
    ws();
    let val = '';
    if (s[i] === '"') {
      i++;
      while (i < n && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < n) i++;
        val += s[i];
        i++;
      }
      i++; // closing quote (or end)
      while (i < n && s[i] !== ';') i++;
    } else {
      const start = i;
      while (i < n && s[i] !== ';') i++;
      val = s.slice(start, i).trim();
    }
    if (key) raw.push([key, val]);
  }
  return { value, params: joinContinuations(raw) };
}

/**
 * RFC 2231 §3/§4: `name*0="a"; name*1="b"` → name="ab"; when any segment is extended
 * (`name*0*=utf-8''%C3%A9`) the joined value is kept encoded under `name*` (charset'lang'pct),
 * which is how IMAP servers pass it on in BODYSTRUCTURE. First occurrence wins for duplicates.
 */
function joinContinuations(raw: Array<[string, string]>): Record<string, string> {
  const params: Record<string, string> = {};
  const segments = new Map<string, Array<{ index: number; value: string; extended: boolean }>>();
  for (const [key, value] of raw) {
    const m = /^([^*]+)\*(\d+)(\*?)$/.exec(key);
    if (m) {
      const list = segments.get(m[1]!) ?? [];
      list.push({ index: Number(m[2]), value, extended: m[3] === '*' });
      segments.set(m[1]!, list);
    } else if (!(key in params)) {
      params[key] = value;
    }
  }
  for (const [name, list] of segments) {
    list.sort((a, b) => a.index - b.index);
    const extended = list.some((s) => s.extended);
    // A plain segment inside an extended value must be percent-encoded to stay decodable.
    const joined = list
      .map((s, idx) => (extended && !s.extended && idx > 0 ? encodeURIComponent(s.value) : s.value))
      .join('');
    const key = extended ? `${name}*` : name;
    if (!(key in params)) params[key] = extended && !list[0]!.extended ? `''${encodeURIComponent(list[0]!.value)}${joined.slice(list[0]!.value.length)}` : joined;
  }
  return params;
}
