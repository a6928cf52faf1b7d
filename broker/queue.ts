export interface WorkQueueOptions<T> {
  /** Concurrent handlers; 1 keeps strict FIFO order. */
  workers: number;
  handle: (item: T) => Promise<void>;
  /** A handler that threw: the item is gone, so this must make noise. */
  onError: (error: unknown, item: T) => void;
  /** Called with the new depth (waiting + in flight) whenever it changes. */
  onDepth?: (depth: number) => void;
}

/** A FIFO queue worked by up to `workers` concurrent handlers. */
export class WorkQueue<T> {
  readonly #options: WorkQueueOptions<T>;
  readonly #waiting: T[] = [];
  #active = 0;

  constructor(options: WorkQueueOptions<T>) {
    this.#options = options;
  }

  /** Items waiting or in flight. */
  get depth(): number {
    return this.#waiting.length + this.#active;
  }

  push(item: T): void {
    this.#waiting.push(item);
    this.#reportDepth();
    this.#pump();
  }

  /** Forgets what has not started yet and returns it. */
  clear(): T[] {
    const dropped = this.#waiting.splice(0);
    this.#reportDepth();
    return dropped;
  }

  #pump(): void {
    while (this.#active < this.#options.workers && this.#waiting.length > 0) {
      const item = this.#waiting.shift() as T;
      this.#active += 1;
      void this.#options
        .handle(item)
        .catch((error: unknown) => this.#options.onError(error, item))
        .finally(() => {
          this.#active -= 1;
          this.#reportDepth();
          this.#pump();
        });
    }
  }

  #reportDepth(): void {
    this.#options.onDepth?.(this.depth);
  }
}
