/** Calls `fn` at most once per `intervalMs` with the latest argument; the last call is delivered late, not lost. */
export class Throttle<A extends unknown[]> {
  #last = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  #pending: A | null = null

  constructor(
    readonly intervalMs: number,
    readonly fn: (...args: A) => unknown,
  ) {}

  call(...args: A): void {
    const wait = this.#last + this.intervalMs - Date.now()
    if (wait <= 0 && !this.#timer) {
      this.#fire(args)
      return
    }
    this.#pending = args
    this.#timer ??= setTimeout(
      () => {
        this.#timer = null
        const pending = this.#pending
        this.#pending = null
        if (pending) this.#fire(pending)
      },
      Math.max(0, wait),
    )
  }

  /** Drops a pending call (the run ended: its last word is the terminal event). */
  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#pending = null
  }

  #fire(args: A): void {
    this.#last = Date.now()
    try {
      const result = this.fn(...args)
      if (result instanceof Promise) result.catch((err: unknown) => console.error(err))
    } catch (err) {
      console.error(err)
    }
  }
}
