/**
 * Go's time formatting, as far as templates see it: `date "2006-01-02 15:04" .StartsAt`,
 * `.StartsAt.Format ...`, how a time or a duration prints, `tz`, and Prometheus' humanizeDuration.
 * Times carry millisecond precision (what JavaScript dates hold).
 */

/** An instant, plus the zone it is shown in (UTC unless `tz` moved it). */
export class TemplateTime {
  /** Go's zero time, 0001-01-01T00:00:00Z: what EndsAt holds for an alert with no end. */
  static readonly ZERO_MS = -62135596800000;

  constructor(
    readonly ms: number,
    /** Minutes east of UTC. */
    readonly offsetMin = 0,
    readonly zone = 'UTC',
  ) {
    Object.freeze(this);
  }

  static parse(iso: string | undefined): TemplateTime {
    const ms = iso === undefined ? NaN : Date.parse(iso);
    return new TemplateTime(Number.isFinite(ms) ? ms : TemplateTime.ZERO_MS);
  }

  get isZero(): boolean {
    return this.ms === TemplateTime.ZERO_MS;
  }
}

/** A time.Duration, in milliseconds. */
export class Duration {
  constructor(readonly ms: number) {
    Object.freeze(this);
  }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width: number, ch = '0'): string => String(n).padStart(width, ch);
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';
const lowerAt = (s: string, i: number): boolean => i < s.length && s[i]! >= 'a' && s[i]! <= 'z';

/** The layout element at `i` (Go's `nextStdChunk`), as [element, length], or null for a literal. */
function chunkAt(layout: string, i: number): [string, number] | null {
  const at = (s: string): boolean => layout.startsWith(s, i);
  switch (layout[i]) {
    case 'J':
      if (at('January')) return ['January', 7];
      if (at('Jan') && !lowerAt(layout, i + 3)) return ['Jan', 3];
      return null;
    case 'M':
      if (at('Monday')) return ['Monday', 6];
      if (at('Mon') && !lowerAt(layout, i + 3)) return ['Mon', 3];
      if (at('MST')) return ['MST', 3];
      return null;
    case '0':
      if (at('002')) return ['002', 3];
      if (layout[i + 1] !== undefined && layout[i + 1]! >= '1' && layout[i + 1]! <= '6') return [layout.slice(i, i + 2), 2];
      return null;
    case '1':
      return at('15') ? ['15', 2] : ['1', 1];
    case '2':
      return at('2006') ? ['2006', 4] : ['2', 1];
    case '_':
      if (at('_2') && !at('_2006')) return ['_2', 2];
      if (at('__2')) return ['__2', 3];
      return null;
    case '3':
    case '4':
    case '5':
      return [layout[i]!, 1];
    case 'P':
      return at('PM') ? ['PM', 2] : null;
    case 'p':
      return at('pm') ? ['pm', 2] : null;
    case '-':
    case 'Z':
      for (const z of ['070000', '07:00:00', '0700', '07:00', '07']) if (at(layout[i] + z)) return [layout[i] + z, z.length + 1];
      return null;
    case '.':
    case ',': {
      const ch = layout[i + 1];
      if (ch !== '0' && ch !== '9') return null;
      let j = i + 1;
      while (layout[j] === ch) j++;
      return isDigitAt(layout, j) ? null : [`frac${ch}`, j - i];
    }
    default:
      return null;
  }
}

function offsetText(min: number, z: string): string {
  if (z.startsWith('Z') && min === 0) return 'Z';
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  const hh = pad(Math.floor(a / 60), 2);
  const mm = pad(a % 60, 2);
  switch (z.slice(1)) {
    case '07':
      return `${sign}${hh}`;
    case '0700':
      return `${sign}${hh}${mm}`;
    case '07:00':
      return `${sign}${hh}:${mm}`;
    case '070000':
      return `${sign}${hh}${mm}00`;
    default:
      return `${sign}${hh}:${mm}:00`;
  }
}

/** Go's `Time.Format(layout)`. */
export function formatTime(t: TemplateTime, layout: string): string {
  const d = new Date(t.ms + t.offsetMin * 60_000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const day = d.getUTCDate();
  const hour = d.getUTCHours();
  const minute = d.getUTCMinutes();
  const second = d.getUTCSeconds();
  const nanos = d.getUTCMilliseconds() * 1_000_000;
  const jan1 = new Date(0);
  jan1.setUTCFullYear(year, 0, 1);
  const today = new Date(0);
  today.setUTCFullYear(year, month, day);
  const yday = Math.round((today.getTime() - jan1.getTime()) / 86_400_000) + 1;
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  let out = '';
  for (let i = 0; i < layout.length; ) {
    const chunk = chunkAt(layout, i);
    if (!chunk) {
      out += layout[i];
      i++;
      continue;
    }
    const [el, len] = chunk;
    i += len;
    switch (el) {
      case 'January':
        out += MONTHS[month];
        break;
      case 'Jan':
        out += MONTHS[month]!.slice(0, 3);
        break;
      case 'Monday':
        out += DAYS[d.getUTCDay()];
        break;
      case 'Mon':
        out += DAYS[d.getUTCDay()]!.slice(0, 3);
        break;
      case 'MST':
        out += t.zone || offsetText(t.offsetMin, '-0700');
        break;
      case '2006':
        out += pad(year, 4);
        break;
      case '06':
        out += pad(year % 100, 2);
        break;
      case '01':
        out += pad(month + 1, 2);
        break;
      case '1':
        out += String(month + 1);
        break;
      case '02':
        out += pad(day, 2);
        break;
      case '2':
        out += String(day);
        break;
      case '_2':
        out += pad(day, 2, ' ');
        break;
      case '002':
        out += pad(yday, 3);
        break;
      case '__2':
        out += pad(yday, 3, ' ');
        break;
      case '15':
        out += pad(hour, 2);
        break;
      case '03':
        out += pad(h12, 2);
        break;
      case '3':
        out += String(h12);
        break;
      case '04':
        out += pad(minute, 2);
        break;
      case '4':
        out += String(minute);
        break;
      case '05':
        out += pad(second, 2);
        break;
      case '5':
        out += String(second);
        break;
      case 'PM':
        out += hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += hour >= 12 ? 'pm' : 'am';
        break;
      case 'frac0':
      case 'frac9': {
        const digits = pad(nanos, 9).slice(0, len - 1);
        const sep = layout[i - len]!;
        if (el === 'frac0') out += sep + digits;
        else {
          const trimmed = digits.replace(/0+$/, '');
          if (trimmed) out += sep + trimmed;
        }
        break;
      }
      default:
        out += offsetText(t.offsetMin, el);
    }
  }
  return out;
}

/** How Go prints a time.Time: `2024-05-01 12:00:00.5 +0000 UTC`. */
export function timeString(t: TemplateTime): string {
  return formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
}

/** How Go prints a time.Duration: `1h2m3.5s`, `250ms`, `0s`. */
export function durationString(d: Duration): string {
  const ms = Math.trunc(d.ms);
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${a}ms`;
  const frac = a % 1000;
  const secs = Math.floor(a / 1000);
  const s = `${secs % 60}${frac ? `.${pad(frac, 3).replace(/0+$/, '')}` : ''}s`;
  const m = Math.floor(secs / 60) % 60;
  const h = Math.floor(secs / 3600);
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

/** Go's `%.{p}g`: p significant digits, exponent form for small and large magnitudes. */
export function formatG(v: number, p: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const [mant, expText] = toExponentialEven(v, p - 1).split('e') as [string, string];
  const exp = Number(expText);
  const trim = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  if (exp < -4 || exp >= p) return `${trim(mant)}e${exp < 0 ? '-' : '+'}${pad(Math.abs(exp), 2)}`;
  // Fixed notation from the already rounded digits, so ties stay rounded to even.
  return trim(Number(`${mant}e${exp}`).toFixed(Math.max(0, p - 1 - exp)));
}

/**
 * `v.toExponential(frac)`, but an exact tie rounds to even as Go's strconv does (12345 at four
 * digits is 1.234e+04 in Go; JavaScript rounds ties up to 1.235e+04).
 */
function toExponentialEven(v: number, frac: number): string {
  const exact = v.toExponential(Math.min(100, frac + 30));
  const [m, e] = exact.split('e') as [string, string];
  const digits = m.replace(/^-/, '').replace('.', '');
  const tie = digits[frac + 1] === '5' && /^0*$/.test(digits.slice(frac + 2));
  if (!tie || Number(digits[frac]) % 2 === 1) return v.toExponential(frac);
  const kept = digits.slice(0, frac + 1);
  return `${v < 0 ? '-' : ''}${kept[0]}${frac > 0 ? `.${kept.slice(1)}` : ''}e${e}`;
}

/** Prometheus' humanizeDuration (seconds in, `1d 2h 3m 4s` out), as Alertmanager ships it. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return formatG(v, 4);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const a = Math.abs(v);
    const whole = Math.trunc(a);
    const seconds = whole % 60;
    const minutes = Math.floor(whole / 60) % 60;
    const hours = Math.floor(whole / 3600) % 24;
    const days = Math.floor(whole / 86_400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${formatG(a, 4)}s`;
  }
  let x = v;
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return `${formatG(x, 4)}${prefix}s`;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();

/** Whether `tz` in `zone` is answered from the cache of formatters (a miss costs about 200 µs). */
export function isZoneCached(zone: string): boolean {
  return zoneFormats.has(zone);
}

function zoneFormat(zone: string): Intl.DateTimeFormat | null {
  let f = zoneFormats.get(zone);
  if (f !== undefined) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    });
  } catch {
    f = null;
  }
  if (zoneFormats.size < 100) zoneFormats.set(zone, f);
  return f;
}

/** Whether `tz` knows the zone name (IANA names, `UTC`, `Local`). */
export function isZone(zone: string): boolean {
  return zone === '' || zone === 'UTC' || zone === 'Local' || zoneFormat(zone) !== null;
}

/**
 * Alertmanager's `tz`: the same instant shown in an IANA zone. `Local` is UTC (Lambda's zone).
 * Zone abbreviations come from ICU, so zones without a common English one print as `+0530`.
 * Undefined for an unknown zone.
 */
export function inZone(t: TemplateTime, zone: string): TemplateTime | undefined {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return new TemplateTime(t.ms);
  const f = zoneFormat(zone);
  if (!f) return undefined;
  if (t.isZero) return new TemplateTime(t.ms, 0, 'UTC');
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(t.ms))) parts[p.type] = p.value;
  const wall = new Date(0);
  wall.setUTCFullYear(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
  wall.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  const offsetMin = Math.round((wall.getTime() - Math.floor(t.ms / 1000) * 1000) / 60_000);
  let abbr = parts.timeZoneName ?? '';
  if (/^GMT[+-]/.test(abbr) || abbr === '') abbr = offsetText(offsetMin, offsetMin % 60 === 0 ? '-07' : '-0700');
  else if (abbr === 'GMT' && offsetMin === 0 && /^(Etc\/)?(UTC|UCT|Universal|Zulu)$/.test(zone)) abbr = 'UTC';
  return new TemplateTime(t.ms, offsetMin, abbr);
}
