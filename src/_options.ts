// Command-line options from declarative rows. A row names an option's flag, its environment
// variable, how its text is read and checked, its fallback, and what it means; the same rows give
// the `--help` text. config.ts's table of settings and init.ts's own flags are such rows.
// (node:util's parseArgs could scan the flags, but loading Node compatibility costs the server's
// start-up about 15 ms.)

/** Reads an environment variable; unset is `undefined`. */
export type Env = (name: string) => string | undefined;

/**
 * Turns the text of a flag or variable into a value, or throws a TypeError naming `source` (the
 * flag or the variable) and the text. `undefined` means "as if not given": the fallback applies.
 */
export type Parse<T> = (text: string, source: string) => T | undefined;

/** One option of a command line. */
export interface Option<T, Read = never> {
  /** The long flag, e.g. "--network". */
  flag: `--${string}`;
  /** A one-letter alias, e.g. "h" for `-h`. */
  short?: string;
  /** The environment variable read when the flag is not given (an empty one counts as unset). */
  env?: string;
  /**
   * Set when the flag takes no value and means `true`: the text its variable takes to mean the same
   * (e.g. "1"), or `true` when it has no variable.
   */
  switch?: string | true;
  /**
   * Set when the flag may be given more than once: each value is read by `parse` and the lists
   * are joined (`T` is then an array). Its variable is read once, as one value.
   */
  repeat?: true;
  /** Reads and checks the flag's or the variable's text. */
  parse: Parse<T>;
  /** The value when neither is given, or how to work it out from other options and variables. */
  fallback: T | ((read: Read, env: Env) => T);
  /** The fallback as shown to people, if not the fallback itself (a number or a string). */
  default?: string;
  /** What it does. */
  description: string;
}

/**
 * What a command line gave: each option's text, or `true` for a switch, and the flag as written;
 * `more` holds the further texts of a repeated flag.
 */
export type Given = Map<
  Option<unknown>,
  { text: string | true; source: string; more?: string[] }
>;

/**
 * Reads `--name value`, `--name=value`, switches `--name` and short `-x` flags (a later one
 * wins); throws a TypeError naming an unknown flag, a missing value or a stray argument.
 */
export function scan(args: readonly string[], options: readonly Option<unknown>[]): Given {
  const known = new Map<string, Option<unknown>>();
  for (const option of options) {
    known.set(option.flag, option);
    if (option.short) known.set(`-${option.short}`, option);
  }
  const given: Given = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const long = /^(--[^=]+)(?:=(.*))?$/s.exec(arg);
    if (!long && !/^-[^-]$/.test(arg)) {
      throw new TypeError(`Unexpected argument '${arg}': this command takes only flags`);
    }
    const option = known.get(long ? long[1] : arg);
    if (option === undefined) throw new TypeError(`Unknown option '${arg}'`);
    const inline = long?.[2];
    let text: string | true;
    if (option.switch !== undefined) {
      if (inline !== undefined) {
        throw new TypeError(`Option '${option.flag}' does not take a value`);
      }
      text = true;
    } else if (inline !== undefined) {
      text = inline;
    } else if (i + 1 < args.length) {
      text = args[++i];
    } else {
      throw new TypeError(`Option '${option.flag} <value>' argument missing`);
    }
    const earlier = given.get(option);
    if (option.repeat && earlier && typeof text === "string") {
      (earlier.more ??= []).push(text);
      continue;
    }
    given.set(option, { text, source: option.flag });
  }
  return given;
}

/**
 * One option's value: its flag's if given, else its variable's if set, else its fallback; and
 * where the value came from (the flag or the variable), unless it is the fallback.
 */
export function resolve<T, Read>(
  option: Option<T, Read>,
  given: Given,
  env: Env,
  read: Read,
): { value: T; source?: string } {
  const flag = given.get(option);
  if (flag?.text === true) return { value: true as T, source: flag.source };
  const [text, source] = flag
    ? [flag.text, flag.source]
    : [option.env ? env(option.env) : undefined, option.env];
  if (text !== undefined && (flag || text !== "")) {
    const value = option.parse(text, source!);
    if (flag?.more) {
      const values = [value ?? [], ...flag.more.map((more) => option.parse(more, source!) ?? [])];
      return { value: values.flat() as T, source };
    }
    if (value !== undefined) return { value, source };
  }
  const fallback = option.fallback;
  return {
    value: typeof fallback === "function"
      ? (fallback as (read: Read, env: Env) => T)(read, env)
      : fallback,
  };
}

/** The values of a table of options whose fallbacks need nothing else. */
export type Values<T extends Record<string, Option<unknown>>> = {
  [K in keyof T]: T[K] extends Option<infer V, never> ? V : never;
};

/** Reads every option of `table`. */
export function resolveAll<T extends Record<string, Option<unknown>>>(
  table: T,
  given: Given,
  env: Env,
): Values<T> {
  const values: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(table)) {
    values[key] = resolve(option, given, env, undefined as never).value;
  }
  return values as Values<T>;
}

/** The default of `option` as shown to people: its `default`, else a number or text fallback. */
export function shownDefault(option: Option<unknown>): string | undefined {
  const fallback = option.fallback;
  return option.default ??
    (typeof fallback === "number" || typeof fallback === "string" ? String(fallback) : undefined);
}

/** The `--help` lines of `options`: flag, meaning, and below them the variable and the default. */
export function helpRows(options: readonly Option<unknown>[]): string[] {
  return options.map((option) => {
    const name = (option.short ? `-${option.short}, ` : "") + option.flag +
      (option.switch === undefined ? " <value>" : "");
    const more = [
      option.env &&
      `env ${option.env}${typeof option.switch === "string" ? `=${option.switch}` : ""}`,
      shownDefault(option) && `default: ${shownDefault(option)}`,
    ].filter(Boolean).join(", ");
    return `  ${name.padEnd(36)} ${option.description}${more && `\n${" ".repeat(39)}${more}`}`;
  });
}

/** Throws the error of a bad value: "Cannot configure: SOURCE must RULE, got 'TEXT'". */
export function fail(source: string, rule: string, text: string): never {
  throw new TypeError(`Cannot configure: ${source} must ${rule}, got '${text}'`);
}

/** Any text. */
export function text(value: string): string {
  return value;
}

/** Any text but the empty one, which counts as not given. */
export function nonEmpty(value: string): string | undefined {
  return value || undefined;
}

/** One of `allowed`, which the error lists as `said`. */
export function oneOf<const T extends string>(
  allowed: readonly T[],
  said: string = allowed.join(" or "),
): Parse<T> {
  return (value, source) =>
    (allowed as readonly string[]).includes(value) ? value as T : fail(source, `be ${said}`, value);
}

/** A number that passes `ok`, which the error describes as `what`. */
export function numeric(ok: (number: number) => boolean, what: string): Parse<number> {
  return (value, source) => {
    const number = Number(value);
    return ok(number) ? number : fail(source, `be ${what}`, value);
  };
}

/** true, false, 1 or 0 in any case; empty is false. */
export function bool(value: string, source: string): boolean {
  const normal = value.toLowerCase();
  if (normal === "" || normal === "0" || normal === "false") return false;
  if (normal === "1" || normal === "true") return true;
  return fail(source, "be true or false", value);
}

/**
 * A comma-separated list, blanks dropped, each entry read by `entry`, which returns `undefined`
 * for a bad one; the error then says what the list `must` hold.
 */
export function list<T = string>(
  entry: (text: string) => T | undefined = (text) => text as T,
  must = "",
): Parse<T[]> {
  return (value, source) =>
    value.split(",").map((text) => text.trim()).filter(Boolean).map((text) =>
      entry(text) ?? fail(source, must, text)
    );
}
