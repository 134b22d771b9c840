/**
 * Long requests the window can stop (import, data check, token comparison): one at a time per key,
 * each with its AbortController, and a cancelled one fails with a message that says so rather than
 * with whatever the aborted work threw.
 */
export class CancellableTasks {
  readonly #running = new Map<string, AbortController>()

  /** Runs `work` under `key`; refuses a second task under the same key with `busy`. */
  async run<T>(
    key: string,
    messages: { busy: string; cancelled: string },
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (this.#running.has(key)) throw new Error(messages.busy)
    const controller = new AbortController()
    this.#running.set(key, controller)
    try {
      return await work(controller.signal)
    } catch (err) {
      throw controller.signal.aborted ? new Error(messages.cancelled) : err
    } finally {
      this.#running.delete(key)
    }
  }

  /** Stops the task under `key`, if one runs. */
  cancel(key: string): void {
    this.#running.get(key)?.abort()
  }
}
