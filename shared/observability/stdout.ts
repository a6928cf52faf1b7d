import { writeSync } from "node:fs";

/**
 * Log lines for a file descriptor, written in batches: up to 16 KiB of lines, or what came within 250 ms,
 * in one write. A write per line cost more than building the line (BENCHMARKS.md); sonic-boom's async mode
 * saved nothing, as it measures its whole pending buffer on every line. Whatever is pending is written
 * when the process exits (process.exit, as the SIGTERM drain ends, an empty event loop, or a crash).
 */
export class BatchedWriter {
  #pending: string[] = [];
  #size = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fd: number,
    private readonly batchChars = 16 * 1024,
    private readonly maxDelayMs = 250,
  ) {}

  write(line: string): void {
    this.#pending.push(line);
    this.#size += line.length;
    if (this.#size >= this.batchChars) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.maxDelayMs).unref();
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch = Buffer.from(this.#pending.join(""));
    this.#pending = [];
    this.#size = 0;
    writeAll(this.fd, batch);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A full non-blocking pipe: give its reader a millisecond. Nobody reading at all: the lines are lost.
      if (code === "EAGAIN") Atomics.wait(pause, 0, 0, 1);
      else if (code === "EPIPE") return;
      else throw error;
    }
  }
}

let stdout: BatchedWriter | undefined;

/** The process's one batched stdout, shared by every logger, flushed on exit. */
export function batchedStdout(): BatchedWriter {
  if (!stdout) {
    const writer = new BatchedWriter(1);
    process.on("exit", () => writer.flush());
    stdout = writer;
  }
  return stdout;
}
