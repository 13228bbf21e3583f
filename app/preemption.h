// SIGTERM and SIGUSR1 (what Slurm sends before preemption or the time limit) only set a flag;
// training looks at it between half-steps, agrees across ranks, checkpoints and exits with
// ExitCode::kCheckpointed so the job script can requeue itself.
#pragma once

namespace sceneals::app {

/// Installs the handlers (idempotent). Signals that arrive before are handled by the default.
void install_preemption_handlers();
/// True once SIGTERM or SIGUSR1 has arrived on this process.
bool preemption_requested();

}  // namespace sceneals::app
