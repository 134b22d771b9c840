/**
 * Renderer entry. index.html's shell is the first paint; the app then arrives in three steps, each a
 * dynamic import evaluated in a task of its own (libraries, the shared schemas, the app), because one
 * module graph evaluates in one task: loaded together they blocked the window for 150-280 ms on two
 * cores (`npm run bench:ui`). The app replaces the shell when it mounts on #app.
 */
async function boot(): Promise<void> {
  await import('./boot/libraries')
  await import('./boot/contract')
  const { mount } = await import('./boot/mount')
  mount()
}

void boot()
