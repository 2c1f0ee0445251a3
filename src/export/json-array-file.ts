import { type FileHandle, open } from 'node:fs/promises';

const OPEN = '[\n';
const SEPARATOR = ',\n';
const CLOSE = '\n]\n';

/**
 * A JSON array written one element at a time, so an export never holds more than one element in
 * memory. `exclusive` refuses to overwrite an existing file. The byte count includes the closing
 * bracket, so `wouldFit` tells whether the finished file stays within a limit.
 */
export class JsonArrayFile {
  readonly #handle: FileHandle;
  readonly path: string;
  #count = 0;
  #bytes = Buffer.byteLength(OPEN) + Buffer.byteLength(CLOSE);

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /** Creates the file (failing when it exists) and writes the opening bracket. */
  static async create(path: string): Promise<JsonArrayFile> {
    // Owner-only: the files hold password hashes (and not-exported.json the users who have none).
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.write(OPEN);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new JsonArrayFile(path, handle);
  }

  /** How many elements were written. */
  get count(): number {
    return this.#count;
  }

  /** The size of the finished file if it were closed now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The finished file's size with one more element of this serialised form. */
  sizeWith(json: string): number {
    return this.#bytes + (this.#count > 0 ? Buffer.byteLength(SEPARATOR) : 0) + Buffer.byteLength(json);
  }

  /** Appends one element, given already serialised. */
  async append(json: string): Promise<void> {
    const text = this.#count > 0 ? SEPARATOR + json : json;
    await this.#handle.write(text);
    this.#bytes += Buffer.byteLength(text);
    this.#count += 1;
  }

  /** Writes the closing bracket, flushes to disk and closes. */
  async close(): Promise<void> {
    try {
      await this.#handle.write(this.#count > 0 ? CLOSE : CLOSE.slice(1));
      await this.#handle.sync();
    } finally {
      await this.#handle.close();
    }
  }
}

/** The size of a JSON array file holding exactly one element of this serialised form. */
export function singleElementFileSize(json: string): number {
  return Buffer.byteLength(OPEN) + Buffer.byteLength(json) + Buffer.byteLength(CLOSE);
}
