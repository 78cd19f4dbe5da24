/**
 * `npm start`. Until the local stack (handlers, emulators, scheduler) lands, it starts the sandboxes
 * so a developer can explore them; see README.md.
 */
import { runSandboxes } from './sandbox';

void runSandboxes();
