/**
 * Boot step 2 (main.ts): zod and the shared schemas the window validates with (experiment, results,
 * the IPC contract), in a task of their own: building zod schemas is most of the app's start-up work.
 */
import '../../../shared/ipc'
import '../../../shared/experiment'
import '../../../shared/results'
