#include "app/preemption.h"

#include <csignal>

namespace sceneals::app {

namespace {

volatile std::sig_atomic_t requested = 0;

extern "C" void on_signal(int) { requested = 1; }

}  // namespace

void install_preemption_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a read or write in flight continues; we look between steps
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);
}

bool preemption_requested() { return requested != 0; }

}  // namespace sceneals::app
