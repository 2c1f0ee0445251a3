import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';

/**
 * An imitation of Auth0's custom-database script sandbox, for running auth0/scripts/*.js as Auth0 would:
 * each script is evaluated on its own as one function expression in a fresh `vm` context whose globals
 * are what Auth0 provides (`configuration`, the three Auth0 error classes, `fetch`, AbortController,
 * timers, `crypto`, `console`), then called with Auth0's arguments and a recording `callback`.
 *
 * The recorder enforces Auth0's rule that `callback` runs exactly once: `run` fails when it is not called
 * within the bound, and `assertEachCalledOnce` (call it in afterEach) fails when any callback ran twice.
 */

export const SCRIPTS_DIR = join(__dirname, '..', '..', 'auth0', 'scripts');

/** Script file → the function Auth0 documents for it (and the arguments before `callback`). */
export const SCRIPTS = {
  login: { fn: 'login', params: ['userNameOrEmail', 'password'] },
  get_user: { fn: 'getUser', params: ['email'] },
  create: { fn: 'create', params: ['user'] },
  verify: { fn: 'verify', params: ['email'] },
  change_password: { fn: 'changePassword', params: ['email', 'newPassword'] },
  delete: { fn: 'remove', params: ['id'] },
  change_email: { fn: 'changeEmail', params: ['email', 'newEmail', 'verified'] },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
export const SCRIPT_NAMES = Object.keys(SCRIPTS) as ScriptName[];

/** Auth0's `WrongUsernameOrPasswordError(userIdOrEmail, message)`: a truthy first argument logs `fp`, falsy `fu`. */
export class WrongUsernameOrPasswordError extends Error {
  override readonly name = 'WrongUsernameOrPasswordError';
  constructor(
    readonly userIdOrEmail: unknown,
    message?: string,
  ) {
    super(message);
  }
}

/** Auth0's `ValidationError(code, message)`, e.g. `user_exists` from Create. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message);
  }
}

/** Auth0's `UnauthorizedError(message)`: the message is shown to the user. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** A plain `Error` (Auth0 shows a generic failure): not one of the three Auth0 classes. */
export function isPlainError(value: unknown): value is Error {
  return value instanceof Error && Object.getPrototypeOf(value) === Error.prototype;
}

export interface SandboxOptions {
  /** The connection's `configuration` settings (BRIDGE_URL, BRIDGE_TOKEN, BRIDGE_TIMEOUT_MS). */
  readonly configuration: Readonly<Record<string, string>>;
  /** How long `run` waits for the callback. Default: Auth0's 20 s execution limit. */
  readonly callbackBoundMs?: number;
}

interface Recorder {
  readonly script: ScriptName;
  readonly calls: unknown[][];
}

export class Auth0Sandbox {
  readonly #configuration: Readonly<Record<string, string>>;
  readonly #boundMs: number;
  readonly #recorders: Recorder[] = [];

  constructor(options: SandboxOptions) {
    this.#configuration = Object.freeze({ ...options.configuration });
    this.#boundMs = options.callbackBoundMs ?? 20_000;
  }

  /** Loads a script as Auth0 would: the file must evaluate to exactly one function with the documented name. */
  static load(script: ScriptName, globals: Record<string, unknown> = {}): (...args: unknown[]) => unknown {
    const source = readFileSync(join(SCRIPTS_DIR, `${script}.js`), 'utf8');
    const context = vm.createContext(globals);
    // Wrapping in parentheses makes any second top-level statement a syntax error.
    const fn = vm.runInContext(`(${source}\n)`, context, { filename: `${script}.js` }) as unknown;
    if (typeof fn !== 'function') throw new Error(`${script}.js does not evaluate to a function`);
    if (fn.name !== SCRIPTS[script].fn)
      throw new Error(`${script}.js defines ${fn.name}, expected ${SCRIPTS[script].fn}`);
    if (fn.length !== SCRIPTS[script].params.length + 1) {
      throw new Error(`${script}.js takes ${fn.length} parameters, expected ${SCRIPTS[script].params.length + 1}`);
    }
    return fn as (...args: unknown[]) => unknown;
  }

  /**
   * Runs one script with Auth0's arguments (without the callback) and resolves with the arguments of
   * its callback. Rejects when the script throws or does not call back within the bound.
   */
  async run(script: ScriptName, ...args: unknown[]): Promise<unknown[]> {
    const fn = Auth0Sandbox.load(script, this.#globals());
    const recorder: Recorder = { script, calls: [] };
    this.#recorders.push(recorder);
    const first = new Promise<unknown[]>((resolve) => {
      fn(...args, (...callbackArgs: unknown[]) => {
        recorder.calls.push(callbackArgs);
        if (recorder.calls.length === 1) resolve(callbackArgs);
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${script}: callback not called within ${this.#boundMs} ms`)),
        this.#boundMs,
      );
    });
    try {
      const result = await Promise.race([first, bound]);
      // Give a second call that follows at once (same tick, or the next) the chance to show up.
      await new Promise((resolve) => setImmediate(resolve));
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fails when any callback of any run so far was called more than once. */
  assertEachCalledOnce(): void {
    const twice = this.#recorders.filter((r) => r.calls.length > 1);
    if (twice.length > 0) {
      throw new Error(
        `callback called more than once by: ${twice.map((r) => `${r.script} (${r.calls.length}×)`).join(', ')}`,
      );
    }
  }

  /** What Auth0's sandbox offers a script; Error and JSON come from this realm so results compare naturally. */
  #globals(): Record<string, unknown> {
    return {
      configuration: this.#configuration,
      WrongUsernameOrPasswordError,
      ValidationError,
      UnauthorizedError,
      Error,
      JSON,
      fetch,
      AbortController,
      setTimeout,
      clearTimeout,
      crypto: globalThis.crypto,
      console,
    };
  }
}
