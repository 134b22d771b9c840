/**
 * Renderer entry. index.html's shell is the first paint; the app then arrives in steps, each in a task
 * of its own: three dynamic imports (libraries, the shared schemas, the app's modules), because one
 * module graph evaluates in one task, then the mount. Loaded together they blocked the window for
 * 150-280 ms on two cores (`npm run bench:ui`). The app replaces the shell when it mounts on #app.
 */
/** Resolves in a later task: an await on an import resumes in the same task as its evaluation. */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

async function boot(): Promise<void> {
  await import('./boot/libraries')
  await nextTask()
  await import('./boot/contract')
  await nextTask()
  const { mount } = await import('./boot/mount')
  await nextTask()
  mount()
}

void boot()
